/** The high-value consumer against the emulators. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewKey } from '../../../lambdas/high-value/adapters.ts';
import { itemsOf } from '../helpers/aws.ts';
import { type ConsumerUnderTest, startConsumer } from '../helpers/consumer-env.ts';
import { sampleEvent } from '../helpers/orders.ts';
import { eventRecord, replayRecord, sqsEvent } from '../helpers/sqs-event.ts';

let c: ConsumerUnderTest;
beforeAll(async () => {
  c = await startConsumer('high-value');
});
afterAll(async () => {
  await c?.stop();
});

describe('high-value handler', () => {
  it('opens one review case per high-value event, once even when delivered twice', async () => {
    const event = sampleEvent({ items: [{ sku: 'TV', quantity: 2, unitPrice: 250 }], total: 500 });
    await c.invoke(sqsEvent(eventRecord(event)));
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    const { pk } = reviewKey(event.data.orderId, event.eventId);
    expect(await itemsOf(c.doc, c.effectTable, pk)).toEqual([
      expect.objectContaining({
        ...reviewKey(event.data.orderId, event.eventId),
        eventId: event.eventId,
        total: 500,
        customerId: 'cust-1',
        status: 'open',
      }),
    ]);
  });

  it('opens a new case per replay scope (replay --reprocess) and leaves the worked-on first case alone', async () => {
    const event = sampleEvent({ items: [{ sku: 'TV', quantity: 1, unitPrice: 300 }], total: 300 });
    await c.invoke(sqsEvent(eventRecord(event)));
    // A reviewer closed the first case before the replay.
    await c.doc.send(
      new UpdateCommand({
        TableName: c.effectTable,
        Key: reviewKey(event.data.orderId, event.eventId),
        UpdateExpression: 'SET #status = :closed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':closed': 'closed' },
      }),
    );
    for (const record of [replayRecord(event, 'r-1'), replayRecord(event, 'r-1'), eventRecord(event)]) {
      expect(await c.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    }
    const { pk } = reviewKey(event.data.orderId, event.eventId);
    expect(await itemsOf(c.doc, c.effectTable, pk)).toEqual([
      expect.objectContaining({ ...reviewKey(event.data.orderId, event.eventId), status: 'closed' }),
      expect.objectContaining({
        ...reviewKey(event.data.orderId, event.eventId, 'r-1'),
        eventId: event.eventId,
        replayScope: 'r-1',
        total: 300,
        status: 'open',
      }),
    ]);
  });

  it('opens no case for a small order that slipped past the filter, and counts it as skipped', async () => {
    const event = sampleEvent();
    c.metrics.reset();
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(c.metrics.sums()).toEqual({ skipped: 1 });
    expect(await itemsOf(c.doc, c.effectTable, reviewKey(event.data.orderId, event.eventId).pk)).toEqual([]);
  });
});
