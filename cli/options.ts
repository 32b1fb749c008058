/**
 * Argument parsers for commander options (`.option('--burst <n>', …, wholeNumber({ min: 0 }))`):
 * a value that is not what the option takes stops the command with commander's own message, e.g.
 * `error: option '--burst <n>' argument '-5' is invalid. expected a whole number from 0 to 100000`,
 * and exit code 1, instead of running with NaN or a negative count.
 */
import { InvalidArgumentError } from 'commander';

/** Bounds of {@link wholeNumber}. */
export interface WholeNumberRange {
  readonly min: number;
  /** @default Number.MAX_SAFE_INTEGER */
  readonly max?: number;
}

/** An argParser accepting decimal digits only (no sign, exponent, fraction or hex) within `range`. */
export function wholeNumber(range: WholeNumberRange): (value: string) => number {
  const { min, max = Number.MAX_SAFE_INTEGER } = range;
  const expected =
    max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
  return (value) => {
    const trimmed = value.trim();
    const parsed = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected ${expected}`);
    }
    return parsed;
  };
}
