/**
 * What the cost and burst figures assume where the embedded runtime cannot measure AWS: each
 * value in one place, with why. The README quotes them; change them here.
 */

/**
 * Duration of one consumer invocation on AWS (arm64, 256 MB), per batch: a fixed part (handler
 * entry, Powertools, the partial batch response) plus a part per record. Records of a batch run
 * concurrently (Powertools BatchProcessor), but 256 MB gives a function ≈ 0.15 vCPU, so their CPU
 * work adds up: ≈ 15 ms + 12 ms per record (three or four DynamoDB round trips of single-digit ms,
 * overlapping, plus ≈ 10 ms of CPU per record at that share). Local durations are not AWS
 * durations (another CPU, no network, 2 shared cores), so the cost total and the burst prediction
 * use this; the bench prints the locally measured GB-s beside it.
 */
export const ASSUMED_AWS_BATCH_MS = { fixedMs: 15, perRecordMs: 12 } as const;

/** Duration of one order API invocation on AWS (validate, one SNS Publish): an assumption. */
export const ASSUMED_AWS_API_MS = 25;

/** Duration on AWS of an invocation with `records` records (1 for the order API). */
export function assumedAwsDurationMs(service: string, records: number): number {
  return service === 'order-api'
    ? ASSUMED_AWS_API_MS
    : ASSUMED_AWS_BATCH_MS.fixedMs + ASSUMED_AWS_BATCH_MS.perRecordMs * records;
}

/**
 * Bytes Lambda adds to a function's log per invocation in text format (START, END and REPORT
 * lines, ≈ 70 + 60 + 130 bytes); the embedded runtime prints none of them.
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 260;

/**
 * Long polls an event source mapping keeps open on an idle queue. Lambda documents 5 pollers at
 * first and "as few as 2" when idle, an optimisation not available with MaximumConcurrency (which
 * every mapping here sets), so 5.
 */
export const IDLE_POLLERS_PER_MAPPING = 5;

/** Lambda's long poll (ReceiveMessage WaitTimeSeconds). */
export const LONG_POLL_SECONDS = 20;

/** Fraction of a flash sale's orders that pass a subscription filter policy (high-value: total ≥ 100). */
export const FILTERED_SHARE = 0.2;

/**
 * SNS documents no data key reuse period for SSE-KMS topics; assumed to reuse data keys like an
 * SQS queue's default (300 s), so KMS requests do not grow with the volume. If SNS called KMS once
 * per publish instead, add $0.03 per 10,000 publishes ($3 per million publishes).
 */
export const ASSUMED_SNS_DATA_KEY_REUSE_SECONDS = 300;
