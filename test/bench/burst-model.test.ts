import { describe, expect, it } from 'vitest';
import {
  AWS_SQS_SCALING,
  type ConsumerModel,
  concurrencyAt,
  concurrencyCap,
  linearDuration,
  type ScalingRules,
  simulateBurst,
} from '../../bench/burst-model.ts';

/** Every poller from the start: the arithmetic is then exact enough to check by hand. */
const flat: ScalingRules = { initialConcurrency: 0, rampPerMinute: 0, maxPerMapping: 1000 };

const consumer = (overrides: Partial<ConsumerModel> = {}): ConsumerModel => ({
  service: 'svc',
  share: 1,
  batchSize: 10,
  batchingWindowSeconds: 0,
  maximumConcurrency: 5,
  reservedConcurrency: undefined,
  timeoutSeconds: 30,
  batchDurationMs: () => 100,
  ...overrides,
});

describe('concurrency', () => {
  it('is capped by the smallest of MaximumConcurrency, reserved concurrency and the mapping limit', () => {
    expect(concurrencyCap(consumer({ maximumConcurrency: 5 }), AWS_SQS_SCALING)).toBe(5);
    expect(
      concurrencyCap(consumer({ maximumConcurrency: 50, reservedConcurrency: 7 }), AWS_SQS_SCALING),
    ).toBe(7);
    expect(concurrencyCap(consumer({ maximumConcurrency: undefined }), AWS_SQS_SCALING)).toBe(1000);
  });

  it('starts at 5 and adds 300 a minute on AWS', () => {
    expect(concurrencyAt(0, 1000, AWS_SQS_SCALING)).toBe(5);
    expect(concurrencyAt(60, 1000, AWS_SQS_SCALING)).toBe(305);
    expect(concurrencyAt(30, 1000, AWS_SQS_SCALING)).toBe(155);
    expect(concurrencyAt(600, 1000, AWS_SQS_SCALING)).toBe(1000);
    expect(concurrencyAt(10, 2, AWS_SQS_SCALING)).toBe(2);
  });
});

describe('simulateBurst', () => {
  it('drains at concurrency × batch / duration once the burst is over', () => {
    // 5 pollers × 10 records / 0.1 s = 500 msg/s; 1,000 msg/s for 10 s = 10,000 messages.
    // Backlog grows at 500/s to ≈ 5,000 at t = 10 s, then drains at 500/s: empty at ≈ 20 s.
    const p = simulateBurst(consumer(), { ratePerSecond: 1000, durationSeconds: 10 }, { rules: flat });
    expect(p.capacityPerSecond).toBe(500);
    expect(p.messages).toBe(10_000);
    expect(p.peakDepth).toBeGreaterThan(4900);
    expect(p.peakDepth).toBeLessThan(5100);
    expect(p.drainedAtSeconds).toBeGreaterThan(19.8);
    expect(p.drainedAtSeconds).toBeLessThan(20.4);
    // The last message sent (t = 10 s) waits behind ≈ 5,000 others: ≈ 10 s.
    expect(p.maxAgeSeconds).toBeGreaterThan(9.7);
    expect(p.maxAgeSeconds).toBeLessThan(10.4);
    expect(p.timesOut).toBe(false);
  });

  it('does not round a batch shorter than a step up to a step', () => {
    // 5 × 10 / 0.135 s = 370 msg/s; 10,000 messages arrive at 1,000/s: the last leaves at ≈ 27 s.
    const p = simulateBurst(
      consumer({ batchDurationMs: () => 135 }),
      { ratePerSecond: 1000, durationSeconds: 10 },
      { rules: flat, stepSeconds: 0.1 },
    );
    expect(p.drainedAtSeconds).toBeGreaterThan(26.5);
    expect(p.drainedAtSeconds).toBeLessThan(27.6);
  });

  it('keeps the queue near empty when capacity exceeds the arrivals', () => {
    const p = simulateBurst(consumer(), { ratePerSecond: 100, durationSeconds: 10 }, { rules: flat });
    expect(p.peakDepth).toBeLessThan(60);
    expect(p.drainedAtSeconds).toBeLessThan(10.5);
    expect(p.maxAgeSeconds).toBeLessThan(0.5);
  });

  it('adds the batching window to the age when batches are not full', () => {
    const p = simulateBurst(
      consumer({ batchSize: 100, batchingWindowSeconds: 5 }),
      { ratePerSecond: 2, durationSeconds: 10 },
      { rules: flat },
    );
    expect(p.maxAgeSeconds).toBeGreaterThan(4.9);
    expect(p.maxAgeSeconds).toBeLessThan(5.5);
  });

  it('scales only a filtered share of the orders', () => {
    const p = simulateBurst(
      consumer({ share: 0.2 }),
      { ratePerSecond: 1000, durationSeconds: 10 },
      { rules: flat },
    );
    expect(p.messages).toBe(2000);
  });

  it('is slower under the AWS ramp than with every poller from the start', () => {
    const burst = { ratePerSecond: 10_000, durationSeconds: 60 };
    const c = consumer({ maximumConcurrency: undefined, batchDurationMs: linearDuration(15, 12) });
    const ramped = simulateBurst(c, burst, { rules: AWS_SQS_SCALING });
    const flatOut = simulateBurst(c, burst, { rules: flat });
    expect(ramped.drainedAtSeconds).toBeDefined();
    expect(flatOut.drainedAtSeconds).toBeDefined();
    expect(ramped.drainedAtSeconds ?? 0).toBeGreaterThan(flatOut.drainedAtSeconds ?? 0);
    expect(ramped.peakConcurrency).toBeLessThanOrEqual(1000);
  });

  it('never drains when a full batch outlasts the function timeout', () => {
    const p = simulateBurst(
      consumer({ timeoutSeconds: 1, batchDurationMs: () => 2000 }),
      { ratePerSecond: 10, durationSeconds: 1 },
      { rules: flat, horizonSeconds: 60 },
    );
    expect(p.timesOut).toBe(true);
    expect(p.drainedAtSeconds).toBeUndefined();
    expect(p.maxAgeSeconds).toBeUndefined();
  });

  it('keeps at most maxSamples samples, the last one included', () => {
    const p = simulateBurst(
      consumer(),
      { ratePerSecond: 1000, durationSeconds: 10 },
      { rules: flat, maxSamples: 50 },
    );
    expect(p.samples.length).toBeLessThanOrEqual(51);
    expect(p.samples.at(-1)?.t).toBeCloseTo(p.drainedAtSeconds ?? 0, 6);
  });
});
