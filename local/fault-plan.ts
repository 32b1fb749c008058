/**
 * Seeded fault decisions for the endpoint proxy: which request gets which fault. Deterministic for
 * a given seed and request order (one pseudo-random draw per rule per request, whatever matches),
 * so a run can be replayed and a unit test can pin the decisions without touching a network.
 */

import type { AwsService, ParsedRequest } from './aws-request.ts';
import { LocalRuntimeError } from './errors.ts';

/**
 * What the proxy does to a request.
 * - `throttle`: answers the service's throttling error (DynamoDB `ProvisionedThroughputExceededException`,
 *   SQS `ThrottlingException`, SNS `Throttling`) without forwarding; the SDK retries it with backoff.
 * - `error500`: answers 500 without forwarding (the SDK retries it as transient).
 * - `outage`: answers 503 to every attempt of the operation (same `amz-sdk-invocation-id`), so it
 *   outlasts the SDK's retries and the caller sees the error.
 * - `appliedThen500`: forwards the request and answers 500 although it was applied (DynamoDB documents
 *   that a 500 may mean the write succeeded); the SDK retries the applied request.
 * - `killSandbox`: forwards the request, then ends the calling sandbox before it sees the answer
 *   (a crash right after a write). Only for requests signed by a sandbox.
 * - `hang`: forwards the request and never answers, so the invocation runs into its timeout. Only for
 *   requests signed by a sandbox.
 */
export type FaultKind = 'throttle' | 'error500' | 'outage' | 'appliedThen500' | 'killSandbox' | 'hang';

/** Every fault kind, in the order reports list them. */
export const FAULT_KINDS: readonly FaultKind[] = [
  'throttle',
  'error500',
  'outage',
  'appliedThen500',
  'killSandbox',
  'hang',
];

/** Faults that forward the request first: they are chosen for successful writes only (by default). */
const AFTER_WRITE: ReadonlySet<FaultKind> = new Set(['appliedThen500', 'killSandbox', 'hang']);
/** Faults that need a sandbox to act on. */
const SANDBOX_ONLY: ReadonlySet<FaultKind> = new Set(['killSandbox', 'hang']);

/** Which requests a rule applies to; every field narrows, an absent field matches all. */
export interface FaultMatch {
  readonly services?: readonly AwsService[];
  /** Operation names, e.g. `['UpdateItem', 'TransactWriteItems']`. */
  readonly actions?: readonly string[];
  /** Access key ids of the callers (a function's logical id in the embedded runtime). */
  readonly callers?: readonly string[];
  /** Access key ids that never get this fault (e.g. the test harness's own). */
  readonly exceptCallers?: readonly string[];
  /** Resource ARNs; a trailing `*` matches a prefix. */
  readonly resources?: readonly string[];
  /**
   * Only state-changing operations. Defaults to true for `appliedThen500`, `killSandbox` and `hang`
   * (they act after the request was applied), false otherwise.
   */
  readonly writesOnly?: boolean;
}

/** One fault class with its rate. */
export interface FaultRule {
  readonly fault: FaultKind;
  /** Probability in [0, 1] per matching request (`outage`: per matching operation, at its first attempt). */
  readonly rate: number;
  /** Most injections of this rule; unlimited when absent. */
  readonly limit?: number;
  readonly match?: FaultMatch;
}

/** Seed and rules of a {@link FaultPlan}. */
export interface FaultPlanOptions {
  /** Seed of the pseudo-random sequence (an unsigned 32-bit integer). */
  readonly seed: number;
  /** Rules in priority order: the first whose draw hits decides. */
  readonly rules: readonly FaultRule[];
}

/** A fault plan that cannot be built, naming every problem. */
export class FaultPlanError extends LocalRuntimeError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid fault plan:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The decision for one request; `release()` returns the reservation when the fault could not act. */
export interface FaultDecision {
  readonly fault: FaultKind;
  /** Index of the rule that chose it (undefined for a continuing outage). */
  readonly rule: number | undefined;
  release(): void;
}

/** mulberry32: a small, fast, well-distributed 32-bit PRNG (public domain); returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Checks a plan; returns every problem (empty when valid). */
export function validateFaultPlan(options: FaultPlanOptions): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    problems.push(`seed ${options.seed} must be an integer in 0..4294967295`);
  }
  options.rules.forEach((rule, i) => {
    const label = `rule ${i} (${rule.fault})`;
    if (!FAULT_KINDS.includes(rule.fault)) problems.push(`${label}: unknown fault kind`);
    if (!(Number.isFinite(rule.rate) && rule.rate >= 0 && rule.rate <= 1)) {
      problems.push(`${label}: rate ${rule.rate} must be a number in 0..1`);
    }
    if (rule.limit !== undefined && !(Number.isInteger(rule.limit) && rule.limit >= 0)) {
      problems.push(`${label}: limit ${rule.limit} must be a non-negative integer`);
    }
  });
  return problems;
}

function matchesResource(patterns: readonly string[], resources: readonly string[]): boolean {
  return resources.some((arn) =>
    patterns.some((p) => (p.endsWith('*') ? arn.startsWith(p.slice(0, -1)) : arn === p)),
  );
}

/** Whether `rule` may apply to `request` (before its draw). */
export function ruleMatches(rule: FaultRule, request: ParsedRequest): boolean {
  const m = rule.match ?? {};
  if (m.services !== undefined && !m.services.includes(request.service)) return false;
  if (m.actions !== undefined && !m.actions.includes(request.action)) return false;
  if (m.callers !== undefined && !m.callers.includes(request.accessKeyId)) return false;
  if (m.exceptCallers?.includes(request.accessKeyId)) return false;
  if (m.resources !== undefined && !matchesResource(m.resources, request.resources)) return false;
  if ((m.writesOnly ?? AFTER_WRITE.has(rule.fault)) && !request.mutating) return false;
  if (SANDBOX_ONLY.has(rule.fault) && request.sessionToken === undefined) return false;
  // A continuing operation keeps its first attempt's fate: only first attempts open an outage.
  if (rule.fault === 'outage' && request.attempt > 1) return false;
  return true;
}

