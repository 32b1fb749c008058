/**
 * Failure paths through the real bundles: a poison message is parked in every subscribed DLQ with
 * its reason while its neighbours are processed; a transient failure (the effect table is really
 * gone) is retried until it succeeds once; a consumer that keeps failing sends its messages to its
 * DLQ after maxReceiveCount without disturbing the other services; and a DLQ redrive (receive →
 * send back → delete) is processed exactly once.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mappingOf } from '../../cli/observe.ts';
import { POISON_ATTRIBUTE } from '../../lambdas/shared/consumer.ts';
import { toPublishInput } from '../../lambdas/shared/publisher.ts';
import {
  drained,
  drainVisible,
  effectCount,
  effectsOf,
  eventually,
  ORDER_EFFECT_SERVICES,
  orderEvent,
  queueDepth,
} from './helpers/observe.ts';
import { openTarget, type ServiceName, type TestTarget, targetKind } from './helpers/target.ts';

/** Retries wait for real visibility timeouts: seconds locally, the template's minutes elsewhere. */
const RETRY_TEST_TIMEOUT_MS = targetKind() === 'embedded' ? 120_000 : 900_000;

let target: TestTarget;

beforeAll(async () => {
  target = await openTarget();
});

afterAll(async () => {
  await target?.close();
});

/** How long a message can take to exhaust maxReceiveCount on this target's queue (+ margin). */
async function redriveHorizonMs(service: ServiceName): Promise<number> {
  const out = await target.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: target.serviceOutput(service, 'QueueUrl'),
      AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'],
    }),
  );
  const visibility = Number(out.Attributes?.VisibilityTimeout ?? 30);
  const { maxReceiveCount } = JSON.parse(out.Attributes?.RedrivePolicy ?? '{"maxReceiveCount":5}') as {
    maxReceiveCount: number;
  };
  return (maxReceiveCount + 2) * visibility * 1000 + 10_000;
}

/** Deletes a service's effect table (the effect then fails for real); returns how to recreate it. */
async function breakEffectTable(service: ServiceName): Promise<() => Promise<void>> {
  const TableName = target.serviceOutput(service, 'EffectTableName');
  const { Table } = await target.dynamodb.send(new DescribeTableCommand({ TableName }));
  await target.dynamodb.send(new DeleteTableCommand({ TableName }));
  const input: CreateTableCommandInput = {
    TableName,
    KeySchema: Table?.KeySchema,
    AttributeDefinitions: Table?.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
  };
  return async () => {
    await target.dynamodb.send(new CreateTableCommand(input));
    await eventually(
      () => target.dynamodb.send(new DescribeTableCommand({ TableName })),
      (d) => d.Table?.TableStatus === 'ACTIVE',
      { what: `${TableName} active` },
    );
  };
}

/** Counts failures the target observed for a service (embedded: the runner's partial-batch count). */
function failuresSeen(service: ServiceName): number | undefined {
  const local = target.local;
  if (local === undefined) return undefined;
  const stats =
    local.runner.stats()[mappingOf(local.deployment, target.serviceOutput(service, 'FunctionName'))];
  return stats === undefined ? undefined : stats.itemFailures + stats.failedBatches;
}

describe('poison message', () => {
  it('lands in every subscribed DLQ with its reason attributes; its batch neighbours are processed', async () => {
    // JSON that every subscription's body filter admits (high-value: data.total >= 100) but the contract rejects.
    const poison = JSON.stringify({ eventType: 'order.placed', data: { total: 500 }, note: randomUUID() });
    const neighbours = [orderEvent(150), orderEvent(175)];
    const topicArn = target.output('TopicArn');
    await target.sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { ...toPublishInput(topicArn, neighbours[0] as (typeof neighbours)[0]), Id: 'a' },
          {
            Id: 'poison',
            Message: poison,
            // Attributes as the publisher would set them (the filters ignore them: they match the body).
            MessageAttributes: {
              eventType: { DataType: 'String', StringValue: 'order.placed' },
              total: { DataType: 'Number', StringValue: '500' },
            },
          },
          { ...toPublishInput(topicArn, neighbours[1] as (typeof neighbours)[0]), Id: 'b' },
        ],
      }),
    );

    for (const event of neighbours) {
      await eventually(
        () => effectsOf(target, event),
        (e) => Object.values(e).every((n) => n === 1),
        {
          what: 'neighbour effects',
        },
      );
    }
    for (const service of ORDER_EFFECT_SERVICES) {
      const parked = await eventually(
        () => drainVisible(target, target.serviceOutput(service, 'DlqUrl'), 1),
        (messages) => messages.some((m) => m.Body === poison),
        { what: `poison in the ${service} DLQ` },
      );
      const message = parked.find((m) => m.Body === poison);
      const attribute = (name: string) => message?.MessageAttributes?.[name]?.StringValue;
      expect(attribute(POISON_ATTRIBUTE.service), service).toBe(service);
      expect(attribute(POISON_ATTRIBUTE.reason), service).toMatch(/.+/);
      expect(attribute(POISON_ATTRIBUTE.type), service).toMatch(/.+/);
      expect(attribute(POISON_ATTRIBUTE.originalMessageId), service).toMatch(/.+/);
      expect(Number(attribute(POISON_ATTRIBUTE.receiveCount)), service).toBeGreaterThanOrEqual(1);
    }
  });
});

