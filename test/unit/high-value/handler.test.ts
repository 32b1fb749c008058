/** The high-value consumer against the emulators. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const cases = await itemsOf(c.doc, c.effectTable, `ORDER#${event.data.orderId}`, 'REVIEW#');
    expect(cases).toEqual([
      expect.objectContaining({ eventId: event.eventId, total: 500, customerId: 'cust-1', status: 'open' }),
    ]);
  });

  it('opens no case for a small order that slipped past the filter', async () => {
    const event = sampleEvent();
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(await itemsOf(c.doc, c.effectTable, `ORDER#${event.data.orderId}`)).toEqual([]);
  });
});
