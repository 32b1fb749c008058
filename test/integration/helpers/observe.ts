/**
 * Observations the integration tests make on a target: the app's effects and queue depths (from
 * cli/observe.ts, which the demo's verification uses too), queue contents, test orders, and a
 * poll-until helper. Waiting has a deadline only so that a broken pipeline fails with the last
 * observation instead of hanging; nothing asserts on time.
 */
import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ORDER_EFFECT_SERVICES, type OrderEffectService, queueDepth } from '../../../cli/observe.ts';
import { buildOrderPlaced, type OrderInput, type OrderPlaced } from '../../../lambdas/shared/contract.ts';
import { type TestTarget, targetKind } from './target.ts';

export {
  effectCount,
  effectItems,
  effectRecords,
  effectsOf,
  ORDER_EFFECT_SERVICES,
  type OrderEffectService,
  queueDepth,
} from '../../../cli/observe.ts';

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
  services: readonly OrderEffectService[] = ORDER_EFFECT_SERVICES,
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
