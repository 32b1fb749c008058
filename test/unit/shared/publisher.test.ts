import { randomUUID } from 'node:crypto';
import type { PublishBatchCommand, PublishBatchCommandOutput, SNSClient } from '@aws-sdk/client-sns';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPlacedEventId, parseOrderPlaced } from '../../../lambdas/shared/contract.ts';
import { ContractViolationError, PublishFailedError } from '../../../lambdas/shared/errors.ts';
import { publishOrderPlaced } from '../../../lambdas/shared/publisher.ts';
import { type Emulators, startEmulators } from '../../../local/emulators.ts';
import { drainQueue, type TestClients, testClients } from '../helpers/aws.ts';
import { sampleEvent, sampleOrder } from '../helpers/orders.ts';
import { type SubscribedTopic, subscribedTopic } from '../helpers/sns.ts';

let emulators: Emulators;
let clients: TestClients;
let topic: SubscribedTopic;
beforeAll(async () => {
  emulators = await startEmulators({ dynamodb: false });
  clients = testClients(emulators);
  topic = await subscribedTopic(emulators, clients);
});
afterAll(async () => {
  await emulators?.stop();
});

describe('publishOrderPlaced (fauxqs)', () => {
  it('publishes one event with its filter attributes (raw delivery keeps the body as is)', async () => {
    const event = sampleEvent();
    const [published] = await publishOrderPlaced(topic.sns, topic.topicArn, event);
    expect(published).toEqual({
      eventId: event.eventId,
      orderId: event.data.orderId,
      messageId: expect.any(String),
    });
    const [message, ...rest] = await drainQueue(clients.sqs, topic.queueUrl);
    expect(rest).toEqual([]);
    expect(parseOrderPlaced(message?.Body ?? '')).toEqual(event);
    expect(message?.MessageAttributes?.eventType).toMatchObject({
      DataType: 'String',
      StringValue: 'order.placed',
    });
    expect(message?.MessageAttributes?.total).toMatchObject({ DataType: 'Number', StringValue: '28.99' });
    // Those two only: a publish never carries a replay scope (only `replay --reprocess` sets one).
    expect(Object.keys(message?.MessageAttributes ?? {}).sort()).toEqual(['eventType', 'total']);
  });

  it('builds events from plain orders and publishes many in batches of 10, in input order', async () => {
    const orders = Array.from({ length: 23 }, () => sampleOrder());
    const published = await publishOrderPlaced(topic.sns, topic.topicArn, orders, {
      meta: { source: 'cli' },
    });
    expect(published.map((p) => p.eventId)).toEqual(orders.map((o) => orderPlacedEventId(o.orderId)));
    expect(new Set(published.map((p) => p.messageId)).size).toBe(23);
    const received = await drainQueue(clients.sqs, topic.queueUrl);
    expect(received.map((m) => parseOrderPlaced(m.Body ?? '').data.orderId).sort()).toEqual(
      orders.map((o) => o.orderId).sort(),
    );
  });

  it('publishes nothing when any input is invalid', async () => {
    const orders = [sampleOrder(), { ...sampleOrder(), currency: 'euro' }];
    await expect(publishOrderPlaced(topic.sns, topic.topicArn, orders)).rejects.toBeInstanceOf(
      ContractViolationError,
    );
    expect(await drainQueue(clients.sqs, topic.queueUrl)).toEqual([]);
  });

  it('lists every event that never made it when the topic does not exist', async () => {
    const missing = `${topic.topicArn}-missing`;
    const orders = Array.from({ length: 12 }, () => sampleOrder());
    const error = await publishOrderPlaced(topic.sns, missing, orders, {
      maxAttempts: 2,
      retryBaseDelayMs: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishFailedError);
    const failed = (error as PublishFailedError).failed;
    expect(failed.map((f) => f.orderId)).toEqual(orders.map((o) => o.orderId));
    expect(failed[0]?.code).toMatch(/NotFound/);
  });
});

describe('publishOrderPlaced to a FIFO topic (fauxqs)', () => {
  it('groups by customer and deduplicates by eventId, alone or in a batch', async () => {
    const suffix = randomUUID().slice(0, 8);
    const { TopicArn } = await topic.sns.send(
      new CreateTopicCommand({ Name: `orders-${suffix}.fifo`, Attributes: { FifoTopic: 'true' } }),
    );
    const { QueueUrl } = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: `fifo-${suffix}.fifo`, Attributes: { FifoQueue: 'true' } }),
    );
    const arn = (
      await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    await topic.sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    const single = sampleEvent({ customerId: 'cust-single' });
    const batch = [sampleEvent({ customerId: 'cust-a' }), sampleEvent({ customerId: 'cust-b' })];
    await publishOrderPlaced(topic.sns, TopicArn ?? '', single);
    await publishOrderPlaced(topic.sns, TopicArn ?? '', batch);
    const received = await drainQueue(clients.sqs, QueueUrl ?? '');
    const seen = received.map((m) => {
      const event = parseOrderPlaced(m.Body ?? '');
      return {
        customerId: event.data.customerId,
        group: m.Attributes?.MessageGroupId,
        dedup: m.Attributes?.MessageDeduplicationId,
        eventId: event.eventId,
      };
    });
    expect(seen.map((s) => s.group).sort()).toEqual(['cust-a', 'cust-b', 'cust-single']);
    for (const s of seen) expect(s).toMatchObject({ group: s.customerId, dedup: s.eventId });
  });
});

