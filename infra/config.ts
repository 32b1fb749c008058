/**
 * The one typed description of what `cdk deploy` builds: the consumer services fed by the
 * order-events topic, and the stage-level settings read from CDK context. Adding a service is one
 * entry in {@link SERVICES} plus one `lambdas/<name>/handler.ts`.
 *
 * {@link validateConfig} checks every rule the AWS services would otherwise reject at deploy time (or,
 * worse, accept and misbehave with) and throws ONE {@link ConfigValidationError} naming every problem.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ANALYTICS_SERVICE } from '../lambdas/analytics/analytics.ts';
import { ARCHIVE_RETENTION_DAYS, ARCHIVE_SERVICE } from '../lambdas/archive/archive.ts';
import { EMAIL_SERVICE } from '../lambdas/email/email.ts';
import { HIGH_VALUE_SERVICE, HIGH_VALUE_THRESHOLD } from '../lambdas/high-value/high-value.ts';
import { INVENTORY_SERVICE } from '../lambdas/inventory/inventory.ts';
import { DEFAULT_RECORD_CONCURRENCY, MAX_RECORD_CONCURRENCY } from '../lambdas/shared/config.ts';
import { OrderEventsError } from '../lambdas/shared/errors.ts';

// Defined with the archive service (its items expire after it); the FIFO topic's ArchivePolicy
// uses the same window, and validateConfig checks it against every idempotency expiry.
// Read by the consumers with this default when RECORD_CONCURRENCY is unset; the construct sets it.
export { ARCHIVE_RETENTION_DAYS, DEFAULT_RECORD_CONCURRENCY };

/**
 * Fields of the OrderPlaced event (dotted paths into the message body) a subscription may filter on.
 * Filters match the event itself (FilterPolicyScope MessageBody), never a copy of it in message
 * attributes that could be missing or disagree with the body.
 */
export type EventField = 'eventType' | 'data.total' | 'data.currency';

/** Matches a string field against an allow-list (SNS `["a","b"]`). */
export interface StringAttributeFilter {
  readonly kind: 'string';
  readonly allowlist: readonly string[];
}

/** Matches a number field with numeric bounds (SNS `{"numeric":[">=",100]}`); at least one bound. */
export interface NumericAttributeFilter {
  readonly kind: 'numeric';
  readonly greaterThan?: number;
  readonly greaterThanOrEqualTo?: number;
  readonly lessThan?: number;
  readonly lessThanOrEqualTo?: number;
}

/** One field condition of a filter policy. */
export type AttributeFilter = StringAttributeFilter | NumericAttributeFilter;

/**
 * A subscription filter policy on the event body (all conditions must match). Keys are limited to
 * fields of the contract, so a typo cannot silently filter everything out.
 */
export type FilterPolicy = Readonly<Partial<Record<EventField, AttributeFilter>>>;

/** Alarm thresholds of one service. */
export interface AlarmThresholds {
  /** Alarm when ApproximateNumberOfMessagesVisible stays above this many messages. */
  readonly queueDepth: number;
  /**
   * Alarm when ApproximateAgeOfOldestMessage stays above this many seconds. Must exceed two
   * visibility timeouts (see {@link minimumAgeAlarmSeconds}): on a standard queue a message counts
   * towards the metric for its first two receives and the waits after them, and is left out from
   * its third receive on, until it is deleted or reaches the DLQ (whose alarm covers it).
   */
  readonly ageOfOldestMessageSeconds: number;
}

