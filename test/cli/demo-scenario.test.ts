/**
 * The demo decides completion from the handlers' metrics, not from its progress display: done only
 * when every order-effect service processed its expected effects and every service (the archive
 * too) parked the poison and saw the duplicate (high-value never receives the duplicate: it is a
 * small order).
 */
import { describe, expect, it } from 'vitest';
import { consumersDone, expectedEffects, isHighValue, makeOrder } from '../../cli/demo-scenario.ts';
import { SERVICES, type ServiceName } from '../../infra/config.ts';
import { HIGH_VALUE_THRESHOLD } from '../../lambdas/high-value/high-value.ts';
import { METRIC } from '../../lambdas/shared/consumer.ts';

const orders = [makeOrder(0, false), makeOrder(1, true), makeOrder(2, false)];

/** Metrics as a finished run reports them, with `change` applied. */
function metrics(change: (counts: Map<string, number>) => void = () => undefined) {
  const expected = expectedEffects(orders);
  const counts = new Map<string, number>();
  for (const { name } of SERVICES) {
    counts.set(`${name}/${METRIC.processed}`, (expected as Record<string, number>)[name] ?? orders.length);
    counts.set(`${name}/${METRIC.poisoned}`, 1);
    counts.set(`${name}/${METRIC.duplicate}`, name === 'high-value' ? 0 : 1);
  }
  change(counts);
  return (service: ServiceName, metric: string) => counts.get(`${service}/${metric}`) ?? 0;
}

describe('demo scenario', () => {
  it('expects one effect per order, and high-value ones only for orders at or above the threshold', () => {
    expect(orders.map(isHighValue)).toEqual([false, true, false]);
    expect(orders[1]?.total).toBeGreaterThanOrEqual(HIGH_VALUE_THRESHOLD);
    expect(expectedEffects(orders)).toEqual({ email: 3, inventory: 3, analytics: 3, 'high-value': 1 });
  });

  it('is done when every service processed its effects, parked the poison and saw the duplicate', () => {
    const expected = expectedEffects(orders);
    expect(consumersDone(metrics(), expected)).toBe(true);
    expect(
      consumersDone(
        metrics((c) => c.set(`inventory/${METRIC.processed}`, 2)),
        expected,
      ),
    ).toBe(false);
    expect(
      consumersDone(
        metrics((c) => c.set(`archive/${METRIC.poisoned}`, 0)),
        expected,
      ),
    ).toBe(false);
    expect(
      consumersDone(
        metrics((c) => c.set(`email/${METRIC.duplicate}`, 0)),
        expected,
      ),
    ).toBe(false);
  });
});