/** Most remembered operations in an outage (bounded; an operation lasts a few attempts). */
const OUTAGE_MEMORY = 10_000;

/** Decides, request by request, which fault (if any) to inject. */
export class FaultPlan {
  private readonly random: () => number;
  private readonly used: number[];
  private readonly inOutage = new Set<string>();
  private readonly injectedCounts = new Map<FaultKind, number>();

  constructor(readonly options: FaultPlanOptions) {
    const problems = validateFaultPlan(options);
    if (problems.length > 0) throw new FaultPlanError(problems);
    this.random = mulberry32(options.seed);
    this.used = options.rules.map(() => 0);
  }

  /**
   * The fault for this request, or undefined. Draws exactly one number per rule, matched or not,
   * so the sequence of decisions depends only on the seed and the order of requests.
   */
  decide(request: ParsedRequest): FaultDecision | undefined {
    const draws = this.options.rules.map(() => this.random());
    if (request.invocationId !== undefined && this.inOutage.has(request.invocationId)) {
      this.count('outage', 1);
      return { fault: 'outage', rule: undefined, release: () => this.count('outage', -1) };
    }
    for (const [i, rule] of this.options.rules.entries()) {
      if ((draws[i] ?? 1) >= rule.rate || !ruleMatches(rule, request)) continue;
      if (rule.limit !== undefined && (this.used[i] ?? 0) >= rule.limit) continue;
      this.used[i] = (this.used[i] ?? 0) + 1;
      this.count(rule.fault, 1);
      if (rule.fault === 'outage' && request.invocationId !== undefined) {
        if (this.inOutage.size >= OUTAGE_MEMORY) this.inOutage.clear();
        this.inOutage.add(request.invocationId);
      }
      let released = false;
      return {
        fault: rule.fault,
        rule: i,
        release: () => {
          if (released) return;
          released = true;
          this.used[i] = (this.used[i] ?? 1) - 1;
          this.count(rule.fault, -1);
        },
      };
    }
    return undefined;
  }

  /** Faults injected so far, per kind (attempts for `outage`, i.e. every 503 it answered). */
  injected(): Record<FaultKind, number> {
    return Object.fromEntries(FAULT_KINDS.map((k) => [k, this.injectedCounts.get(k) ?? 0])) as Record<
      FaultKind,
      number
    >;
  }

  private count(kind: FaultKind, delta: number): void {
    this.injectedCounts.set(kind, (this.injectedCounts.get(kind) ?? 0) + delta);
  }
}

/** Rates of {@link chaosFaultRules}; every field optional. */
export interface ChaosRates {
  /** DynamoDB throttling per HTTP attempt. @default 0.05 */
  readonly throttle?: number;
  /** DynamoDB 500 per HTTP attempt. @default 0.01 */
  readonly error500?: number;
  /** DynamoDB operations whose every attempt fails (outlasts the SDK's retries). @default 0.0125 */
  readonly outage?: number;
  /** DynamoDB writes applied and then answered 500. @default 0.005 */
  readonly appliedThen500?: number;
  /** Sandboxes killed right after a DynamoDB write (rate per write, up to `kills`). @default 0.01 */
  readonly killRate?: number;
  /** Most sandboxes killed. @default 3 */
  readonly kills?: number;
  /** Most sandboxes hung after a DynamoDB write until their timeout (rate as `killRate`). @default 2 */
  readonly hangs?: number;
  /** SQS and SNS throttling per HTTP attempt. @default 0.02 */
  readonly sqsThrottle?: number;
  /** SQS and SNS 500 per HTTP attempt. @default 0.01 */
  readonly sqsError500?: number;
  /** SQS and SNS operations in an outage. @default 0.005 */
  readonly sqsOutage?: number;
}

/** The defaults of {@link ChaosRates}, resolved. */
export const DEFAULT_CHAOS_RATES: Required<ChaosRates> = {
  throttle: 0.05,
  error500: 0.01,
  outage: 0.0125,
  appliedThen500: 0.005,
  killRate: 0.01,
  kills: 3,
  hangs: 2,
  sqsThrottle: 0.02,
  sqsError500: 0.01,
  sqsOutage: 0.005,
};

/**
 * Every fault class at the given rates, for every caller except `exceptCallers` (a harness that
 * publishes and checks must not be faulted, or it would measure itself).
 */
export function chaosFaultRules(rates: ChaosRates = {}, exceptCallers: readonly string[] = []): FaultRule[] {
  const r = { ...DEFAULT_CHAOS_RATES, ...rates };
  const dynamodb = { services: ['dynamodb'] as const, exceptCallers };
  const messaging = { services: ['sqs', 'sns'] as const, exceptCallers };
  return [
    { fault: 'killSandbox', rate: r.killRate, limit: r.kills, match: dynamodb },
    { fault: 'hang', rate: r.killRate, limit: r.hangs, match: dynamodb },
    { fault: 'appliedThen500', rate: r.appliedThen500, match: dynamodb },
    { fault: 'outage', rate: r.outage, match: dynamodb },
    { fault: 'throttle', rate: r.throttle, match: dynamodb },
    { fault: 'error500', rate: r.error500, match: dynamodb },
    { fault: 'outage', rate: r.sqsOutage, match: messaging },
    { fault: 'throttle', rate: r.sqsThrottle, match: messaging },
    { fault: 'error500', rate: r.sqsError500, match: messaging },
  ];
}
