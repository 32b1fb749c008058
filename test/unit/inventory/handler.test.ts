/** The inventory consumer against dynalite + fauxqs with the real Powertools utilities. */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoStockPort, reservationKey, stockKey } from '../../../lambdas/inventory/adapters.ts';
import { reserveInventory } from '../../../lambdas/inventory/inventory.ts';
import { MAX_ITEMS } from '../../../lambdas/shared/contract.ts';
import { TransientError } from '../../../lambdas/shared/errors.ts';
import { drainQueue, itemsOf } from '../helpers/aws.ts';
import { type ConsumerUnderTest, startConsumer } from '../helpers/consumer-env.ts';
import { sampleEvent } from '../helpers/orders.ts';
import { eventRecord, replayRecord, sqsEvent, sqsRecord } from '../helpers/sqs-event.ts';

let c: ConsumerUnderTest;
beforeAll(async () => {
  c = await startConsumer('inventory');
});
afterAll(async () => {
  await c?.stop();
});

/** A fresh SKU with `available` units in stock. */
async function stockedSku(available: number): Promise<string> {
  const sku = `SKU-${randomUUID().slice(0, 8)}`;
  await c.doc.send(new PutCommand({ TableName: c.effectTable, Item: { ...stockKey(sku), available } }));
  return sku;
}
async function available(sku: string): Promise<unknown> {
  const out = await c.doc.send(new GetCommand({ TableName: c.effectTable, Key: stockKey(sku) }));
  return out.Item?.available;
}
const orderOf = (sku: string, quantity: number) => ({
  items: [{ sku, quantity, unitPrice: 5 }],
  total: quantity * 5,
});

/** Every item of the order (its reservation record, and anything a broken adapter would add). */
const orderItems = (event: ReturnType<typeof sampleEvent>) =>
  itemsOf(c.doc, c.effectTable, reservationKey(event.data.orderId, event.eventId).pk);

