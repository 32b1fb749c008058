/** The inventory consumer against dynalite + fauxqs with the real Powertools utilities. */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainQueue, itemsOf } from '../helpers/aws.ts';
import { type ConsumerUnderTest, startConsumer } from '../helpers/consumer-env.ts';
import { sampleEvent } from '../helpers/orders.ts';
import { eventRecord, sqsEvent, sqsRecord } from '../helpers/sqs-event.ts';

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
  await c.doc.send(
    new PutCommand({ TableName: c.effectTable, Item: { pk: `SKU#${sku}`, sk: 'STOCK', available } }),
  );
  return sku;
}
async function available(sku: string): Promise<unknown> {
  const out = await c.doc.send(
    new GetCommand({ TableName: c.effectTable, Key: { pk: `SKU#${sku}`, sk: 'STOCK' } }),
  );
  return out.Item?.available;
}
const orderOf = (sku: string, quantity: number) => ({
  items: [{ sku, quantity, unitPrice: 5 }],
  total: quantity * 5,
});

describe('inventory handler', () => {
  it('decrements stock and writes a RESERVED record', async () => {
    const sku = await stockedSku(10);
    const event = sampleEvent(orderOf(sku, 3));
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(await available(sku)).toBe(7);
    const reserved = await itemsOf(c.doc, c.effectTable, `ORDER#${event.data.orderId}`, `RESERVED#${sku}#`);
    expect(reserved).toEqual([expect.objectContaining({ eventId: event.eventId, sku, quantity: 3 })]);
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
    const backorders = await itemsOf(c.doc, c.effectTable, `ORDER#${event.data.orderId}`, 'BACKORDER#');
    expect(backorders.map((b) => [b.sku, b.quantity]).sort()).toEqual(
      [
        [short, 2],
        [unknown, 1],
      ].sort(),
    );
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
