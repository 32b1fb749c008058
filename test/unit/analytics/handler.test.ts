/**
 * The analytics consumer against dynalite + fauxqs with the real Powertools batch and idempotency
 * utilities. Also the main test of the shared consumer plumbing (partial failures, poison fast path,
 * duplicates, concurrency, payload mismatch).
 */
import { randomInt } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countedKey,
  DAY_SHARDS,
  dayKey,
  dayShard,
  readDayTotals,
} from '../../../lambdas/analytics/adapters.ts';
import { buildOrderPlaced } from '../../../lambdas/shared/contract.ts';
import { drainQueue, itemsOf, scanAll } from '../helpers/aws.ts';
import { type ConsumerUnderTest, startConsumer } from '../helpers/consumer-env.ts';
import { sampleEvent, sampleOrder } from '../helpers/orders.ts';
import { eventRecord, replayRecord, sqsEvent, sqsRecord } from '../helpers/sqs-event.ts';

let c: ConsumerUnderTest;
beforeAll(async () => {
  c = await startConsumer('analytics');
});
afterAll(async () => {
  await c?.stop();
});

const usedDays = new Set<string>();
/** A day no other test in this file uses, so counters are per test. */
function uniqueDay(): string {
  for (;;) {
    const day = `20${randomInt(10, 99)}-0${randomInt(1, 9)}-1${randomInt(0, 9)}`;
    if (!usedDays.has(day)) {
      usedDays.add(day);
      return day;
    }
  }
}
const at = (day: string) => `${day}T12:00:00.000Z`;

/** The day's totals over all its shards (revenue back in currency units). */
async function totals(day: string): Promise<{ orders: number; revenue: number }> {
  const { orders, revenueCents } = await readDayTotals(c.doc, c.effectTable, day);
  return { orders, revenue: revenueCents / 100 };
}

