/**
 * The replay scope (`replay-scope` message attribute, set by `order-events replay --reprocess`):
 * it scopes the idempotency key, so an event already processed runs again once per replay id;
 * without it a redelivery is a duplicate; a malformed scope is poison.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLAY_SCOPE_ATTRIBUTE } from '../../../lambdas/shared/consumer.ts';
import { drainQueue } from '../helpers/aws.ts';
import { type ConsumerUnderTest, startConsumer } from '../helpers/consumer-env.ts';
import { sampleEvent } from '../helpers/orders.ts';
import { eventRecord, sqsEvent } from '../helpers/sqs-event.ts';

let c: ConsumerUnderTest;
beforeAll(async () => {
  c = await startConsumer('analytics');
});
afterAll(async () => {
  await c?.stop();
});

function scoped(record: SQSRecord, scope: string): SQSRecord {
  return {
    ...record,
    messageAttributes: {
      ...record.messageAttributes,
      [REPLAY_SCOPE_ATTRIBUTE]: {
        stringValue: scope,
        stringListValues: [],
        binaryListValues: [],
        dataType: 'String',
      },
    },
  };
}

async function orders(day: string): Promise<number> {
  const out = await c.doc.send(
    new GetCommand({ TableName: c.effectTable, Key: { pk: `DAY#${day}`, sk: 'TOTALS' } }),
  );
  return Number(out.Item?.orders ?? 0);
}

describe('replay scope', () => {
  it('runs a processed event again once per replay id; unscoped and same-scope redeliveries are duplicates', async () => {
    const day = '2031-07-14';
    const event = sampleEvent({}, { occurredAt: `${day}T12:00:00.000Z` });
    await c.invoke(sqsEvent(eventRecord(event)));
    await c.invoke(sqsEvent(eventRecord(event)));
    expect(await orders(day)).toBe(1);
    await c.invoke(sqsEvent(scoped(eventRecord(event), 'r-one')));
    await c.invoke(sqsEvent(scoped(eventRecord(event), 'r-one')));
    expect(await orders(day)).toBe(2);
    await c.invoke(sqsEvent(scoped(eventRecord(event), 'r-two')));
    expect(await orders(day)).toBe(3);
  });

  it('parks a record with a malformed scope as poison, with the reason', async () => {
    const day = '2031-07-15';
    const event = sampleEvent({}, { occurredAt: `${day}T12:00:00.000Z` });
    await drainQueue(c.sqs, c.dlqUrl);
    const response = await c.invoke(sqsEvent(scoped(eventRecord(event), 'has spaces and #')));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await orders(day)).toBe(0);
    const parked = await drainQueue(c.sqs, c.dlqUrl);
    expect(parked).toHaveLength(1);
    expect(parked[0]?.MessageAttributes?.['error-reason']?.StringValue).toContain(REPLAY_SCOPE_ATTRIBUTE);
  });
});
