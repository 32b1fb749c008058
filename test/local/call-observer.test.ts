/**
 * Calls observed at the emulators themselves (`startEmulators({ observers })`, what the bench
 * counts with) against the same calls observed through the endpoint proxy: one workload of real
 * SDK calls in every protocol, run on both, must read the same, call for call.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { KEY_SCHEMA_CALLER, type ObservedCall } from '../../local/call-observer.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { startEndpointProxy } from '../../local/endpoint-proxy.ts';

/** Clients of `emulators` signing as `caller` from sandbox `sandbox`. */
function clientsOf(emulators: Emulators, caller: string, sandbox: string) {
  const as = (service: 'sns' | 'sqs' | 'dynamodb') => {
    const config = emulators.clientConfig(service);
    return { ...config, credentials: { ...config.credentials, accessKeyId: caller, sessionToken: sandbox } };
  };
  return {
    dynamodb: new DynamoDBClient(as('dynamodb')),
    sqs: new SQSClient(as('sqs')),
    sns: new SNSClient(as('sns')),
  };
}

/** The same calls every time: two tables, a transaction across them, a refused write, SQS, SNS. */
async function workload(emulators: Emulators): Promise<void> {
  const c = clientsOf(emulators, 'InventoryFn', 'InventoryFn/sandbox-1');
  try {
    for (const [table, key] of [
      ['observed-orders', 'pk'],
      ['observed-stock', 'sku'],
    ] as const) {
      await c.dynamodb.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        }),
      );
    }
    const put = new PutItemCommand({
      TableName: 'observed-orders',
      Item: { pk: { S: 'ORDER#1' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    await c.dynamodb.send(put);
    await expect(c.dynamodb.send(put)).rejects.toThrow(ConditionalCheckFailedException);
    await c.dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'observed-orders', Item: { pk: { S: 'ORDER#2' } } } },
          {
            Update: {
              TableName: 'observed-stock',
              Key: { sku: { S: 'SKU#RED' } },
              UpdateExpression: 'ADD reserved :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
        ],
      }),
    );
    const queue = await c.sqs.send(new CreateQueueCommand({ QueueName: 'observed' }));
    await c.sqs.send(new SendMessageCommand({ QueueUrl: queue.QueueUrl, MessageBody: 'x' }));
    await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10 }));
    const topic = await c.sns.send(new CreateTopicCommand({ Name: 'observed' }));
    await c.sns.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: 'x' }));
  } finally {
    c.dynamodb.destroy();
    c.sqs.destroy();
    c.sns.destroy();
  }
}

/** What both observation points must agree on (the SDK's invocation ids differ run to run). */
function reading(call: ObservedCall) {
  const { invocationId: _invocationId, seq: _seq, ...rest } = call;
  return rest;
}

/**
 * The calls of each emulator, in order. Each emulator reports in the order it answered; across
 * the two, dynalite's reports cross a thread, so a DynamoDB call answered just before an SQS call
 * may be reported just after it.
 */
function perEmulator(calls: readonly ObservedCall[]) {
  return {
    dynamodb: calls.filter((c) => c.service === 'dynamodb'),
    fauxqs: calls.filter((c) => c.service !== 'dynamodb'),
  };
}

describe('observers at the emulators', () => {
  it('see every call as the endpoint proxy does: caller, sandbox, action, resources, leading keys, status, order', async () => {
    const atEmulators: ObservedCall[] = [];
    const tapped = await startEmulators({ observers: [(call) => atEmulators.push(call)] });
    try {
      await workload(tapped);
    } finally {
      await tapped.stop();
    }

    const throughProxy: ObservedCall[] = [];
    const plain = await startEmulators();
    const proxy = await startEndpointProxy(plain, { observers: [(call) => throughProxy.push(call)] });
    try {
      await workload(proxy.emulators);
    } finally {
      await proxy.close();
      await plain.stop();
    }

    const seen = perEmulator(atEmulators);
    const expected = perEmulator(throughProxy);
    expect(seen.dynamodb.map((c) => c.action)).toEqual([
      'CreateTable',
      'CreateTable',
      'PutItem',
      'PutItem',
      'TransactWriteItems',
    ]);
    expect(seen.fauxqs.map((c) => c.action)).toEqual([
      'CreateQueue',
      'SendMessage',
      'ReceiveMessage',
      'CreateTopic',
      'Publish',
    ]);
    expect(seen.dynamodb.map(reading)).toEqual(expected.dynamodb.map(reading));
    expect(seen.fauxqs.map(reading)).toEqual(expected.fauxqs.map(reading));
    expect(atEmulators.map((c) => c.seq)).toEqual(atEmulators.map((_, i) => i + 1));
    // The refused write is seen with its status; the transaction with the key of each item.
    expect(seen.dynamodb[3]).toMatchObject({
      caller: 'InventoryFn',
      sandbox: 'InventoryFn/sandbox-1',
      status: 400,
    });
    expect(seen.dynamodb[4]?.authorizations.map((a) => a.conditionKeys)).toEqual([
      { 'dynamodb:LeadingKeys': ['ORDER#2'] },
      { 'dynamodb:LeadingKeys': ['SKU#RED'] },
    ]);
    // Its own key-schema lookups are never among the calls it reports.
    expect(atEmulators.some((c) => c.caller === KEY_SCHEMA_CALLER || c.action === 'DescribeTable')).toBe(
      false,
    );
  });

  it('collects what an observer throws and rejects stop() with it, after the calls went through', async () => {
    const emulators = await startEmulators({
      observers: [
        () => {
          throw new Error('observer broke');
        },
      ],
    });
    const c = clientsOf(emulators, 'EmailFn', 'EmailFn/sandbox-1');
    try {
      const queue = await c.sqs.send(new CreateQueueCommand({ QueueName: 'observed-throw' }));
      expect(queue.QueueUrl).toMatch(/observed-throw$/);
    } finally {
      c.sqs.destroy();
      c.dynamodb.destroy();
      c.sns.destroy();
    }
    await expect(emulators.stop()).rejects.toThrow(
      expect.objectContaining({
        errors: expect.arrayContaining([
          expect.objectContaining({
            message: 'observers of the emulators threw',
            errors: [expect.objectContaining({ message: 'observer broke' })],
          }),
        ]),
      }),
    );
  });
});