/** One consumer service: its queue, DLQs, subscription, function, event source and alarms. */
export interface ServiceConfig {
  /** kebab-case; becomes SERVICE_NAME, the idempotency key prefix and the metrics dimension. */
  readonly name: string;
  /** Handler file relative to the repository root, exporting `handler`. */
  readonly entry: string;
  /** Subscription filter policy on the event body; absent = every message on the topic. */
  readonly filterPolicy?: FilterPolicy;
  /** Records per invocation (1–10 for FIFO; above 10 needs a batching window). */
  readonly batchSize: number;
  /** Seconds the event source waits to fill a batch (0–300; must be 0 for FIFO). */
  readonly maxBatchingWindowSeconds: number;
  /** Upper bound of concurrent invocations from this queue (Lambda allows 2–1000). */
  readonly maxConcurrency: number;
  /** Function timeout in seconds (1–900). */
  readonly functionTimeoutSeconds: number;
  /** Function memory in MB (128–10240). */
  readonly memoryMb: number;
  /** Receives before SQS moves a message to the DLQ (1–1000). */
  readonly maxReceiveCount: number;
  /** Source queue retention in seconds (60 s–14 d, and shorter than the DLQ's 14 d). */
  readonly queueRetentionSeconds: number;
  /**
   * How long an idempotency record lives. Must cover the redelivery horizon, see
   * {@link redeliveryHorizonSeconds}.
   */
  readonly idempotencyExpirySeconds: number;
  /**
   * Records of one batch the function processes at once (standard queues; FIFO records run one at a
   * time, in order). 1–50: beyond the AWS SDK's 50 sockets, more only wait inside the SDK.
   * @default 5 (DEFAULT_RECORD_CONCURRENCY in lambdas/shared/config.ts, which says why)
   */
  readonly recordConcurrency?: number;
  /**
   * Requested visibility timeout; the construct raises it to 6 × timeout + batching window when lower.
   * @default 0 (the computed minimum is used)
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Attribute of the effect table that DynamoDB TTL expires items by (epoch seconds); absent = no TTL. */
  readonly effectTtlAttribute?: string;
  /** Whether the function may send e-mail through SES when a sender is configured for the stage. */
  readonly sendsEmail?: boolean;
  /** Alarm thresholds. */
  readonly alarms: AlarmThresholds;
  /**
   * What changes when the stage is FIFO (`-c fifo=true`): Lambda rejects a batching window on FIFO
   * queues and caps their batch at 10, so a service tuned for throughput on a standard queue says
   * here what it runs with on a FIFO one. Applied by {@link serviceProfile}; absent = no change.
   */
  readonly fifoProfile?: FifoProfile;
}

/** The settings a service may change for FIFO queues (see {@link ServiceConfig.fifoProfile}). */
export type FifoProfile = Readonly<Partial<Pick<ServiceConfig, 'batchSize' | 'maxBatchingWindowSeconds'>>>;

/**
 * The configuration a service is deployed with on a standard (`fifo` false) or FIFO stage: on FIFO
 * its {@link ServiceConfig.fifoProfile} overrides the standard settings. The result has no
 * `fifoProfile`, and it is what {@link validateConfig} checks, so a profile that is still not
 * FIFO-valid fails synth like any other mistake.
 */
export function serviceProfile(service: ServiceConfig, fifo: boolean): ServiceConfig {
  const { fifoProfile, ...standard } = service;
  return fifo && fifoProfile !== undefined ? { ...standard, ...fifoProfile } : standard;
}

/** Retention of every DLQ and subscription DLQ, fixed by construction (the SQS maximum). */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

/** SQS maximum visibility timeout. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 3600;

const DAY = 24 * 3600;

/**
 * CloudWatch namespace of the metrics the functions publish (Powertools EMF,
 * `POWERTOOLS_METRICS_NAMESPACE`); the dashboard reads them from it.
 */
export const METRICS_NAMESPACE = 'OrderEvents';

/**
 * The consumer services. All receive `order.placed`; high-value only orders with data.total >=
 * {@link HIGH_VALUE_THRESHOLD}.
 * Idempotency expiry = queue retention (4 d) + DLQ retention (14 d) = 18 d, see
 * {@link redeliveryHorizonSeconds}.
 */
