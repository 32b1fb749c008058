/**
 * A fluid model of an SQS queue drained by a Lambda event source mapping during a burst: how deep
 * each queue gets, when it is empty again, and how old its oldest message gets. Pure arithmetic,
 * no I/O: `npm run burst` feeds it the synthesized stack's settings, and test/bench checks it.
 *
 * The model, per queue, in steps of `stepSeconds`:
 * - arrivals: `ratePerSecond × share` messages per second while the burst lasts;
 * - pollers: `initialConcurrency` at the first message, plus `rampPerMinute` per minute (linear),
 *   capped by MaximumConcurrency, reserved concurrency and `maxPerMapping`;
 * - each poller takes a full batch when the queue holds one, and spends `batchDurationMs(n)` on it;
 *   when the queue holds less, each takes what there is (the batching window is then paid as wait);
 * - a message's age = (time its batch completes) − (time it was sent), taking messages in order of
 *   arrival. A standard queue is not strictly ordered, so on AWS the oldest message can be older.
 */

/** AWS's scaling rules of an SQS event source mapping (standard queue, without provisioned mode). */
export interface ScalingRules {
  /** Concurrent batches when messages first appear. */
  readonly initialConcurrency: number;
  /** Concurrent batches added per minute while messages remain (0: no ramp, start at the cap). */
  readonly rampPerMinute: number;
  /** Most concurrent batches one mapping can process. */
  readonly maxPerMapping: number;
}

/**
 * Lambda's documented behaviour for standard queues: 5 concurrent batches at first, up to 300 more
 * per minute, at most 1,000 per mapping; MaximumConcurrency (2–1,000) caps it further.
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html (read 2026-12-01).
 */
export const AWS_SQS_SCALING: ScalingRules = {
  initialConcurrency: 5,
  rampPerMinute: 300,
  maxPerMapping: 1000,
};

/** One consumer as the model needs it. */
export interface ConsumerModel {
  readonly service: string;
  /** Fraction of orders delivered to this queue (1 for all, less with a filter policy). */
  readonly share: number;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  /** ScalingConfig.MaximumConcurrency, if set. */
  readonly maximumConcurrency: number | undefined;
  /** ReservedConcurrentExecutions of the function, if set. */
  readonly reservedConcurrency: number | undefined;
  readonly timeoutSeconds: number;
  /** Duration of one invocation with `records` records, in ms. */
  readonly batchDurationMs: (records: number) => number;
}

/** The burst. */
export interface Burst {
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
}

/** One sample of the simulated queue. */
export interface QueueSample {
  readonly t: number;
  /** Messages in the queue, visible or in flight. */
  readonly depth: number;
  /** Concurrent batches. */
  readonly concurrency: number;
}

/** What the model predicts for one consumer. */
export interface BurstPrediction {
  readonly service: string;
  readonly messages: number;
  /** Batches processed concurrently at most. */
  readonly concurrencyCap: number;
  /** Highest concurrency reached. */
  readonly peakConcurrency: number;
  /** Messages per second at the cap with full batches. */
  readonly capacityPerSecond: number;
  readonly peakDepth: number;
  /** Seconds from the burst's start until the queue is empty; undefined if not within the horizon. */
  readonly drainedAtSeconds: number | undefined;
  /** Largest (processed − sent) over all messages, seconds; undefined if not drained. */
  readonly maxAgeSeconds: number | undefined;
  /** A full batch takes longer than the function timeout: batches fail and the queue never drains. */
  readonly timesOut: boolean;
  /** Samples for a chart (at most `maxSamples`). */
  readonly samples: readonly QueueSample[];
}

/** Options of {@link simulateBurst}. */
export interface SimulationOptions {
  readonly rules: ScalingRules;
  /** @default 0.1 */
  readonly stepSeconds?: number;
  /** Stop here if the queue is not empty yet. @default 86,400 */
  readonly horizonSeconds?: number;
  /** @default 400 */
  readonly maxSamples?: number;
}

/** Concurrency cap of a mapping: the smallest of MaximumConcurrency, reserved concurrency and the mapping limit. */
export function concurrencyCap(consumer: ConsumerModel, rules: ScalingRules): number {
  return Math.min(
    consumer.maximumConcurrency ?? Number.POSITIVE_INFINITY,
    consumer.reservedConcurrency ?? Number.POSITIVE_INFINITY,
    rules.maxPerMapping,
  );
}

/** Concurrent batches `t` seconds after the first message, under `rules`, capped at `cap`. */
export function concurrencyAt(t: number, cap: number, rules: ScalingRules): number {
  if (rules.rampPerMinute <= 0) return cap;
  return Math.min(cap, Math.floor(rules.initialConcurrency + (rules.rampPerMinute * t) / 60));
}

