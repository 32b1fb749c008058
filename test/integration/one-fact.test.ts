/**
 * One fact, one effect, through the real template and bundles: the same order published to the
 * topic under other eventIds takes effect once per service (the copies are poison with their reason
 * in every subscribed DLQ), and the high-value subscription filters on the event body, so message
 * attributes that are missing or disagree with the body change nothing.
 */
import { randomUUID } from 'node:crypto';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  type PublishCommandInput,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderPlaced } from '../../lambdas/shared/contract.ts';
import { toPublishInput } from '../../lambdas/shared/publisher.ts';
import {
  drained,
  effectsOf,
  eventually,
  ORDER_EFFECT_SERVICES,
  orderEvent,
  receivedUntil,
} from './helpers/observe.ts';
import { openTarget, type ServiceName, type TestTarget, targetKind } from './helpers/target.ts';

let target: TestTarget;

beforeAll(async () => {
  target = await openTarget();
});

afterAll(async () => {
  await target?.close();
});

const ALL = ORDER_EFFECT_SERVICES;

/** Several waits in a row (effects, then every DLQ, then drained queues): a hang guard, not a timing. */
const MULTI_WAIT_TIMEOUT_MS = targetKind() === 'embedded' ? 180_000 : 900_000;
/** Deadline of each wait: generous on a loaded machine (a hang guard; nothing asserts on time). */
const WAIT_MS = targetKind() === 'embedded' ? 60_000 : 120_000;

/** Publishes a body exactly as given (the publisher would refuse a non-canonical eventId). */
async function publishRaw(
  body: unknown,
  attributes: PublishCommandInput['MessageAttributes'],
): Promise<void> {
  await target.sns.send(
    new PublishCommand({
      TopicArn: target.output('TopicArn'),
      Message: JSON.stringify(body),
      ...(attributes === undefined ? {} : { MessageAttributes: attributes }),
    }),
  );
}

const queueArn = async (url: string) =>
  (await target.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn ?? '';

/** The attributes of the deployed subscription of `service`'s queue. */
async function subscriptionAttributes(service: ServiceName): Promise<Record<string, string>> {
  const endpoint = await queueArn(target.serviceOutput(service, 'QueueUrl'));
  const out = await target.sns.send(
    new ListSubscriptionsByTopicCommand({ TopicArn: target.output('TopicArn') }),
  );
  const subscription = out.Subscriptions?.find((s) => s.Endpoint === endpoint);
  if (!subscription?.SubscriptionArn) throw new Error(`no subscription for the ${service} queue`);
  const attrs = await target.sns.send(
    new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn }),
  );
  return attrs.Attributes ?? {};
}

describe('the same order under another eventId', () => {
  it(
    'takes effect once per service; a random or upper-cased eventId is poison with its reason in every DLQ',
    async () => {
      const event = orderEvent(250);
      const attributes = toPublishInput(target.output('TopicArn'), event).MessageAttributes;
      const copies = [
        { ...event, eventId: randomUUID() },
        { ...event, eventId: event.eventId.toUpperCase() },
      ];
      for (const body of [copies[0], event, copies[1]]) await publishRaw(body, attributes);

      await eventually(
        () => effectsOf(target, event),
        (e) => ALL.every((s) => e[s] === 1),
        { what: 'one effect per service', timeoutMs: WAIT_MS },
      );
      for (const service of ALL) {
        const dlq = target.serviceOutput(service, 'DlqUrl');
        // Parked by the poison fast path (with a reason), not by SQS's own redrive: on a loaded machine
        // the embedded runtime's short visibility timeout can also move the canonical message there
        // after maxReceiveCount redeliveries that met its in-progress lock (its effect still once).
        const poisoned = (messages: Message[]) =>
          messages.filter(
            (m) =>
              m.Body?.includes(event.data.orderId) && m.MessageAttributes?.['error-reason'] !== undefined,
          );
        // A redelivery (visibility timeout passed during a cold start) may park a copy twice: at least once.
        const eventIds = (messages: Message[]) => [
          ...new Set(poisoned(messages).map((m) => (JSON.parse(m.Body ?? '{}') as OrderPlaced).eventId)),
        ];
        const parked = await receivedUntil(target, dlq, (messages) => eventIds(messages).length >= 2, {
          what: `both copies in the ${service} DLQ`,
          timeoutMs: WAIT_MS,
        });
        expect(eventIds(parked).sort(), service).toEqual(copies.map((c) => c.eventId).sort());
        for (const m of poisoned(parked)) {
          expect(m.MessageAttributes?.['error-type']?.StringValue, service).toBe('ContractViolationError');
          expect(m.MessageAttributes?.['error-reason']?.StringValue, service).toMatch(
            /eventId: must be the canonical eventId of the order/,
          );
        }
      }
      await drained(target, ALL, WAIT_MS);
      expect(await effectsOf(target, event)).toEqual({
        email: 1,
        inventory: 1,
        analytics: 1,
        'high-value': 1,
      });
    },
    MULTI_WAIT_TIMEOUT_MS,
  );
});