describe('publishOrderPlaced per-entry failures', () => {
  // fauxqs cannot be told to fail single PublishBatch entries, so this stub client plays SNS's part:
  // it fails the given entry ids on the first attempts and accepts them afterwards.
  function flakySns(failures: Record<string, { times: number; senderFault: boolean }>) {
    const calls: string[][] = [];
    const seen = new Map<string, number>();
    const client = {
      send: async (command: PublishBatchCommand): Promise<Partial<PublishBatchCommandOutput>> => {
        const ids = (command.input.PublishBatchRequestEntries ?? []).map((e) => e.Id ?? '');
        calls.push(ids);
        const out: Required<Pick<PublishBatchCommandOutput, 'Successful' | 'Failed'>> = {
          Successful: [],
          Failed: [],
        };
        for (const id of ids) {
          const n = (seen.get(id) ?? 0) + 1;
          seen.set(id, n);
          const rule = failures[id];
          if (rule && n <= rule.times) {
            out.Failed.push({
              Id: id,
              Code: 'InternalError',
              Message: 'try again',
              SenderFault: rule.senderFault,
            });
          } else out.Successful.push({ Id: id, MessageId: `m-${id}-${n}` });
        }
        return out;
      },
    };
    return { client: client as unknown as SNSClient, calls };
  }

  it('retries only the failed entries and returns every messageId', async () => {
    const { client, calls } = flakySns({
      e3: { times: 1, senderFault: false },
      e11: { times: 2, senderFault: false },
    });
    const orders = Array.from({ length: 12 }, () => sampleOrder());
    const published = await publishOrderPlaced(client, 'arn:aws:sns:us-east-1:0:t', orders, {
      retryBaseDelayMs: 1,
    });
    expect(published).toHaveLength(12);
    expect(published[3]?.messageId).toBe('m-e3-2');
    expect(published[11]?.messageId).toBe('m-e11-3');
    expect(calls).toEqual([
      ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9'],
      ['e3'],
      ['e10', 'e11'],
      ['e11'],
      ['e11'],
    ]);
  });

  it('throws listing entries that never made it, without retrying sender faults', async () => {
    const { client, calls } = flakySns({
      e0: { times: 9, senderFault: false },
      e1: { times: 9, senderFault: true },
    });
    const orders = [sampleOrder(), sampleOrder(), sampleOrder()];
    const error = (await publishOrderPlaced(client, 'arn:aws:sns:us-east-1:0:t', orders, {
      maxAttempts: 3,
      retryBaseDelayMs: 1,
    }).catch((e: unknown) => e)) as PublishFailedError;
    expect(error).toBeInstanceOf(PublishFailedError);
    expect(error.failed.map((f) => f.orderId)).toEqual([orders[0]?.orderId, orders[1]?.orderId]);
    expect(error.published.map((p) => p.orderId)).toEqual([orders[2]?.orderId]);
    expect(calls).toEqual([['e0', 'e1', 'e2'], ['e0'], ['e0']]);
  });
});