/** Simulates one consumer through `burst`. */
export function simulateBurst(
  consumer: ConsumerModel,
  burst: Burst,
  options: SimulationOptions,
): BurstPrediction {
  const dt = options.stepSeconds ?? 0.1;
  const horizon = options.horizonSeconds ?? 86_400;
  const maxSamples = options.maxSamples ?? 400;
  const rules = options.rules;
  const cap = concurrencyCap(consumer, rules);
  const fullBatchSeconds = consumer.batchDurationMs(consumer.batchSize) / 1000;
  const timesOut = fullBatchSeconds > consumer.timeoutSeconds;
  const arrivalRate = burst.ratePerSecond * consumer.share;
  const messages = arrivalRate * burst.durationSeconds;
  const capacityPerSecond = timesOut ? 0 : (cap * consumer.batchSize) / fullBatchSeconds;

  // Cumulative arrivals and completions per step, for the ages (first in, first out).
  const arrived: number[] = [0];
  const completed: number[] = [0];
  const raw: QueueSample[] = [{ t: 0, depth: 0, concurrency: 0 }];
  let depth = 0;
  let peakDepth = 0;
  let peakConcurrency = 0;
  let drainedAt: number | undefined;
  // One slot per poller. A slot's batch collects messages (until full or its window ends), then
  // runs until `done`; the slot is free again at `done`, between steps, so a batch shorter than a
  // step is not rounded up to one.
  interface Slot {
    records: number;
    windowEnds: number;
    done: number | undefined;
    freeAt: number;
  }
  const slots: Slot[] = [];
  let queued = 0; // visible messages (not yet in a batch)
  let totalArrived = 0;
  let totalCompleted = 0;
  const durationOf = (records: number) => consumer.batchDurationMs(Math.ceil(records - 1e-9)) / 1000;
  const steps = Math.ceil(horizon / dt);
  for (let i = 1; i <= steps; i++) {
    const t = i * dt;
    const arriving = t <= burst.durationSeconds + 1e-9 ? arrivalRate * dt : 0;
    queued += arriving;
    totalArrived += arriving;
    const concurrency = timesOut ? 0 : concurrencyAt(t, cap, rules);
    while (slots.length < concurrency)
      slots.push({ records: 0, windowEnds: 0, done: undefined, freeAt: t - dt });
    for (const slot of slots) {
      for (;;) {
        if (slot.done !== undefined) {
          if (slot.done > t + 1e-9) break;
          totalCompleted += slot.records;
          slot.records = 0;
          slot.freeAt = slot.done;
          slot.done = undefined;
        }
        if (slot.records === 0) {
          // A free poller's long poll returns as soon as there is a message.
          if (queued <= 1e-9) break;
          const opened = Math.max(slot.freeAt, t - dt);
          slot.windowEnds = opened + consumer.batchingWindowSeconds;
          slot.freeAt = opened;
        }
        // Collecting: take arrivals up to the batch size; invoke when full or the window is over
        // (in a backlog batches fill at once and the window is moot).
        const take = Math.min(queued, consumer.batchSize - slot.records);
        slot.records += take;
        queued -= take;
        const full = slot.records >= consumer.batchSize - 1e-9;
        if (!full && slot.windowEnds > t + 1e-9) break;
        // A batch filled in an earlier step's poll starts now; one filled at once starts when opened.
        const start = full ? Math.max(slot.freeAt, t - dt) : Math.max(slot.freeAt, slot.windowEnds);
        slot.done = start + durationOf(slot.records);
      }
    }
    const inFlight = slots.filter((s) => s.records > 0);
    peakConcurrency = Math.max(peakConcurrency, inFlight.length);
    depth = queued + inFlight.reduce((sum, b) => sum + b.records, 0);
    peakDepth = Math.max(peakDepth, depth);
    arrived.push(totalArrived);
    completed.push(totalCompleted);
    raw.push({ t, depth, concurrency: inFlight.length });
    if (t >= burst.durationSeconds && depth < 1e-6) {
      drainedAt = t;
      break;
    }
  }

  let maxAge: number | undefined;
  if (drainedAt !== undefined) {
    // For each step's arrivals, the first step whose completions reach them.
    maxAge = 0;
    let j = 0;
    for (let i = 1; i < arrived.length; i++) {
      const target = arrived[i] ?? 0;
      if (target <= (arrived[i - 1] ?? 0)) continue;
      while (j < completed.length - 1 && (completed[j] ?? 0) < target - 1e-6) j++;
      maxAge = Math.max(maxAge, (j - i) * dt);
    }
  }

  const stride = Math.max(1, Math.ceil(raw.length / maxSamples));
  const samples = raw.filter((_, i) => i % stride === 0 || i === raw.length - 1);
  return {
    service: consumer.service,
    messages,
    concurrencyCap: cap,
    peakConcurrency,
    capacityPerSecond,
    peakDepth,
    drainedAtSeconds: drainedAt,
    maxAgeSeconds: maxAge,
    timesOut,
    samples,
  };
}

/** A linear duration model: `fixedMs + perRecordMs × records`. */
export function linearDuration(fixedMs: number, perRecordMs: number): (records: number) => number {
  return (records) => fixedMs + perRecordMs * records;
}
