/**
 * Error hierarchy of order-events. Every project error extends {@link OrderEventsError} so callers
 * can tell "ours" from SDK or runtime errors with one `instanceof`. `name` is the subclass's own
 * name, set once here from `new.target`; the bundles keep class names (esbuild `keepNames`, see
 * infra/constructs/service-function.ts), so it survives minification.
 */

/** One problem found in an event or request: a dotted field path (empty = the whole body) and why. */
export interface ContractIssue {
  readonly path: string;
  readonly message: string;
}

/** Base class of every project error: `name` is the subclass's name; carries an optional `cause`. */
export class OrderEventsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The input breaks the OrderPlaced contract (unparseable JSON, a schema failure, or the same
 * eventId with different data). Poison: retrying cannot fix it, so consumers park the message in
 * the DLQ at once and the API answers 400.
 */
export class ContractViolationError extends OrderEventsError {
  /** Every field problem found, not only the first. */
  readonly issues: readonly ContractIssue[];

  constructor(issues: readonly ContractIssue[], options?: ErrorOptions & { summary?: string }) {
    super(`${options?.summary ?? 'contract violation'}: ${formatIssues(issues)}`, options);
    this.issues = issues;
  }
}

/**
 * A failure that may succeed on a later attempt (throttling, a network error, a lock held by a
 * concurrent delivery). Consumers report the record in `batchItemFailures` so SQS redelivers it.
 */
export class TransientError extends OrderEventsError {}

/** A required environment variable is missing or malformed; names every offending variable. */
export class ConfigurationError extends OrderEventsError {
  /** Names of the variables that are missing or invalid. */
  readonly variables: readonly string[];

  constructor(message: string, variables: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.variables = variables;
  }
}

/** One event that never reached the topic, with the last reason SNS (or the SDK) gave. */
export interface FailedPublish {
  readonly eventId: string;
  readonly orderId: string;
  readonly code: string;
  readonly message: string;
}

/** One event accepted by the topic. */
export interface PublishedEvent {
  readonly eventId: string;
  readonly orderId: string;
  readonly messageId: string;
}

/**
 * Some events could not be published after the bounded retries. Lists the ones that never made
 * it and the ones that did, so a caller can retry exactly the missing ones: nothing is lost silently.
 */
export class PublishFailedError extends OrderEventsError {
  /** Events that never reached the topic. */
  readonly failed: readonly FailedPublish[];
  /** Events that did reach the topic in the same call. */
  readonly published: readonly PublishedEvent[];

  constructor(
    failed: readonly FailedPublish[],
    published: readonly PublishedEvent[],
    options?: ErrorOptions,
  ) {
    const ids = failed.map((f) => `${f.eventId} (${f.code}: ${f.message})`).join('; ');
    super(`${failed.length} event(s) not published: ${ids}`, options);
    this.failed = failed;
    this.published = published;
  }
}

/** Renders issues as `path: message; path: message` (`(body)` for the whole document). */
export function formatIssues(issues: readonly ContractIssue[]): string {
  return issues.map((i) => `${i.path === '' ? '(body)' : i.path}: ${i.message}`).join('; ');
}
