/**
 * Dead-letter queue operations: peek (read without consuming), redrive (back to the service's
 * queue) and purge. Redrive uses SQS `StartMessageMoveTask` where AWS allows it (a service's main
 * DLQ on AWS) and otherwise copies: receive → send to the queue (confirmed) → delete from the DLQ.
 *
 * Copy redrive guarantees: a message leaves the DLQ only after SQS confirmed its copy on the queue,
 * so none is lost. A crash (or a failed delete) between the confirmed send and the delete leaves the
 * message in both places; it becomes visible in the DLQ again after the receive's visibility timeout
 * and the next redrive sends it again. That second copy carries the same event, so the consumer's
 * idempotency and per-event effect markers make it a duplicate without a second effect; on FIFO queues the
 * copy's deduplication id is the DLQ message id, so SQS drops a re-send within its 5-minute window.
 * Delivery back to the queue is at least once; the effect stays exactly once.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { POISON_ATTRIBUTE } from '../lambdas/shared/consumer.ts';
import { OrderEventsError } from '../lambdas/shared/errors.ts';

/** SQS caps StartMessageMoveTask at 500 messages per second. */
export const MAX_MOVE_RATE = 500;

/** A DLQ operation failed or could not complete. Exit code 1. */
export class DlqOperationError extends OrderEventsError {}

/** Depth of a queue: visible, in flight (received, not deleted), delayed. */
export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** ApproximateNumberOfMessages* of a queue. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** One DLQ message as an operator sees it. */
export interface PeekedMessage {
  readonly messageId: string;
  /** ISO time the message was first sent (to the DLQ, or to the queue for SQS-moved messages). */
  readonly sentAt: string | undefined;
  readonly receiveCount: number;
  /** `error-type` / `error-reason` set by the consumer's poison path; absent after maxReceiveCount. */
  readonly errorType: string | undefined;
  readonly errorReason: string | undefined;
  readonly eventId: string | undefined;
  readonly orderId: string | undefined;
  readonly messageGroupId: string | undefined;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The event fields of a body, when it is one (a poison body may not be JSON at all). */
function eventFields(body: string): { eventId?: string; orderId?: string } {
  try {
    const parsed = JSON.parse(unwrapSnsEnvelope(body)?.body ?? body) as {
      eventId?: unknown;
      data?: { orderId?: unknown };
    };
    return {
      ...(typeof parsed.eventId === 'string' ? { eventId: parsed.eventId } : {}),
      ...(typeof parsed.data?.orderId === 'string' ? { orderId: parsed.data.orderId } : {}),
    };
  } catch {
    return {};
  }
}

function toPeeked(m: Message): PeekedMessage {
  const attributes = Object.fromEntries(
    Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
  );
  const fields = eventFields(m.Body ?? '');
  const sent = m.Attributes?.SentTimestamp;
  return {
    messageId: m.MessageId ?? '',
    sentAt: sent === undefined ? undefined : new Date(Number(sent)).toISOString(),
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
    errorType: attributes[POISON_ATTRIBUTE.type],
    errorReason: attributes[POISON_ATTRIBUTE.reason],
    eventId: fields.eventId,
    orderId: fields.orderId,
    messageGroupId: m.Attributes?.MessageGroupId,
    body: m.Body ?? '',
    attributes,
  };
}

async function receive(sqs: SQSClient, queueUrl: string, max: number, visibilityTimeout: number) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
      WaitTimeSeconds: 1,
      VisibilityTimeout: visibilityTimeout,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

/**
 * Reads up to `max` messages without consuming them: they are received with a visibility timeout
 * (so one pass sees each once) and released at once with ChangeMessageVisibility 0. The receive
 * counts of the peeked messages go up by one (a DLQ has no redrive policy, so nothing moves).
 */
export async function peekQueue(sqs: SQSClient, queueUrl: string, max = 100): Promise<PeekedMessage[]> {
  const seen = new Map<string, Message>();
  try {
    while (seen.size < max) {
      const batch = await receive(sqs, queueUrl, max - seen.size, 30);
      const fresh = batch.filter((m) => !seen.has(m.MessageId ?? ''));
      if (fresh.length === 0) break;
      for (const m of fresh) seen.set(m.MessageId ?? '', m);
    }
  } finally {
    await release(sqs, queueUrl, [...seen.values()]);
  }
  return [...seen.values()].map(toPeeked);
}

async function release(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, index) => ({
          Id: String(index),
          ReceiptHandle: m.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/**
 * The raw message inside an SNS envelope (a subscription DLQ holds what SNS failed to deliver; with
 * raw delivery that is the raw body, otherwise the JSON notification), or undefined if not one.
 */
export function unwrapSnsEnvelope(
  body: string,
): { body: string; attributes: Record<string, MessageAttributeValue> } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const envelope = parsed as {
    Type?: unknown;
    Message?: unknown;
    TopicArn?: unknown;
    MessageAttributes?: Record<string, { Type?: string; Value?: string }>;
  };
  if (envelope.Type !== 'Notification' || typeof envelope.Message !== 'string') return undefined;
  if (typeof envelope.TopicArn !== 'string') return undefined;
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(envelope.MessageAttributes ?? {})) {
    if (typeof value.Value !== 'string') continue;
    attributes[name] = { DataType: value.Type === 'Number' ? 'Number' : 'String', StringValue: value.Value };
  }
  return { body: envelope.Message, attributes };
}

/** Attributes the consumer's poison path adds: not part of the event, dropped on the way back. */
const POISON_NAMES = new Set<string>(Object.values(POISON_ATTRIBUTE));

/** The message to send back to the queue for one DLQ message. */
export function redriveEntry(m: Message, id: string, fifo: boolean): SendMessageBatchRequestEntry {
  const unwrapped = unwrapSnsEnvelope(m.Body ?? '');
  const attributes: Record<string, MessageAttributeValue> = unwrapped?.attributes ?? {};
  if (unwrapped === undefined) {
    for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
      if (POISON_NAMES.has(name) || value.StringValue === undefined) continue;
      attributes[name] = { DataType: value.DataType ?? 'String', StringValue: value.StringValue };
    }
  }
  return {
    Id: id,
    MessageBody: unwrapped?.body ?? m.Body ?? '',
    ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
    ...(fifo
      ? {
          MessageGroupId: m.Attributes?.MessageGroupId ?? 'redrive',
          // A re-send of the same DLQ message (after a crash before its delete) is dropped by SQS.
          MessageDeduplicationId: m.MessageId ?? id,
        }
      : {}),
  };
}