describe.concurrent('retries', () => {
  it(
    'retries a transient failure (effect table deleted, then recreated) until exactly one effect',
    async () => {
      const service = 'inventory';
      const restore = await breakEffectTable(service);
      const event = orderEvent(20);
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      await target.sns.send(new PublishCommand(toPublishInput(target.output('TopicArn'), event)));
      if (target.local !== undefined) {
        await eventually(
          async () => failuresSeen(service) ?? 0,
          (n) => n >= 1,
          { what: 'a failed attempt' },
        );
      } else {
        await new Promise((resolve) => setTimeout(resolve, 5_000));
      }
      await restore();
      await eventually(
        () => effectCount(target, service, event),
        (n) => n >= 1,
        {
          what: 'effect after retry',
          timeoutMs: await redriveHorizonMs(service),
        },
      );
      await drained(target, ['email', 'inventory', 'analytics']);
      expect(await effectsOf(target, event, ['email', 'inventory', 'analytics'])).toEqual({
        email: 1,
        inventory: 1,
        analytics: 1,
      });
      const parked = await drainVisible(target, target.serviceOutput(service, 'DlqUrl'), 1);
      expect(parked.map((m) => m.Body)).not.toContain(JSON.stringify(event));
    },
    RETRY_TEST_TIMEOUT_MS,
  );

  it(
    'moves the messages of an always-failing consumer to its DLQ after maxReceiveCount; a redrive then processes them once',
    async () => {
      const service = 'high-value';
      const restore = await breakEffectTable(service);
      const event = orderEvent(480);
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      await target.sns.send(new PublishCommand(toPublishInput(target.output('TopicArn'), event)));
      const dlqUrl = target.serviceOutput(service, 'DlqUrl');

      // The other services are unaffected.
      await eventually(
        () => effectsOf(target, event, ['email', 'inventory', 'analytics']),
        (e) => Object.values(e).every((n) => n === 1),
        { what: 'other services' },
      );
      const parked = await eventually(
        () => drainVisible(target, dlqUrl, 1),
        (messages) => messages.some((m) => m.Body === JSON.stringify(event)),
        { what: 'message in the DLQ', timeoutMs: await redriveHorizonMs(service), intervalMs: 500 },
      );
      const message = parked.find((m) => m.Body === JSON.stringify(event));
      const { RedrivePolicy } =
        (
          await target.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: target.serviceOutput(service, 'QueueUrl'),
              AttributeNames: ['RedrivePolicy'],
            }),
          )
        ).Attributes ?? {};
      const { maxReceiveCount } = JSON.parse(RedrivePolicy ?? '{}') as { maxReceiveCount: number };
      // Moved by the queue's redrive policy (not parked as poison by the handler) after every attempt.
      expect(Number(message?.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(maxReceiveCount);
      expect(message?.MessageAttributes?.['error-reason']).toBeUndefined();
      await restore();
      expect(await effectCount(target, service, event)).toBe(0);

      // Redrive by hand (fauxqs has no StartMessageMoveTask): receive → send back → delete.
      const received = await eventually(
        () => drainVisible(target, dlqUrl, 30),
        (messages) => messages.some((m) => m.Body === JSON.stringify(event)),
        { what: 'DLQ message visible again' },
      );
      for (const m of received.filter((r) => r.Body === JSON.stringify(event))) {
        await target.sqs.send(
          new SendMessageCommand({
            QueueUrl: target.serviceOutput(service, 'QueueUrl'),
            MessageBody: m.Body ?? '',
            MessageAttributes: m.MessageAttributes as Record<string, MessageAttributeValue> | undefined,
          }),
        );
        await target.sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
      }
      await eventually(
        () => effectCount(target, service, event),
        (n) => n >= 1,
        { what: 'effect after redrive' },
      );
      await eventually(
        () => queueDepth(target, target.serviceOutput(service, 'QueueUrl')),
        (n) => n === 0,
        {
          what: 'queue drained',
        },
      );
      expect(await effectCount(target, service, event)).toBe(1);
      const left = await drainVisible(target, dlqUrl, 1);
      expect(left.map((m) => m.Body)).not.toContain(JSON.stringify(event));
    },
    RETRY_TEST_TIMEOUT_MS,
  );
});