const SERVICE_LIST = [
  {
    name: EMAIL_SERVICE,
    entry: 'lambdas/email/handler.ts',
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    maxConcurrency: 5,
    functionTimeoutSeconds: 20,
    memoryMb: 256,
    maxReceiveCount: 5,
    queueRetentionSeconds: 4 * DAY,
    idempotencyExpirySeconds: 18 * DAY,
    sendsEmail: true,
    alarms: { queueDepth: 500, ageOfOldestMessageSeconds: 300 },
    fifoProfile: { maxBatchingWindowSeconds: 0 },
  },
  {
    name: INVENTORY_SERVICE,
    entry: 'lambdas/inventory/handler.ts',
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 10,
    functionTimeoutSeconds: 15,
    memoryMb: 256,
    maxReceiveCount: 5,
    queueRetentionSeconds: 4 * DAY,
    idempotencyExpirySeconds: 18 * DAY,
    alarms: { queueDepth: 200, ageOfOldestMessageSeconds: 300 },
  },
  {
    name: ANALYTICS_SERVICE,
    entry: 'lambdas/analytics/handler.ts',
    batchSize: 100,
    maxBatchingWindowSeconds: 5,
    maxConcurrency: 2,
    functionTimeoutSeconds: 30,
    memoryMb: 256,
    maxReceiveCount: 5,
    queueRetentionSeconds: 4 * DAY,
    idempotencyExpirySeconds: 18 * DAY,
    alarms: { queueDepth: 5000, ageOfOldestMessageSeconds: 900 },
    // FIFO: Lambda allows at most 10 records and no window; throughput comes from message groups.
    fifoProfile: { batchSize: 10, maxBatchingWindowSeconds: 0 },
  },
  {
    name: HIGH_VALUE_SERVICE,
    entry: 'lambdas/high-value/handler.ts',
    filterPolicy: {
      eventType: { kind: 'string', allowlist: ['order.placed'] },
      'data.total': { kind: 'numeric', greaterThanOrEqualTo: HIGH_VALUE_THRESHOLD },
    },
    batchSize: 5,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 2,
    functionTimeoutSeconds: 15,
    memoryMb: 256,
    maxReceiveCount: 5,
    queueRetentionSeconds: 4 * DAY,
    idempotencyExpirySeconds: 18 * DAY,
    alarms: { queueDepth: 50, ageOfOldestMessageSeconds: 300 },
  },
  {
    // Keeps every event by the time it occurred, for `order-events replay` on a standard topic
    // (lambdas/archive). Its effect table is the archive; items expire after ARCHIVE_RETENTION_DAYS.
    name: ARCHIVE_SERVICE,
    entry: 'lambdas/archive/handler.ts',
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 2,
    functionTimeoutSeconds: 15,
    memoryMb: 256,
    maxReceiveCount: 5,
    queueRetentionSeconds: 4 * DAY,
    idempotencyExpirySeconds: 18 * DAY,
    effectTtlAttribute: 'expiresAt',
    alarms: { queueDepth: 500, ageOfOldestMessageSeconds: 300 },
  },
] as const satisfies readonly ServiceConfig[];

/** A consumer service's name (one of {@link SERVICES}). */
export type ServiceName = (typeof SERVICE_LIST)[number]['name'];

/** The consumer services (see above), each typed as a {@link ServiceConfig} with its literal name. */
export const SERVICES: readonly (ServiceConfig & { readonly name: ServiceName })[] = SERVICE_LIST;

/** How the order API authenticates callers. */
export type ApiAuthorization = 'iam' | 'none';

/** The stage `cdk synth` builds without `-c stage=…`. */
export const DEFAULT_STAGE = 'dev';

/** The stack of a stage: `OrderEvents-<stage>` (each name in it carries the stage, so stages coexist). */
export function stackName(stage: string = DEFAULT_STAGE): string {
  return `OrderEvents-${stage}`;
}

/** Stage-level settings, resolved from CDK context by {@link stageSettingsFromContext}. */
export interface StageSettings {
  /** Stage name (context `stage`, default `dev`); the stack is `OrderEvents-<stage>`. */
  readonly stage: string;
  /** Where alarm notifications are e-mailed (context `alarmEmail`); absent = no subscription. */
  readonly alarmEmail?: string;
  /** Verified SES sender for the email service (context `sesFromAddress`); absent = record-only. */
  readonly sesFromAddress?: string;
  /** RETAIN for prod (data and keys survive a stack deletion), DESTROY otherwise. */
  readonly removalPolicy: 'retain' | 'destroy';
  /** FIFO topic and queues (context `fifo`, default false). */
  readonly fifo: boolean;
  /**
   * Order API authorization (context `apiAuth`; default `iam` on every stage). A non-prod stage opts
   * out with `-c apiAuth=none`; validateConfig refuses that in prod and together with sesFromAddress.
   */
  readonly apiAuthorization: ApiAuthorization;
  /** Order API steady-state requests per second (context `apiRateLimit`, default 50). */
  readonly apiRateLimit: number;
  /** Order API burst (context `apiBurstLimit`, default 100). */
  readonly apiBurstLimit: number;
  /** Retention of function and access log groups, days (365 for prod, 30 otherwise). */
  readonly logRetentionDays: number;
}

/** Minimal view of a construct node, so this file needs no constructs import. */
export interface ContextReader {
  tryGetContext(key: string): unknown;
}

function contextString(node: ContextReader, key: string): string | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function contextNumber(node: ContextReader, key: string, fallback: number): number {
  const value = contextString(node, key);
  return value === undefined ? fallback : Number(value);
}

