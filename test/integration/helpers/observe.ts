/**
 * Observations the integration tests make on a target: effects per service (the item shapes the
 * consumers write), queue contents, and a poll-until helper. Waiting has a deadline only so that a
 * broken pipeline fails with the last observation instead of hanging; nothing asserts on time.
 */
import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { queueDepth as readQueueDepth } from '../../../cli/dlq.ts';
import { dayKey } from '../../../lambdas/analytics/adapters.ts';
import { eventDay } from '../../../lambdas/analytics/analytics.ts';
import { emailKey } from '../../../lambdas/email/adapters.ts';
import { reviewKey } from '../../../lambdas/high-value/adapters.ts';
import { reservationKey } from '../../../lambdas/inventory/adapters.ts';
import { buildOrderPlaced, type OrderInput, type OrderPlaced } from '../../../lambdas/shared/contract.ts';
import { type ServiceName, type TestTarget, targetKind } from './target.ts';

/**
 * Default deadline of {@link eventually}, a hang guard: generous on the embedded runtime (a busy
 * 2-core machine running other files is several times slower than a quiet one, and nothing here
 * asserts on time); on LocalStack or AWS a cold start per function comes on top.
 */
export const DEFAULT_DEADLINE_MS = targetKind() === 'embedded' ? 60_000 : 120_000;

let dayCounter = Math.floor(Math.random() * 20_000);

/**
 * A valid order with one line of `total`, a fresh orderId and its own analytics day (occurredAt),
 * so the analytics daily counter of that day belongs to this order alone.
 */
export function orderEvent(total: number, overrides: Partial<OrderInput> = {}): OrderPlaced {
  dayCounter += 1;
  const day = new Date(Date.UTC(1990, 0, 1) + dayCounter * 86_400_000);
  return buildOrderPlaced(
    {
      orderId: `ord-${randomUUID()}`,
      customerId: `cust-${randomUUID().slice(0, 8)}`,
      email: 'buyer@example.com',
      items: [{ sku: `SKU-${randomUUID().slice(0, 8)}`, quantity: 1, unitPrice: total }],
      total,
      currency: 'EUR',
      shippingAddress: { line1: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
      ...overrides,
    },
    { source: 'integration-test', occurredAt: day.toISOString() },
  );
}

/** Key of the effect record of each service that writes one per event (the adapters' key builders). */
const EFFECT_KEY = { email: emailKey, inventory: reservationKey, 'high-value': reviewKey } as const;

/**
 * Number of effects `service` produced for `event` (see the item shapes in the conventions); 0 while
 * its table does not exist (a test deleted it to make the effect fail).
 */
export async function effectCount(
  target: TestTarget,
  service: ServiceName,
  event: OrderPlaced,
): Promise<number> {
  try {
    return await countEffects(target, service, event);
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return 0;
    throw error;
  }
}

async function countEffects(target: TestTarget, service: ServiceName, event: OrderPlaced): Promise<number> {
  const table = target.serviceOutput(service, 'EffectTableName');
  if (service === 'analytics') {
    const out = await target.doc.send(
      new GetCommand({ TableName: table, Key: dayKey(eventDay(event)), ConsistentRead: true }),
    );
    return Number(out.Item?.orders ?? 0);
  }
  // Every item of the order whose sort key has the shape of this service's effect record (the key
  // builder with an empty eventId is that prefix), whatever eventId it was written for.
  const { pk, sk: prefix } = EFFECT_KEY[service](event.data.orderId, '');
  const out = await target.doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': pk, ':sk': prefix },
      ConsistentRead: true,
    }),
  );
  return out.Items?.length ?? 0;
}

/** The effect items of `service` for `event` (not for analytics, whose effect is a counter). */
export async function effectItems(
  target: TestTarget,
  service: Exclude<ServiceName, 'analytics'>,
  event: OrderPlaced,
): Promise<Array<Record<string, unknown>>> {
  const out = await target.doc.send(
    new QueryCommand({
      TableName: target.serviceOutput(service, 'EffectTableName'),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': EFFECT_KEY[service](event.data.orderId, event.eventId).pk },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

/** Visible + in-flight + delayed messages of a queue (the CLI's own depth reading, summed). */
export async function queueDepth(target: Pick<TestTarget, 'sqs'>, queueUrl: string): Promise<number> {
  const depth = await readQueueDepth(target.sqs, queueUrl);
  return depth.visible + depth.inFlight + depth.delayed;
}

/** Receives every message currently visible on a queue (not deleted: they come back after the timeout). */
export async function drainVisible(
  target: Pick<TestTarget, 'sqs'>,
  queueUrl: string,
  visibilityTimeout = 30,
): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const out = await target.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: all.length === 0 ? 1 : 0,
        VisibilityTimeout: visibilityTimeout,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return all;
    all.push(...messages);
  }
}

/**
 * Waits until the messages received from a queue so far satisfy `done`, and returns them. Each is
 * kept hidden (a long visibility timeout) and counted once (by MessageId): polling single drains with
 * a short one would hide each message in turn as it arrives, so no one drain need ever hold them all.
 */
export async function receivedUntil(
  target: Pick<TestTarget, 'sqs'>,
  queueUrl: string,
  done: (messages: Message[]) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<Message[]> {
  const seen = new Map<string, Message>();
  return eventually(
    async () => {
      for (const m of await drainVisible(target, queueUrl, 600)) seen.set(m.MessageId ?? '', m);
      return [...seen.values()];
    },
    done,
    options,
  );
}

/**
 * Polls `probe` until `done(value)` holds; returns the value. Fails after `timeoutMs` with the last
 * value seen (a deadline against hanging, not a timing assertion).
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = DEFAULT_DEADLINE_MS, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`${what} not reached within ${timeoutMs} ms; last observed: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Effect counts of every service for one event, e.g. `{ email: 1, inventory: 1, ... }`. */
export async function effectsOf(
  target: TestTarget,
  event: OrderPlaced,
  services: readonly ServiceName[] = ['email', 'inventory', 'analytics', 'high-value'],
): Promise<Record<string, number>> {
  const counts = await Promise.all(services.map((s) => effectCount(target, s, event)));
  return Object.fromEntries(services.map((s, i) => [s, counts[i] ?? 0]));
}

/**
 * A probe: an extra queue subscribed to the topic with raw delivery and no filter, created by the
 * test itself (not part of the stack), to see exactly what the topic delivered.
 */
export async function attachProbe(
  target: TestTarget,
): Promise<{ url: string; receiveAll(): Promise<Message[]> }> {
  const { CreateQueueCommand } = await import('@aws-sdk/client-sqs');
  const { SubscribeCommand } = await import('@aws-sdk/client-sns');
  const name = `order-events-probe-${randomUUID().slice(0, 8)}`;
  const created = await target.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = created.QueueUrl ?? '';
  const attrs = await target.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  await target.sns.send(
    new SubscribeCommand({
      TopicArn: target.output('TopicArn'),
      Protocol: 'sqs',
      Endpoint: attrs.Attributes?.QueueArn ?? '',
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { url, receiveAll: () => drainVisible(target, url) };
}

/** Waits until the queues of `services` are empty (visible, in flight and delayed). */
export async function drained(
  target: TestTarget,
  services: readonly ServiceName[] = ['email', 'inventory', 'analytics', 'high-value'],
  timeoutMs = DEFAULT_DEADLINE_MS,
): Promise<void> {
  for (const service of services) {
    await eventually(
      () => queueDepth(target, target.serviceOutput(service, 'QueueUrl')),
      (n) => n === 0,
      {
        what: `${service} queue drained`,
        timeoutMs,
      },
    );
  }
}
