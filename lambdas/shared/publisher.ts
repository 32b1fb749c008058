/**
 * Publishes OrderPlaced events to the SNS topic: the one producer path shared by the order API,
 * the demo (`npm start`), the benchmarks and the tests.
 */
import {
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  type PublishCommandInput,
  type SNSClient,
} from '@aws-sdk/client-sns';
import {
  buildOrderPlaced,
  type OrderPlaced,
  type OrderPlacedMeta,
  orderPlacedAttributes,
  validateOrderPlaced,
} from './contract.ts';
import { type FailedPublish, type PublishedEvent, PublishFailedError } from './errors.ts';

/** SNS PublishBatch accepts at most 10 entries. */
export const PUBLISH_BATCH_SIZE = 10;

/** Options of {@link publishOrderPlaced}. */
export interface PublishOptions {
  /** Envelope fields used when building events from plain orders. */
  readonly meta?: OrderPlacedMeta;
  /**
   * Attempts per entry that SNS reports as failed in a PublishBatch (or whose call failed after the
   * SDK's own retries). Entries rejected as the sender's fault are not retried.
   * @default 3
   */
  readonly maxAttempts?: number;
  /** Base delay between attempts (doubles each attempt). @default 50 */
  readonly retryBaseDelayMs?: number;
}

/** Either a ready event or a plain order to build one from. */
export type PublishInput = OrderPlaced | Record<string, unknown>;

const isEvent = (x: PublishInput): boolean =>
  typeof x === 'object' && x !== null && 'eventType' in x && 'data' in x;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** FIFO topics need a group (per customer keeps a customer's orders in order) and a dedup id. */
function fifoFields(
  topicArn: string,
  event: OrderPlaced,
): { MessageGroupId?: string; MessageDeduplicationId?: string } {
  return topicArn.endsWith('.fifo')
    ? { MessageGroupId: event.data.customerId, MessageDeduplicationId: event.eventId }
    : {};
}

/** The Publish request for one event (raw JSON body plus the filter-policy attributes). */
export function toPublishInput(topicArn: string, event: OrderPlaced): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Message: JSON.stringify(event),
    MessageAttributes: orderPlacedAttributes(event),
    ...fifoFields(topicArn, event),
  };
}

const describeError = (error: unknown): { code: string; message: string } =>
  error instanceof Error
    ? { code: error.name, message: error.message }
    : { code: 'Unknown', message: String(error) };

/**
 * Publishes one or many OrderPlaced events. Plain orders are turned into events with
 * `buildOrderPlaced` first; every input is validated before anything is sent, so bad input publishes
 * nothing. One event uses Publish, many use PublishBatch in chunks of 10; entries SNS reports as
 * failed are retried a bounded number of times.
 *
 * @returns one `{ eventId, orderId, messageId }` per input, in input order
 * @throws ContractViolationError if any input is invalid (nothing published)
 * @throws PublishFailedError listing every event that never reached the topic (and those that did)
 */
export async function publishOrderPlaced(
  client: SNSClient,
  topicArn: string,
  input: PublishInput | readonly PublishInput[],
  options: PublishOptions = {},
): Promise<PublishedEvent[]> {
  const inputs = Array.isArray(input) ? (input as readonly PublishInput[]) : [input as PublishInput];
  const events = inputs.map((i) => (isEvent(i) ? validateOrderPlaced(i) : buildOrderPlaced(i, options.meta)));
  if (events.length === 0) return [];
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const baseDelay = options.retryBaseDelayMs ?? 50;

  if (events.length === 1 && !Array.isArray(input)) {
    const [event] = events as [OrderPlaced];
    try {
      const out = await client.send(new PublishCommand(toPublishInput(topicArn, event)));
      return [{ eventId: event.eventId, orderId: event.data.orderId, messageId: out.MessageId ?? '' }];
    } catch (error) {
      const failed = { eventId: event.eventId, orderId: event.data.orderId, ...describeError(error) };
      throw new PublishFailedError([failed], [], { cause: error });
    }
  }

  const published = new Map<number, PublishedEvent>();
  const failed = new Map<number, FailedPublish>();
  type Pending = { readonly index: number; readonly event: OrderPlaced };
  const fail = (p: Pending, reason: { code: string; message: string }) =>
    failed.set(p.index, { eventId: p.event.eventId, orderId: p.event.data.orderId, ...reason });

  for (let start = 0; start < events.length; start += PUBLISH_BATCH_SIZE) {
    let pending: Pending[] = events
      .slice(start, start + PUBLISH_BATCH_SIZE)
      .map((event, k) => ({ index: start + k, event }));
    for (let attempt = 1; ; attempt++) {
      const retry: Pending[] = [];
      const byId = new Map(pending.map((p) => [`e${p.index}`, p]));
      const entries: PublishBatchRequestEntry[] = pending.map(({ index, event }) => {
        const { TopicArn: _topic, Message, ...rest } = toPublishInput(topicArn, event);
        return { Id: `e${index}`, Message: Message ?? '', ...rest };
      });
      try {
        const out = await client.send(
          new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
        );
        for (const ok of out.Successful ?? []) {
          const p = byId.get(ok.Id ?? '');
          if (!p) continue;
          byId.delete(ok.Id ?? '');
          failed.delete(p.index);
          published.set(p.index, {
            eventId: p.event.eventId,
            orderId: p.event.data.orderId,
            messageId: ok.MessageId ?? '',
          });
        }
        for (const bad of out.Failed ?? []) {
          const p = byId.get(bad.Id ?? '');
          if (!p) continue;
          byId.delete(bad.Id ?? '');
          fail(p, { code: bad.Code ?? 'Unknown', message: bad.Message ?? '' });
          // The sender's fault (e.g. a too-large message) does not heal on retry.
          if (!bad.SenderFault) retry.push(p);
        }
        // An entry in neither list is not known to be published: count it as failed and retry it.
        for (const p of byId.values()) {
          fail(p, { code: 'MissingFromResponse', message: 'entry absent from the PublishBatch response' });
          retry.push(p);
        }
      } catch (error) {
        // The whole call failed after the SDK's own retries: every entry of the chunk is unknown.
        for (const p of pending) {
          fail(p, describeError(error));
          retry.push(p);
        }
      }
      if (retry.length === 0 || attempt >= maxAttempts) break;
      await sleep(baseDelay * 2 ** (attempt - 1));
      pending = retry;
    }
  }
  for (const index of published.keys()) failed.delete(index);
  const inOrder = [...published.entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
  if (failed.size > 0) {
    const failures = [...failed.entries()].sort(([a], [b]) => a - b).map(([, f]) => f);
    throw new PublishFailedError(failures, inOrder);
  }
  return inOrder;
}