/** Reads stage settings from context (`-c stage=prod -c alarmEmail=ops@example.com`). */
export function stageSettingsFromContext(node: ContextReader): StageSettings {
  const stage = contextString(node, 'stage') ?? DEFAULT_STAGE;
  const prod = stage === 'prod';
  const auth = contextString(node, 'apiAuth');
  const alarmEmail = contextString(node, 'alarmEmail');
  const sesFromAddress = contextString(node, 'sesFromAddress');
  return {
    stage,
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...(sesFromAddress === undefined ? {} : { sesFromAddress }),
    removalPolicy: prod ? 'retain' : 'destroy',
    fifo: contextString(node, 'fifo') === 'true',
    // Secure by default on every stage. An unknown value is kept (cast) so validateConfig reports it
    // instead of silently defaulting.
    apiAuthorization: (auth ?? 'iam') as ApiAuthorization,
    apiRateLimit: contextNumber(node, 'apiRateLimit', 50),
    apiBurstLimit: contextNumber(node, 'apiBurstLimit', 100),
    logRetentionDays: prod ? 365 : 30,
  };
}

/**
 * The redelivery horizon: the longest time after which the same event can reach a consumer again.
 * Chosen as queue retention + DLQ retention (14 d): a message may wait in the source queue for its
 * whole retention, then sit in the DLQ until an operator redrives it back. For standard queues the
 * DLQ clock keeps the original enqueue time, so the true bound is lower; the sum also covers FIFO
 * (whose DLQ clock restarts) and is the simple rule to document. Redrive later than this re-runs
 * effects, by design: the record is gone.
 */
export function redeliveryHorizonSeconds(service: ServiceConfig): number {
  return service.queueRetentionSeconds + DLQ_RETENTION_SECONDS;
}

/** Visibility timeout the construct sets: max(requested, 6 × function timeout + batching window). */
export function effectiveVisibilityTimeoutSeconds(service: ServiceConfig): number {
  return Math.max(
    service.visibilityTimeoutSeconds ?? 0,
    6 * service.functionTimeoutSeconds + service.maxBatchingWindowSeconds,
  );
}

/**
 * Lowest sensible ApproximateAgeOfOldestMessage threshold: two visibility timeouts. On a standard
 * queue SQS moves a message received three or more times (and not deleted) to the back of the queue
 * and the metric then reports the next message below that count (AWS SQS developer guide, "Available
 * CloudWatch metrics"). A message on its ordinary retry path is therefore counted while it waits out
 * at most two visibility timeouts (after its 1st and 2nd receive); a lower threshold alarms on
 * ordinary retries, while a message that keeps failing stops counting and is caught by the DLQ alarm
 * after maxReceiveCount receives. FIFO queues keep a failing message at the head of its group, so
 * the metric keeps counting it and the same threshold alarms on a group blocked for 3+ receives.
 */
export function minimumAgeAlarmSeconds(service: ServiceConfig): number {
  return 2 * effectiveVisibilityTimeoutSeconds(service);
}

