/** The archive consumer against the emulators: one copy per event, whatever delivers it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKey, archivePartition } from '../../../lambdas/archive/adapters.ts';
import { itemsOf } from '../helpers/aws.ts';
import { type ConsumerUnderTest, startConsumer } from '../helpers/consumer-env.ts';
import { sampleEvent } from '../helpers/orders.ts';
import { eventRecord, replayRecord, sqsEvent } from '../helpers/sqs-event.ts';

let c: ConsumerUnderTest;
beforeAll(async () => {
  c = await startConsumer('archive');
});
afterAll(async () => {
  await c?.stop();
});

describe('archive handler', () => {
  it('archives an event once; a replay-scoped delivery finds that copy (the archive is not reprocessed)', async () => {
    const event = sampleEvent({}, { occurredAt: '2031-07-08T09:10:11.000Z' });
    c.metrics.reset();
    for (const record of [eventRecord(event), replayRecord(event, 'r-1'), eventRecord(event)]) {
      expect(await c.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    }
    expect(c.metrics.sums()).toEqual({ processed: 1, duplicate: 2 });
    expect(await itemsOf(c.doc, c.effectTable, archivePartition('2031-07-08'))).toEqual([
      expect.objectContaining({
        ...archiveKey(event.occurredAt, event.eventId),
        body: JSON.stringify(event),
      }),
    ]);
  });
});
