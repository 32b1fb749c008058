/** Lambda-shaped SQS events and contexts, as the event source mapping delivers them. */
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { REPLAY_SCOPE_ATTRIBUTE } from '../../../lambdas/shared/consumer.ts';
import type { OrderPlaced } from '../../../lambdas/shared/contract.ts';
import { LOCAL_ACCOUNT_ID } from '../../../local/emulators.ts';

const REGION = 'us-east-1';
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${LOCAL_ACCOUNT_ID}:order-events-test-queue`;

/** Options of {@link sqsRecord}. */
export interface SqsRecordOptions {
  readonly messageId?: string;
  readonly receiveCount?: number;
  readonly messageAttributes?: SQSMessageAttributes;
  readonly eventSourceARN?: string;
}

/** An SQS record with a raw body (string) as Lambda receives it. */
export function sqsRecord(body: string, options: SqsRecordOptions = {}): SQSRecord {
  const now = Date.now();
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: Buffer.from(randomUUID()).toString('base64'),
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(now - 50),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(now),
    },
    messageAttributes: options.messageAttributes ?? {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: options.eventSourceARN ?? QUEUE_ARN,
    awsRegion: REGION,
  };
}

/** An SQS record carrying an OrderPlaced event with the attributes SNS raw delivery sets. */
export function eventRecord(event: OrderPlaced, options: SqsRecordOptions = {}): SQSRecord {
  return sqsRecord(JSON.stringify(event), {
    messageAttributes: {
      eventType: {
        stringValue: event.eventType,
        stringListValues: [],
        binaryListValues: [],
        dataType: 'String',
      },
      total: {
        stringValue: String(event.data.total),
        stringListValues: [],
        binaryListValues: [],
        dataType: 'Number',
      },
    },
    ...options,
  });
}

/**
 * An {@link eventRecord} as `order-events replay --reprocess` sends it: the event's attributes plus
 * the replay scope (`dataType` String unless given).
 */
export function replayRecord(
  event: OrderPlaced,
  replayScope: string,
  { dataType = 'String', ...options }: SqsRecordOptions & { dataType?: string } = {},
): SQSRecord {
  const record = eventRecord(event, options);
  record.messageAttributes[REPLAY_SCOPE_ATTRIBUTE] = {
    stringValue: replayScope,
    stringListValues: [],
    binaryListValues: [],
    dataType,
  };
  return record;
}

/** An SQS event of the given records. */
export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context with `remainingMs` left (idempotency uses it for the in-progress lock expiry). */
export function lambdaContext(functionName = 'order-events-test', remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