/** Options of {@link redriveByCopy}. */
export interface CopyRedriveOptions {
  /** Messages per second at most. @default unlimited */
  readonly rate?: number;
  /** Seconds a received DLQ message stays hidden while it is copied. @default 60 */
  readonly visibilityTimeoutSeconds?: number;
  /** Called after each batch with the number moved so far. */
  readonly onProgress?: (moved: number) => void;
}

/** Outcome of a redrive. */
export interface RedriveResult {
  readonly method: 'copy' | 'move-task';
  /** Messages now on the queue and gone from the DLQ. */
  readonly moved: number;
  /** Copies SQS did not confirm: the message stays in the DLQ (visible again after the timeout). */
  readonly sendFailures: number;
  /**
   * Confirmed copies whose DLQ delete failed: the message is on the queue and still in the DLQ; a
   * later redrive re-sends it, and idempotency absorbs the duplicate.
   */
  readonly deleteFailures: number;
}

/**
 * Copy redrive: receive → SendMessageBatch to the queue → delete exactly the confirmed ones. Stops
 * when the DLQ has nothing visible left or a message comes back (it failed and reappeared).
 */
export async function redriveByCopy(
  sqs: SQSClient,
  dlqUrl: string,
  queueUrl: string,
  options: CopyRedriveOptions = {},
): Promise<RedriveResult> {
  const fifo = queueUrl.endsWith('.fifo');
  const rate = options.rate;
  const seen = new Set<string>();
  let moved = 0;
  let sendFailures = 0;
  let deleteFailures = 0;
  for (;;) {
    const startedAt = Date.now();
    const batch = await receive(
      sqs,
      dlqUrl,
      rate === undefined ? 10 : Math.min(10, rate),
      options.visibilityTimeoutSeconds ?? 60,
    );
    const fresh = batch.filter((m) => !seen.has(m.MessageId ?? ''));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.add(m.MessageId ?? '');
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: fresh.map((m, i) => redriveEntry(m, String(i), fifo)),
      }),
    );
    sendFailures += sent.Failed?.length ?? 0;
    const confirmed = (sent.Successful ?? []).map((s) => fresh[Number(s.Id)] as Message);
    if (confirmed.length > 0) {
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: confirmed.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
      moved += deleted.Successful?.length ?? 0;
      deleteFailures += deleted.Failed?.length ?? 0;
    }
    options.onProgress?.(moved);
    if (rate !== undefined) {
      const due = (fresh.length / rate) * 1000 - (Date.now() - startedAt);
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    }
  }
  return { method: 'copy', moved, sendFailures, deleteFailures };
}

/**
 * Redrive with SQS `StartMessageMoveTask` back to the queue(s) the messages came from (AWS; refused
 * for DLQs fed by SNS subscriptions and on emulators without it). Waits for the task to finish.
 */
export async function redriveByMoveTask(
  sqs: SQSClient,
  dlqUrl: string,
  options: { rate?: number; pollMs?: number; onProgress?: (moved: number, toMove: number) => void } = {},
): Promise<RedriveResult> {
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const sourceArn = attrs.Attributes?.QueueArn;
  if (sourceArn === undefined) throw new DlqOperationError(`no QueueArn for ${dlqUrl}`);
  await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: sourceArn,
      ...(options.rate === undefined
        ? {}
        : { MaxNumberOfMessagesPerSecond: Math.min(options.rate, MAX_MOVE_RATE) }),
    }),
  );
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
    const listed = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const task = listed.Results?.[0];
    const moved = Number(task?.ApproximateNumberOfMessagesMoved ?? 0);
    options.onProgress?.(moved, Number(task?.ApproximateNumberOfMessagesToMove ?? moved));
    if (task?.Status === 'COMPLETED')
      return { method: 'move-task', moved, sendFailures: 0, deleteFailures: 0 };
    if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
      throw new DlqOperationError(
        `message move task ${task.Status.toLowerCase()} after ${moved} message(s): ${task.FailureReason ?? 'no reason given'}`,
      );
    }
  }
}

/** PurgeQueue; returns the depth just before. */
export async function purgeQueue(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const before = await queueDepth(sqs, queueUrl);
  await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
  return before;
}