describe('the high-value filter follows the body', () => {
  it('is deployed on the message body', async () => {
    const attrs = await subscriptionAttributes('high-value');
    expect(attrs.FilterPolicyScope).toBe('MessageBody');
    expect(JSON.parse(attrs.FilterPolicy ?? '{}')).toEqual({
      eventType: ['order.placed'],
      data: { total: [{ numeric: ['>=', 100] }] },
    });
  });

  it(
    'admits at the queue exactly the orders whose body says total >= 100, whatever the attributes say',
    async () => {
      // A probe queue subscribed with the high-value subscription's own filter (policy and scope):
      // what reaches it is what the filter admits, before any consumer runs.
      const attrs = await subscriptionAttributes('high-value');
      const name = `order-events-filter-probe-${randomUUID().slice(0, 8)}`;
      const url = (await target.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
      await target.sns.send(
        new SubscribeCommand({
          TopicArn: target.output('TopicArn'),
          Protocol: 'sqs',
          Endpoint: await queueArn(url),
          Attributes: {
            RawMessageDelivery: 'true',
            FilterPolicy: attrs.FilterPolicy ?? '',
            FilterPolicyScope: attrs.FilterPolicyScope ?? '',
          },
        }),
      );

      const number = (n: number) => ({ DataType: 'Number', StringValue: String(n) });
      const eventType = { DataType: 'String', StringValue: 'order.placed' };
      // Body totals are JSON numbers, as the contract requires (a numeric filter on AWS matches only
      // those; the emulator would also match numeric strings, which no case here relies on).
      const noAttributes = orderEvent(150);
      const attributeTooLow = orderEvent(150);
      const attributeTooHigh = orderEvent(50);
      const agreeingLow = orderEvent(99.99);
      const agreeingHigh = orderEvent(100);
      await publishRaw(noAttributes, undefined);
      await publishRaw(attributeTooLow, { eventType, total: number(50) });
      await publishRaw(attributeTooHigh, { eventType, total: number(150) });
      await publishRaw(agreeingLow, { eventType, total: number(99.99) });
      await publishRaw(agreeingHigh, { eventType, total: number(100) });
      const admitted = [noAttributes, attributeTooLow, agreeingHigh];
      const refused = [attributeTooHigh, agreeingLow];

      const orderIds = (messages: Message[]) =>
        messages.map((m) => (JSON.parse(m.Body ?? '{}') as OrderPlaced).data.orderId).sort();
      const delivered = await receivedUntil(target, url, (messages) => messages.length >= admitted.length, {
        what: 'the admitted orders at the probe',
        timeoutMs: WAIT_MS,
      });
      // Filters are applied at publish time, so a refused order would be there too by now.
      expect(orderIds(delivered)).toEqual(admitted.map((e) => e.data.orderId).sort());

      // And through the consumer: a review for each admitted order, none for the refused ones, while
      // the unfiltered services take every order.
      for (const event of admitted) {
        await eventually(
          () => effectsOf(target, event),
          (e) => ALL.every((s) => e[s] === 1),
          { what: `effects of ${event.data.total}`, timeoutMs: WAIT_MS },
        );
      }
      for (const event of refused) {
        await eventually(
          () => effectsOf(target, event, ['email', 'inventory', 'analytics']),
          (e) => Object.values(e).every((n) => n === 1),
          { what: `effects of ${event.data.total}`, timeoutMs: WAIT_MS },
        );
      }
      await drained(target, ['high-value'], WAIT_MS);
      for (const event of refused)
        expect((await effectsOf(target, event, ['high-value']))['high-value']).toBe(0);
    },
    MULTI_WAIT_TIMEOUT_MS,
  );
});
