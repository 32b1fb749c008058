/** Error helpers of the unit tests. */

/**
 * The message `fn` throws, or `''` when it returns: for asserting a whole message exactly (vitest's
 * `toThrow(string)` only checks that the message contains the text).
 */
export function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}