describe('analytics handler', () => {
  it('adds every record of a batch to its day', async () => {
    const day = uniqueDay();
    const a = sampleEvent({}, { occurredAt: at(day) });
    const b = sampleEvent(
      { items: [{ sku: 'X', quantity: 3, unitPrice: 10.01 }], total: 30.03 },
      { occurredAt: at(day) },
    );
    const response = await c.invoke(sqsEvent(eventRecord(a), eventRecord(b)));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await totals(day)).toMatchObject({ orders: 2, revenue: 59.02 });
  });

  it("spreads a day over its shards (a record's shard fixed by its eventId) and sums them on read", async () => {
    const day = uniqueDay();
    const events = Array.from({ length: 10 }, () => sampleEvent({}, { occurredAt: at(day) }));
    expect(await c.invoke(sqsEvent(...events.map((e) => eventRecord(e))))).toEqual({ batchItemFailures: [] });

    // Each event added to its own shard's item, and to no other.
    const perShard = new Map<number, number>();
    for (const e of events) perShard.set(dayShard(e.eventId), (perShard.get(dayShard(e.eventId)) ?? 0) + 1);
    expect(perShard.size).toBeGreaterThan(1);
    for (let shard = 0; shard < DAY_SHARDS; shard += 1) {
      const out = await c.doc.send(
        new GetCommand({ TableName: c.effectTable, Key: dayKey(day, shard), ConsistentRead: true }),
      );
      expect(Number(out.Item?.orders ?? 0)).toBe(perShard.get(shard) ?? 0);
    }
    expect(await totals(day)).toEqual({ orders: 10, revenue: 289.9 });
  });

  it('applies a duplicate eventId once, even when republished with a new envelope', async () => {
    const day = uniqueDay();
    const order = sampleOrder();
    const first = buildOrderPlaced(order, { occurredAt: at(day), correlationId: 'first' });
    const republished = buildOrderPlaced(order, { occurredAt: at(day), correlationId: 'second' });
    expect(republished.eventId).toBe(first.eventId);

    expect(await c.invoke(sqsEvent(eventRecord(first)))).toEqual({ batchItemFailures: [] });
    c.metrics.reset();
    expect(await c.invoke(sqsEvent(eventRecord(republished, { receiveCount: 2 })))).toEqual({
      batchItemFailures: [],
    });
    // The tracker passed as argument 1 tells a duplicate (business function skipped) from a run.
    expect(c.metrics.sums()).toEqual({ duplicate: 1 });
    expect(await totals(day)).toMatchObject({ orders: 1, revenue: 28.99 });
  });

  it('reports exactly the failing record and processes its neighbours; the retry then succeeds once', async () => {
    const goodDay = uniqueDay();
    const brokenDay = uniqueDay();
    // A real failure: ADD on a string attribute is a ValidationException from DynamoDB.
    const failingEvent = sampleEvent({}, { occurredAt: at(brokenDay) });
    // The one item the failing event adds to: its shard of its day.
    const brokenItem = dayKey(brokenDay, dayShard(failingEvent.eventId));
    await c.doc.send(
      new PutCommand({
        TableName: c.effectTable,
        Item: { ...brokenItem, revenue: 'corrupt' },
      }),
    );
    const before = sampleEvent({}, { occurredAt: at(goodDay) });
    const failing = eventRecord(failingEvent);
    const after = sampleEvent({}, { occurredAt: at(goodDay) });

    c.metrics.reset();
    const response = await c.invoke(sqsEvent(eventRecord(before), failing, eventRecord(after)));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: failing.messageId }] });
    expect(c.metrics.sums()).toEqual({ processed: 2, failed: 1 });
    expect(await totals(goodDay)).toMatchObject({ orders: 2 });

    // The failed attempt released its idempotency lock, so the redelivery runs the effect (once).
    await c.doc.send(new DeleteCommand({ TableName: c.effectTable, Key: brokenItem }));
    const retry = { ...failing, attributes: { ...failing.attributes, ApproximateReceiveCount: '2' } };
    expect(await c.invoke(sqsEvent(retry))).toEqual({ batchItemFailures: [] });
    expect(await totals(brokenDay)).toMatchObject({ orders: 1, revenue: 28.99 });
  });

  it('parks poison in the DLQ with reason attributes, not in batchItemFailures, and processes neighbours', async () => {
    const day = uniqueDay();
    const good = sampleEvent({}, { occurredAt: at(day) });
    const notJson = sqsRecord('{"eventId": ', { receiveCount: 1 });
    const invalid = eventRecord({ ...sampleEvent(), eventVersion: 2 } as unknown as typeof good, {
      receiveCount: 3,
    });

    c.metrics.reset();
    const response = await c.invoke(sqsEvent(notJson, eventRecord(good), invalid));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(c.metrics.sums()).toEqual({ processed: 1, poisoned: 2 });
    expect(await totals(day)).toMatchObject({ orders: 1 });

    const parked = await drainQueue(c.sqs, c.dlqUrl);
    expect(parked).toHaveLength(2);
    const byOriginal = new Map(
      parked.map((m) => [m.MessageAttributes?.['original-message-id']?.StringValue, m]),
    );
    const json = byOriginal.get(notJson.messageId);
    expect(json?.Body).toBe(notJson.body);
    expect(json?.MessageAttributes?.['error-type']?.StringValue).toBe('ContractViolationError');
    expect(json?.MessageAttributes?.['error-reason']?.StringValue).toMatch(/not valid JSON/);
    expect(json?.MessageAttributes?.service?.StringValue).toBe('analytics');
    expect(json?.MessageAttributes?.['approximate-receive-count']).toMatchObject({
      DataType: 'Number',
      StringValue: '1',
    });
    const schema = byOriginal.get(invalid.messageId);
    expect(schema?.Body).toBe(invalid.body);
    expect(schema?.MessageAttributes?.['error-reason']?.StringValue).toMatch(/eventVersion/);
    expect(schema?.MessageAttributes?.['approximate-receive-count']?.StringValue).toBe('3');
    // Original SNS attributes travel along, so a redrive still matches filter policies.
    expect(schema?.MessageAttributes?.eventType?.StringValue).toBe('order.placed');
  });

  it('treats the same eventId with different data as poison and leaves the first effect alone', async () => {
    const day = uniqueDay();
    const order = sampleOrder();
    const original = buildOrderPlaced(order, { occurredAt: at(day) });
    const tampered = buildOrderPlaced(
      { ...order, items: [{ sku: 'SKU-A', quantity: 1, unitPrice: 1 }], total: 1 },
      { occurredAt: at(day) },
    );
    expect(tampered.eventId).toBe(original.eventId);
    await c.invoke(sqsEvent(eventRecord(original)));
    await drainQueue(c.sqs, c.dlqUrl);

    const record = eventRecord(tampered);
    expect(await c.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    const parked = await drainQueue(c.sqs, c.dlqUrl);
    expect(parked).toHaveLength(1);
    expect(parked[0]?.Body).toBe(record.body);
    expect(parked[0]?.MessageAttributes?.['error-type']?.StringValue).toBe('IdempotencyValidationError');
    expect(await totals(day)).toMatchObject({ orders: 1, revenue: 28.99 });
  });

  it('applies one effect for two concurrent deliveries of one event, and for a retry of the loser', async () => {
    const day = uniqueDay();
    const event = sampleEvent({}, { occurredAt: at(day) });
    const a = eventRecord(event);
    const b = eventRecord(event);
    const [ra, rb] = await Promise.all([c.invoke(sqsEvent(a)), c.invoke(sqsEvent(b))]);
    const failed = [...ra.batchItemFailures, ...rb.batchItemFailures].map((f) => f.itemIdentifier);
    // The loser either saw the completed record (duplicate) or the in-progress lock (retried later).
    expect(failed.every((id) => id === a.messageId || id === b.messageId)).toBe(true);
    expect(failed.length).toBeLessThanOrEqual(1);
    for (const id of failed) {
      const again = id === a.messageId ? a : b;
      expect(await c.invoke(sqsEvent(again))).toEqual({ batchItemFailures: [] });
    }
    expect(await totals(day)).toMatchObject({ orders: 1 });
  });

  it('applies one effect for one event delivered twice in the same batch', async () => {
    const day = uniqueDay();
    const event = sampleEvent({}, { occurredAt: at(day) });
    const a = eventRecord(event);
    const b = eventRecord(event);
    const response = await c.invoke(sqsEvent(a, b));
    expect(response.batchItemFailures.length).toBeLessThanOrEqual(1);
    expect(await totals(day)).toMatchObject({ orders: 1 });
  });

  it('counts an event once more per replay scope (replay --reprocess), once per scope', async () => {
    const day = uniqueDay();
    const event = sampleEvent({}, { occurredAt: at(day) });
    await c.invoke(sqsEvent(eventRecord(event)));
    expect(await totals(day)).toMatchObject({ orders: 1, revenue: 28.99 });
    c.metrics.reset();
    // A redelivery of the first replay message, then the plain event again: nothing more.
    for (const record of [
      replayRecord(event, 'r-1'),
      replayRecord(event, 'r-1', { receiveCount: 2 }),
      eventRecord(event),
    ]) {
      expect(await c.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    }
    expect(await totals(day)).toMatchObject({ orders: 2, revenue: 57.98 });
    expect(await c.invoke(sqsEvent(replayRecord(event, 'r-2')))).toEqual({ batchItemFailures: [] });
    expect(await totals(day)).toMatchObject({ orders: 3 });
    expect(c.metrics.sums()).toEqual({ processed: 2, duplicate: 2 });
    // One marker per scope: the first one's key unchanged, each replay's beside it.
    const markers = await itemsOf(c.doc, c.effectTable, countedKey(event.eventId).pk);
    expect(markers.map((m) => m.sk).sort()).toEqual(['COUNTED', 'COUNTED#REPLAY#r-1', 'COUNTED#REPLAY#r-2']);
    expect(markers.find((m) => m.sk === countedKey(event.eventId, 'r-1').sk)).toMatchObject({
      eventId: event.eventId,
      day,
      replayScope: 'r-1',
    });
  });

  it('a reprocess of an event never applied counts it; an unscoped copy consumed later counts it again (docs: reprocess with empty DLQs)', async () => {
    const day = uniqueDay();
    const event = sampleEvent({}, { occurredAt: at(day) });
    await c.invoke(sqsEvent(replayRecord(event, 'r-1')));
    expect(await totals(day)).toMatchObject({ orders: 1 });
    await c.invoke(sqsEvent(eventRecord(event)));
    expect(await totals(day)).toMatchObject({ orders: 2 });
  });

  it('stores idempotency keys prefixed with the service name', async () => {
    await c.invoke(sqsEvent(eventRecord(sampleEvent({}, { occurredAt: at(uniqueDay()) }))));
    const keys = (await scanAll(c.doc, c.idempotencyTable)).map((i) => String(i.id));
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith('analytics#'))).toBe(true);
  });
});
