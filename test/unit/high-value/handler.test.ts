/** The high-value consumer against the emulators. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewKey } from '../../../lambdas/high-value/adapters.ts';
import { itemsOf } from '../helpers/aws.ts';
import { type ConsumerUnderTest, startConsumer } from '../helpers/consumer-env.ts';
import { sampleEvent } from '../helpers/orders.ts';
import { eventRecord, sqsEvent } from '../helpers/sqs-event.ts';

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

  it('opens no case for a small order that slipped past the filter, and counts it as skipped', async () => {
    const event = sampleEvent();
    c.metrics.reset();
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(c.metrics.sums()).toEqual({ skipped: 1 });
    expect(await itemsOf(c.doc, c.effectTable, reviewKey(event.data.orderId, event.eventId).pk)).toEqual([]);
  });
});
