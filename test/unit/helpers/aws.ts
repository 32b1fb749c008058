/** Small helpers over the embedded emulators: tables, queues, reads. */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type Emulators, waitForLocalTable } from '../../../local/emulators.ts';

/** Clients pointed at the emulators. */
export interface TestClients {
  readonly dynamodb: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
}

/** Clients for `emulators`. */
export function testClients(emulators: Emulators): TestClients {
  const dynamodb = new DynamoDBClient(emulators.clientConfig('dynamodb'));
  return {
    dynamodb,
    doc: DynamoDBDocumentClient.from(dynamodb),
    sqs: new SQSClient(emulators.clientConfig('sqs')),
  };
}

/**
 * Waits until a table just created is ACTIVE: CreateTable answers while it is still CREATING (on AWS
 * and in dynalite, which flips the status on a timer), and item calls before then fail with
 * ResourceNotFoundException. The SDK's waiter; its deadline is a hang guard.
 */
export async function tableActive(db: DynamoDBClient, name: string): Promise<void> {
  await waitForLocalTable(db, name);
}

/** Creates the shared idempotency table shape (partition key `id`), ACTIVE on return. */
export async function createIdempotencyTable(db: DynamoDBClient, name: string): Promise<void> {
  await db.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await tableActive(db, name);
}

/** Creates an effect table (`pk`, `sk`), ACTIVE on return. */
export async function createEffectTable(db: DynamoDBClient, name: string): Promise<void> {
  await db.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await tableActive(db, name);
}

/** Items of `pk` whose sort key starts with `skPrefix`. */
export async function itemsOf(
  doc: DynamoDBDocumentClient,
  table: string,
  pk: string,
  skPrefix = '',
): Promise<Record<string, unknown>[]> {
  const out = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': pk, ':sk': skPrefix },
    }),
  );
  return out.Items ?? [];
}

/** Every item of a table (small test tables only). */
export async function scanAll(
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<Record<string, unknown>[]> {
  const out = await doc.send(new ScanCommand({ TableName: table }));
  return out.Items ?? [];
}

/** Creates a queue and returns its URL and ARN. */
export async function createQueue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error(`no URL for queue ${name}`);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const arn = attrs.Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for queue ${name}`);
  return { url: QueueUrl, arn };
}

/** Receives whatever is in the queue now (short polls until an empty receive). */
export async function drainQueue(sqs: SQSClient, url: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    if (!out.Messages || out.Messages.length === 0) return messages;
    messages.push(...out.Messages);
  }
}