describe('inventory handler', () => {
  it('decrements stock and writes the reservation record', async () => {
    const sku = await stockedSku(10);
    const event = sampleEvent(orderOf(sku, 3));
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(await available(sku)).toBe(7);
    expect(await orderItems(event)).toEqual([
      expect.objectContaining({
        ...reservationKey(event.data.orderId, event.eventId),
        eventId: event.eventId,
        reserved: [{ sku, quantity: 3 }],
        backordered: [],
      }),
    ]);
  });

  it('reserves an order of MAX_ITEMS different SKUs in one transaction', async () => {
    const skus = await Promise.all(Array.from({ length: MAX_ITEMS }, () => stockedSku(5)));
    const event = sampleEvent({
      items: skus.map((sku) => ({ sku, quantity: 2, unitPrice: 1 })),
      total: 2 * MAX_ITEMS,
    });
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(await Promise.all(skus.map(available))).toEqual(skus.map(() => 3));
    const [record] = await orderItems(event);
    expect(record?.reserved).toHaveLength(MAX_ITEMS);
  });

  it('records a backorder for short stock and an unknown SKU, without failing the record', async () => {
    const short = await stockedSku(1);
    const unknown = `SKU-${randomUUID().slice(0, 8)}`;
    const event = sampleEvent({
      items: [
        { sku: short, quantity: 2, unitPrice: 1 },
        { sku: unknown, quantity: 1, unitPrice: 1 },
      ],
      total: 3,
    });
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(await available(short)).toBe(1);
    expect(await available(unknown)).toBeUndefined();
    expect(await orderItems(event)).toEqual([
      expect.objectContaining({
        reserved: [],
        backordered: [
          { sku: short, quantity: 2 },
          { sku: unknown, quantity: 1 },
        ],
      }),
    ]);
  });

  it('reserves the SKUs in stock and backorders only the short one (all in one transaction)', async () => {
    const plenty = await stockedSku(10);
    const short = await stockedSku(1);
    const event = sampleEvent({
      items: [
        { sku: plenty, quantity: 4, unitPrice: 1 },
        { sku: short, quantity: 2, unitPrice: 1 },
      ],
      total: 6,
    });
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(await available(plenty)).toBe(6);
    expect(await available(short)).toBe(1);
    expect(await orderItems(event)).toEqual([
      expect.objectContaining({
        reserved: [{ sku: plenty, quantity: 4 }],
        backordered: [{ sku: short, quantity: 2 }],
      }),
    ]);
  });

  it('reserves each of 60 concurrent orders for the same SKUs exactly once (transaction conflicts are retried)', async () => {
    const skus = [await stockedSku(1000), await stockedSku(1000), await stockedSku(1000)];
    const port = dynamoStockPort(c.doc, c.effectTable);
    const orders = Array.from({ length: 60 }, () =>
      sampleEvent({ items: skus.map((sku) => ({ sku, quantity: 2, unitPrice: 1 })), total: 6 }),
    );
    // What SQS would do with a record that kept colliding (TransientError): deliver it again.
    const reserve = async (order: (typeof orders)[number]) => {
      for (;;) {
        try {
          return await reserveInventory(order, port);
        } catch (error) {
          if (!(error instanceof TransientError)) throw error;
        }
      }
    };
    const results = await Promise.all(orders.map(reserve));
    expect(results.every((r) => r.outcome === 'applied')).toBe(true);
    expect(await Promise.all(skus.map(available))).toEqual([880, 880, 880]);
  });

  it('decrements once for a duplicate delivery', async () => {
    const sku = await stockedSku(10);
    const event = sampleEvent(orderOf(sku, 2));
    await c.invoke(sqsEvent(eventRecord(event)));
    expect(await c.invoke(sqsEvent(eventRecord(event, { receiveCount: 2 })))).toEqual({
      batchItemFailures: [],
    });
    expect(await available(sku)).toBe(8);
  });

  it('decrements once for two concurrent deliveries of one event', async () => {
    const sku = await stockedSku(10);
    const event = sampleEvent(orderOf(sku, 4));
    const records = [eventRecord(event), eventRecord(event)];
    const responses = await Promise.all(records.map((r) => c.invoke(sqsEvent(r))));
    const failed = responses.flatMap((r) => r.batchItemFailures);
    expect(failed.length).toBeLessThanOrEqual(1);
    expect(await available(sku)).toBe(6);
  });

  it('reserves once more per replay scope (replay --reprocess) under its own reservation record', async () => {
    const sku = await stockedSku(10);
    const event = sampleEvent(orderOf(sku, 2));
    await c.invoke(sqsEvent(eventRecord(event)));
    expect(await available(sku)).toBe(8);
    for (const record of [replayRecord(event, 'r-1'), replayRecord(event, 'r-1'), eventRecord(event)]) {
      expect(await c.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    }
    expect(await available(sku)).toBe(6);
    expect(await orderItems(event)).toEqual([
      expect.objectContaining({
        ...reservationKey(event.data.orderId, event.eventId),
        reserved: [{ sku, quantity: 2 }],
      }),
      expect.objectContaining({
        ...reservationKey(event.data.orderId, event.eventId, 'r-1'),
        eventId: event.eventId,
        replayScope: 'r-1',
        reserved: [{ sku, quantity: 2 }],
        backordered: [],
      }),
    ]);
    // Against the stock as it is now: short stock backorders as for any order.
    await c.doc.send(new PutCommand({ TableName: c.effectTable, Item: { ...stockKey(sku), available: 1 } }));
    await c.invoke(sqsEvent(replayRecord(event, 'r-2')));
    expect(await available(sku)).toBe(1);
    expect(await orderItems(event)).toContainEqual(
      expect.objectContaining({ replayScope: 'r-2', reserved: [], backordered: [{ sku, quantity: 2 }] }),
    );
  });

  it('parks a contract violation in the DLQ and keeps the stock', async () => {
    const sku = await stockedSku(10);
    const event = sampleEvent(orderOf(sku, 1));
    const poison = sqsRecord(JSON.stringify({ ...event, data: { ...event.data, total: 999 } }));
    expect(await c.invoke(sqsEvent(poison))).toEqual({ batchItemFailures: [] });
    expect(await available(sku)).toBe(10);
    const parked = await drainQueue(c.sqs, c.dlqUrl);
    expect(parked.map((m) => m.MessageAttributes?.['error-reason']?.StringValue)).toEqual([
      expect.stringMatching(/data\.total: must equal the sum/),
    ]);
  });
});