/** PascalCase of a kebab-case name (`high-value` → `HighValue`), used for output ids. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** A configuration that would fail (or misbehave) at deploy time; lists every problem at once. */
export class ConfigValidationError extends OrderEventsError {
  /** Every problem found, one sentence each. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(
      `Invalid order-events configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
    this.problems = problems;
  }
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isInt(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function checkFilterPolicy(label: string, policy: FilterPolicy, problems: string[]): void {
  const entries = Object.entries(policy);
  if (entries.length === 0) problems.push(`${label}: filterPolicy is empty (omit it to receive everything)`);
  for (const [attribute, filter] of entries) {
    if (filter === undefined) continue;
    if (filter.kind === 'string') {
      if (filter.allowlist.length === 0)
        problems.push(`${label}: filterPolicy.${attribute} allowlist is empty`);
    } else {
      const bounds = [
        filter.greaterThan,
        filter.greaterThanOrEqualTo,
        filter.lessThan,
        filter.lessThanOrEqualTo,
      ];
      const set = bounds.filter((b) => b !== undefined);
      if (set.length === 0) problems.push(`${label}: filterPolicy.${attribute} numeric filter has no bound`);
      if (set.some((b) => !Number.isFinite(b))) {
        problems.push(`${label}: filterPolicy.${attribute} numeric bounds must be finite numbers`);
      }
      const lower = filter.greaterThan ?? filter.greaterThanOrEqualTo;
      const upper = filter.lessThan ?? filter.lessThanOrEqualTo;
      if (lower !== undefined && upper !== undefined && lower > upper) {
        problems.push(
          `${label}: filterPolicy.${attribute} lower bound ${lower} is above upper bound ${upper}`,
        );
      }
    }
  }
}

/** Options of {@link validateConfig}. */
export interface ValidateConfigOptions {
  /** Repository root, to check that every handler entry exists; absent = not checked. */
  readonly projectRoot?: string;
}

/**
 * Checks the services and stage settings together and throws ONE {@link ConfigValidationError}
 * listing every problem (not the first): a deploy that fails on the third of four mistakes wastes
 * three round trips.
 */
export function validateConfig(
  services: readonly ServiceConfig[],
  settings: StageSettings,
  options: ValidateConfigOptions = {},
): void {
  const problems: string[] = [];
  const fifo = settings.fifo;

  if (!/^[a-z][a-z0-9-]{0,20}$/.test(settings.stage)) {
    problems.push(`stage "${settings.stage}" must be lower-case letters, digits or '-' (max 21 chars)`);
  }
  if (settings.alarmEmail !== undefined && !EMAIL.test(settings.alarmEmail)) {
    problems.push(`alarmEmail "${settings.alarmEmail}" is not an e-mail address`);
  }
  if (settings.sesFromAddress !== undefined && !EMAIL.test(settings.sesFromAddress)) {
    problems.push(`sesFromAddress "${settings.sesFromAddress}" is not an e-mail address`);
  }
  if (settings.apiAuthorization !== 'iam' && settings.apiAuthorization !== 'none') {
    problems.push(`apiAuth "${String(settings.apiAuthorization)}" must be "iam" or "none"`);
  }
  if (settings.stage === 'prod' && settings.apiAuthorization !== 'iam') {
    problems.push('stage prod requires apiAuth "iam" (an unauthenticated public write API is dev-only)');
  }
  if (settings.apiAuthorization === 'none' && settings.sesFromAddress !== undefined) {
    problems.push(
      `apiAuth "none" together with sesFromAddress "${settings.sesFromAddress}": anyone on the internet could make the verified sender e-mail any address (use apiAuth "iam" or drop sesFromAddress)`,
    );
  }
  if (!isInt(settings.apiRateLimit, 1, 10_000)) problems.push('apiRateLimit must be an integer in 1..10000');
  if (!isInt(settings.apiBurstLimit, 1, 5_000)) problems.push('apiBurstLimit must be an integer in 1..5000');
  if (services.length === 0) problems.push('SERVICES is empty: the topic would have no consumer');

  const seen = new Set<string>();
  for (const configured of services) {
    // The settings deployed on this stage (FIFO profile applied); a no-op on an applied profile.
    const s = serviceProfile(configured, fifo);
    const label = `service "${s.name}"`;
    if (!KEBAB.test(s.name) || s.name.length > 32) {
      problems.push(`${label}: name must be kebab-case (a-z, 0-9, single '-'), at most 32 chars`);
    }
    if (seen.has(s.name)) problems.push(`${label}: duplicate name`);
    seen.add(s.name);
    if (options.projectRoot !== undefined && !existsSync(join(options.projectRoot, s.entry))) {
      problems.push(`${label}: entry ${s.entry} does not exist`);
    }

    if (fifo) {
      if (!isInt(s.batchSize, 1, 10))
        problems.push(`${label}: batchSize ${s.batchSize} must be 1..10 for FIFO queues`);
      if (s.maxBatchingWindowSeconds !== 0) {
        problems.push(
          `${label}: maxBatchingWindowSeconds must be 0 for FIFO queues (Lambda rejects a window)`,
        );
      }
    } else {
      if (!isInt(s.batchSize, 1, 10_000))
        problems.push(`${label}: batchSize ${s.batchSize} must be an integer in 1..10000`);
      if (s.batchSize > 10 && s.maxBatchingWindowSeconds < 1) {
        problems.push(`${label}: batchSize ${s.batchSize} > 10 needs maxBatchingWindowSeconds >= 1`);
      }
    }
    if (!isInt(s.maxBatchingWindowSeconds, 0, 300)) {
      problems.push(
        `${label}: maxBatchingWindowSeconds ${s.maxBatchingWindowSeconds} must be an integer in 0..300`,
      );
    }
    if (!isInt(s.maxConcurrency, 2, 1000)) {
      problems.push(
        `${label}: maxConcurrency ${s.maxConcurrency} must be an integer in 2..1000 (Lambda minimum is 2)`,
      );
    }
    if (s.recordConcurrency !== undefined && !isInt(s.recordConcurrency, 1, MAX_RECORD_CONCURRENCY)) {
      problems.push(
        `${label}: recordConcurrency ${s.recordConcurrency} must be an integer in 1..${MAX_RECORD_CONCURRENCY} (the AWS SDK's socket pool; more records only wait inside it)`,
      );
    }
    if (!isInt(s.functionTimeoutSeconds, 1, 900)) {
      problems.push(
        `${label}: functionTimeoutSeconds ${s.functionTimeoutSeconds} must be an integer in 1..900`,
      );
    }
    if (!isInt(s.memoryMb, 128, 10_240))
      problems.push(`${label}: memoryMb ${s.memoryMb} must be an integer in 128..10240`);
    if (!isInt(s.maxReceiveCount, 1, 1000)) {
      problems.push(`${label}: maxReceiveCount ${s.maxReceiveCount} must be an integer in 1..1000`);
    }
    if (!isInt(s.queueRetentionSeconds, 60, DLQ_RETENTION_SECONDS - 1)) {
      problems.push(
        `${label}: queueRetentionSeconds ${s.queueRetentionSeconds} must be an integer in 60..${DLQ_RETENTION_SECONDS - 1} (shorter than the DLQ's 14 days, or messages expire before they reach it)`,
      );
    }
    const horizon = redeliveryHorizonSeconds(s);
    if (!Number.isInteger(s.idempotencyExpirySeconds) || s.idempotencyExpirySeconds < horizon) {
      problems.push(
        `${label}: idempotencyExpirySeconds ${s.idempotencyExpirySeconds} is shorter than the redelivery horizon ${horizon} (queue retention ${s.queueRetentionSeconds} + DLQ retention ${DLQ_RETENTION_SECONDS}); a redriven duplicate would run its effect twice`,
      );
    }
    if (s.idempotencyExpirySeconds < ARCHIVE_RETENTION_DAYS * DAY) {
      problems.push(
        `${label}: idempotencyExpirySeconds ${s.idempotencyExpirySeconds} is shorter than the event archive (${ARCHIVE_RETENTION_DAYS} days); a replay of an archived event already processed would run its effect again`,
      );
    }
    const requested = s.visibilityTimeoutSeconds ?? 0;
    if (!isInt(requested, 0, MAX_VISIBILITY_TIMEOUT_SECONDS)) {
      problems.push(
        `${label}: visibilityTimeoutSeconds ${requested} must be an integer in 0..${MAX_VISIBILITY_TIMEOUT_SECONDS}`,
      );
    }
    const visibility = effectiveVisibilityTimeoutSeconds(s);
    if (visibility > MAX_VISIBILITY_TIMEOUT_SECONDS) {
      problems.push(
        `${label}: visibility timeout max(${requested}, 6 × ${s.functionTimeoutSeconds} + ${s.maxBatchingWindowSeconds}) = ${visibility} s exceeds the SQS maximum ${MAX_VISIBILITY_TIMEOUT_SECONDS} s`,
      );
    }
    if (!isInt(s.alarms.queueDepth, 1, Number.MAX_SAFE_INTEGER)) {
      problems.push(`${label}: alarms.queueDepth must be a positive integer`);
    }
    if (!isInt(s.alarms.ageOfOldestMessageSeconds, 60, Number.MAX_SAFE_INTEGER)) {
      problems.push(
        `${label}: alarms.ageOfOldestMessageSeconds must be an integer >= 60 (the metric's period)`,
      );
    } else if (
      isInt(s.functionTimeoutSeconds, 1, 900) &&
      s.alarms.ageOfOldestMessageSeconds <= minimumAgeAlarmSeconds(s)
    ) {
      problems.push(
        `${label}: alarms.ageOfOldestMessageSeconds ${s.alarms.ageOfOldestMessageSeconds} must exceed two visibility timeouts (2 × ${effectiveVisibilityTimeoutSeconds(s)} = ${minimumAgeAlarmSeconds(s)} s): a message being retried normally is that old before SQS stops counting it`,
      );
    } else if (s.alarms.ageOfOldestMessageSeconds >= s.queueRetentionSeconds) {
      problems.push(
        `${label}: alarms.ageOfOldestMessageSeconds ${s.alarms.ageOfOldestMessageSeconds} must be below queueRetentionSeconds ${s.queueRetentionSeconds} (messages expire before it fires)`,
      );
    }
    if (s.filterPolicy !== undefined) checkFilterPolicy(label, s.filterPolicy, problems);
  }

  if (problems.length > 0) throw new ConfigValidationError(problems);
}
