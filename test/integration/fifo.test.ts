/**
 * FIFO end to end (`cdk synth -c fifo=true`, the shipped services): orders of one customer share a
 * message group, and a record that fails in the middle of a customer's group holds back that
 * customer's later records only — other customers' records of the same batch go on.
 *
 * The failure is real and targeted: the analytics day item of one order is given a String counter,
 * so its `ADD orders :o` fails in DynamoDB for that order alone; repairing the item lets it through.
 * The batch really holds several records of one group: the consumer is stopped while the orders
 * are published, then started, and SQS (and the patched fauxqs, see docs/local.md) returns a group's
 * messages together, in order. With the non-FIFO BatchProcessor the later records of customer A
 * would be applied (and deleted) while A's second order waits for its retry: the hold-back
 * assertion fails; without skipGroupOnError customer B would wait for A: the B assertion fails.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayKey, dayShard } from '../../lambdas/analytics/adapters.ts';
import { eventDay } from '../../lambdas/analytics/analytics.ts';
import type { OrderPlaced } from '../../lambdas/shared/contract.ts';
import { publishOrderPlaced } from '../../lambdas/shared/publisher.ts';
import { effectCount, eventually, orderEvent } from './helpers/observe.ts';
import { fifoTargetAvailable, openTarget, type TestTarget, targetKind } from './helpers/target.ts';

/**
 * Visibility timeout of the event-source queues here: long enough that the held-back records do not
 * exhaust maxReceiveCount (and move to the DLQ) while the test observes the held state, short enough
 * that the repaired record comes back within the test.
 */
const VISIBILITY_SECONDS = 6;

let target: TestTarget;

beforeAll(async () => {
  if (!fifoTargetAvailable()) return;
  target = await openTarget({ fifo: true, visibilityTimeoutSeconds: VISIBILITY_SECONDS });
});

afterAll(async () => {
  await target?.close();
});

/** Order of the analytics function's `processed` log lines for these events (embedded only). */
function processedOrder(events: readonly OrderPlaced[]): string[] {
  const wanted = new Set(events.map((e) => e.eventId));
  const lines = target.local?.runner.metrics.recentLogs ?? [];
  const order: string[] = [];
  for (const { line } of lines) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as { message?: string; eventId?: string; service?: string };
    if (parsed.service !== 'analytics' || parsed.message !== 'processed') continue;
    if (parsed.eventId !== undefined && wanted.has(parsed.eventId)) order.push(parsed.eventId);
  }
  return order;
}

describe.skipIf(!fifoTargetAvailable())('FIFO topic and queues', () => {
  it('runs on a FIFO topic with FIFO queues', () => {
    expect(target.output('TopicArn')).toMatch(/\.fifo$/);
    expect(target.serviceOutput('analytics', 'QueueUrl')).toMatch(/\.fifo$/);
  });

  it("a failing record in the middle of a customer's group holds back only that customer's later records", async () => {
    const a = Array.from({ length: 4 }, (_, i) => orderEvent(10 + i, { customerId: 'cust-fifo-a' }));
    const b = Array.from({ length: 4 }, (_, i) => orderEvent(20 + i, { customerId: 'cust-fifo-b' }));
    const failing = a[1] as OrderPlaced;
    const table = target.serviceOutput('analytics', 'EffectTableName');
    // The one item the failing order adds to: its shard of its own day.
    const failingDay = dayKey(eventDay(failing), dayShard(failing.eventId));

    await target.stopConsumer('analytics');
    // A String counter: `ADD orders :o` on it fails for this one order (a real DynamoDB error).
    await target.doc.send(new PutCommand({ TableName: table, Item: { ...failingDay, orders: 'broken' } }));
    await publishOrderPlaced(target.sns, target.output('TopicArn'), [...a, ...b]);
    await target.startConsumer('analytics');

    // Customer B completes although customer A's second order keeps failing in the same batches.
    await eventually(
      () => Promise.all(b.map((e) => effectCount(target, 'analytics', e))),
      (counts) => counts.every((n) => n === 1),
      { what: 'customer B processed while A is held', timeoutMs: 60_000 },
    );
    const held = await Promise.all(a.map((e) => effectCount(target, 'analytics', e)));
    // A1 before the failure is applied; A2 fails (its counter is still the String: NaN); A3 and
    // A4 are held back behind it.
    expect(held).toEqual([1, Number.NaN, 0, 0]);

    // Repair: the next delivery of A2 succeeds, then A3 and A4 follow in order.
    await target.doc.send(new DeleteCommand({ TableName: table, Key: failingDay }));
    const done = await eventually(
      () => Promise.all(a.map((e) => effectCount(target, 'analytics', e))),
      (counts) => counts.every((n) => n === 1),
      { what: 'customer A processed after the repair', timeoutMs: 90_000 },
    );
    expect(done).toEqual([1, 1, 1, 1]);
    if (targetKind() === 'embedded') {
      // The runner keeps the last 200 log lines: an early line may have scrolled out; the records
      // after the failure (processed last) are there, and whatever is there is in publish order.
      // A log line reaches the runner after the effect it reports: wait for the lines, not only effects.
      const order = await eventually(
        async () => processedOrder(a),
        (o) => a.slice(1).every((e) => o.includes(e.eventId)),
        { what: "customer A's processed log lines", timeoutMs: 60_000 },
      );
      expect(order.slice(-3)).toEqual(a.slice(1).map((e) => e.eventId));
      expect(order).toEqual(a.map((e) => e.eventId).filter((id) => order.includes(id)));
    }
    // Every other service applied every order exactly once.
    for (const service of ['email', 'inventory'] as const) {
      for (const e of [...a, ...b]) expect(await effectCount(target, service, e)).toBe(1);
    }
  }, 180_000);
});
