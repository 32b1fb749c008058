/** The email consumer (record-only transport: SES_FROM_ADDRESS empty) against the emulators. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailKey } from '../../../lambdas/email/adapters.ts';
import { drainQueue, itemsOf } from '../helpers/aws.ts';
import { type ConsumerUnderTest, startConsumer } from '../helpers/consumer-env.ts';
import { sampleEvent } from '../helpers/orders.ts';
import { eventRecord, replayRecord, sqsEvent, sqsRecord } from '../helpers/sqs-event.ts';

let c: ConsumerUnderTest;
beforeAll(async () => {
  c = await startConsumer('email', { SES_FROM_ADDRESS: '' });
});
afterAll(async () => {
  await c?.stop();
});

describe('email handler', () => {
  it('records one notification per event, once even when delivered twice', async () => {
    const event = sampleEvent();
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(await c.invoke(sqsEvent(eventRecord(event)))).toEqual({ batchItemFailures: [] });
    const { pk } = emailKey(event.data.orderId, event.eventId);
    expect(await itemsOf(c.doc, c.effectTable, pk)).toEqual([
      expect.objectContaining({
        ...emailKey(event.data.orderId, event.eventId),
        eventId: event.eventId,
        to: 'buyer@example.com',
        subject: `Order ${event.data.orderId} confirmed`,
        transport: 'record-only',
        state: 'sent',
        sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      }),
    ]);
  });

  it('sends once more per replay scope (replay --reprocess), under its own outbox record', async () => {
    const event = sampleEvent();
    await c.invoke(sqsEvent(eventRecord(event)));
    for (const record of [replayRecord(event, 'r-1'), replayRecord(event, 'r-1'), eventRecord(event)]) {
      expect(await c.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    }
    const { pk } = emailKey(event.data.orderId, event.eventId);
    expect(await itemsOf(c.doc, c.effectTable, pk)).toEqual([
      expect.objectContaining({ ...emailKey(event.data.orderId, event.eventId), state: 'sent' }),
      expect.objectContaining({
        ...emailKey(event.data.orderId, event.eventId, 'r-1'),
        eventId: event.eventId,
        replayScope: 'r-1',
        subject: `Order ${event.data.orderId} confirmed`,
        state: 'sent',
      }),
    ]);
  });

  it('parks a body that is JSON but not an event (null) in the DLQ and processes the neighbour', async () => {
    const event = sampleEvent();
    const empty = sqsRecord('null');
    expect(await c.invoke(sqsEvent(empty, eventRecord(event)))).toEqual({ batchItemFailures: [] });
    expect(await itemsOf(c.doc, c.effectTable, emailKey(event.data.orderId, event.eventId).pk)).toHaveLength(
      1,
    );
    const parked = await drainQueue(c.sqs, c.dlqUrl);
    expect(parked.map((m) => m.MessageAttributes?.['original-message-id']?.StringValue)).toEqual([
      empty.messageId,
    ]);
  });
});
