/**
 * The local runtime's one error base. Everything the runtime throws on purpose extends
 * {@link LocalRuntimeError}, so a caller tells "the runtime refused" from an SDK or handler error
 * with one `instanceof`. The runtime is never minified, so each subclass's `name` is its class name,
 * set here once instead of in every constructor.
 */
export class LocalRuntimeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
