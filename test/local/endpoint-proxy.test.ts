/**
 * The endpoint proxy against the real emulators: what observers see for each protocol (caller,
 * sandbox, action, resource ARNs, dynamodb:LeadingKeys), and what each injected fault does to a real
 * SDK client (retried, surfaced, or applied twice).
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ObservedCall } from '../../local/call-observer.ts';
import { type Emulators, LOCAL_ACCOUNT_ID, startEmulators } from '../../local/emulators.ts';
import { type EndpointProxy, startEndpointProxy } from '../../local/endpoint-proxy.ts';
import type { FaultRule } from '../../local/fault-plan.ts';

let emulators: Emulators;
const proxies: EndpointProxy[] = [];
const clients: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  emulators = await startEmulators();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await emulators.stop();
});

async function proxy(
  rules?: readonly FaultRule[],
  seed = 1,
): Promise<{ proxy: EndpointProxy; calls: ObservedCall[] }> {
  const calls: ObservedCall[] = [];
  const p = await startEndpointProxy(emulators, {
    observers: [(c) => calls.push(c)],
    ...(rules === undefined ? {} : { faults: { seed, rules } }),
  });
  proxies.push(p);
  return { proxy: p, calls };
}

/** A client of `service` through the proxy, signing as `caller` (optionally as sandbox `token`). */
function client<T extends { destroy(): void }>(
  Client: new (config: object) => T,
  p: EndpointProxy,
  service: 'sns' | 'sqs' | 'dynamodb',
  caller: string,
  extra: object = {},
  token?: string,
): T {
  const config = p.emulators.clientConfig(service);
  const c = new Client({
    ...config,
    credentials: { ...config.credentials, accessKeyId: caller, ...(token ? { sessionToken: token } : {}) },
    ...extra,
  });
  clients.push(c);
  return c;
}

let tableCounter = 0;
async function table(ddb: DynamoDBClient): Promise<string> {
  const name = `proxy-test-${++tableCounter}`;
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  return name;
}

const arn = (name: string) => `arn:aws:dynamodb:${emulators.region}:${LOCAL_ACCOUNT_ID}:table/${name}`;

describe('observer', () => {
  it('records caller, sandbox, action, resource and dynamodb:LeadingKeys of DynamoDB calls', async () => {
    const { proxy: p, calls } = await proxy();
    const ddb = client(DynamoDBClient, p, 'dynamodb', 'InventoryFn', {}, 'InventoryFn/sandbox-1');
    const name = await table(ddb);
    const other = await table(ddb);
    await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'ORDER#1' }, sk: { S: 'A' } } }));
    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: name, Item: { pk: { S: 'ORDER#2' }, sk: { S: 'A' } } } },
          {
            Update: {
              TableName: other,
              Key: { pk: { S: 'SKU#RED' }, sk: { S: 'STOCK' } },
              UpdateExpression: 'ADD n :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
          {
            ConditionCheck: {
              TableName: name,
              Key: { pk: { S: 'ORDER#1' }, sk: { S: 'A' } },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ],
      }),
    );
    await ddb.send(
      new QueryCommand({
        TableName: name,
        KeyConditionExpression: '#p = :p AND begins_with(sk, :s)',
        ExpressionAttributeNames: { '#p': 'pk' },
        ExpressionAttributeValues: { ':p': { S: 'ORDER#2' }, ':s': { S: 'A' } },
      }),
    );
    const put = calls.find((c) => c.action === 'PutItem');
    expect(put).toMatchObject({
      caller: 'InventoryFn',
      sandbox: 'InventoryFn/sandbox-1',
      service: 'dynamodb',
      resources: [arn(name)],
      authorizations: [
        {
          action: 'dynamodb:PutItem',
          resource: arn(name),
          conditionKeys: { 'dynamodb:LeadingKeys': ['ORDER#1'] },
        },
      ],
      mutating: true,
      status: 200,
      forwarded: true,
      fault: undefined,
    });
    expect(calls.find((c) => c.action === 'TransactWriteItems')?.authorizations).toEqual([
      {
        action: 'dynamodb:PutItem',
        resource: arn(name),
        conditionKeys: { 'dynamodb:LeadingKeys': ['ORDER#2'] },
      },
      {
        action: 'dynamodb:UpdateItem',
        resource: arn(other),
        conditionKeys: { 'dynamodb:LeadingKeys': ['SKU#RED'] },
      },
      {
        action: 'dynamodb:ConditionCheckItem',
        resource: arn(name),
        conditionKeys: { 'dynamodb:LeadingKeys': ['ORDER#1'] },
      },
    ]);
    expect(calls.find((c) => c.action === 'Query')).toMatchObject({
      mutating: false,
      authorizations: [
        {
          action: 'dynamodb:Query',
          resource: arn(name),
          conditionKeys: { 'dynamodb:LeadingKeys': ['ORDER#2'] },
        },
      ],
    });
    expect(calls.map((c) => c.seq)).toEqual(calls.map((_, i) => i + 1));
  });

  it('records SQS (JSON protocol) and SNS (query protocol) calls with queue and topic ARNs', async () => {
    const { proxy: p, calls } = await proxy();
    const sqs = client(SQSClient, p, 'sqs', 'EmailFn');
    const sns = client(SNSClient, p, 'sns', 'OrderApiFn');
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'proxy-observed' }));
    // fauxqs echoes the request's host: the queue URL leads back to the proxy.
    expect(queue.QueueUrl).toBe(`${p.url}/${LOCAL_ACCOUNT_ID}/proxy-observed`);
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.QueueUrl, MessageBody: 'x' }));
    const topic = await sns.send(new CreateTopicCommand({ Name: 'proxy-observed' }));
    await sns.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: 'x' }));
    const queueArn = `arn:aws:sqs:${emulators.region}:${LOCAL_ACCOUNT_ID}:proxy-observed`;
    expect(calls.find((c) => c.action === 'SendMessage')).toMatchObject({
      caller: 'EmailFn',
      service: 'sqs',
      protocol: 'json',
      resources: [queueArn],
      authorizations: [{ action: 'sqs:SendMessage', resource: queueArn, conditionKeys: {} }],
      mutating: true,
      status: 200,
    });
    expect(calls.find((c) => c.action === 'Publish')).toMatchObject({
      caller: 'OrderApiFn',
      service: 'sns',
      protocol: 'query',
      resources: [topic.TopicArn],
      authorizations: [{ action: 'sns:Publish', resource: topic.TopicArn, conditionKeys: {} }],
      status: 200,
    });
  });
});

describe('faults', () => {
  it('throttling is absorbed by the SDK retries; every attempt is observed', async () => {
    const rules: FaultRule[] = [{ fault: 'throttle', rate: 1, limit: 2, match: { callers: ['Fn'] } }];
    const { proxy: p, calls } = await proxy(rules);
    const ddb = client(DynamoDBClient, p, 'dynamodb', 'Setup');
    const name = await table(ddb);
    const fn = client(DynamoDBClient, p, 'dynamodb', 'Fn');
    await fn.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    const puts = calls.filter((c) => c.action === 'PutItem');
    expect(puts.map((c) => [c.fault, c.status, c.forwarded])).toEqual([
      ['throttle', 400, false],
      ['throttle', 400, false],
      [undefined, 200, true],
    ]);
    expect(new Set(puts.map((c) => c.invocationId)).size).toBe(1);
    expect(p.stats().injected?.throttle).toBe(2);
  });

  it('an outage answers every attempt of the operation, outlasting the SDK retries', async () => {
    const rules: FaultRule[] = [{ fault: 'outage', rate: 1, limit: 1, match: { callers: ['Fn'] } }];
    const { proxy: p, calls } = await proxy(rules);
    const name = await table(client(DynamoDBClient, p, 'dynamodb', 'Setup'));
    const fn = client(DynamoDBClient, p, 'dynamodb', 'Fn', { maxAttempts: 3 });
    const key = { pk: { S: 'a' }, sk: { S: 'b' } };
    await expect(fn.send(new PutItemCommand({ TableName: name, Item: key }))).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503, attempts: 3 },
    });
    expect(calls.filter((c) => c.action === 'PutItem').map((c) => c.fault)).toEqual([
      'outage',
      'outage',
      'outage',
    ]);
    // The limit is per operation: the next one goes through.
    await fn.send(new PutItemCommand({ TableName: name, Item: key }));
    expect((await fn.send(new GetItemCommand({ TableName: name, Key: key }))).Item).toBeDefined();
  });

  it('applied-then-500: the SDK retries a write that was applied, and a non-idempotent update lands twice', async () => {
    const rules: FaultRule[] = [{ fault: 'appliedThen500', rate: 1, limit: 1, match: { callers: ['Fn'] } }];
    const { proxy: p, calls } = await proxy(rules);
    const name = await table(client(DynamoDBClient, p, 'dynamodb', 'Setup'));
    const fn = client(DynamoDBClient, p, 'dynamodb', 'Fn');
    const key = { pk: { S: 'counter' }, sk: { S: 'c' } };
    await fn.send(
      new UpdateItemCommand({
        TableName: name,
        Key: key,
        UpdateExpression: 'ADD n :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
    const item = await fn.send(new GetItemCommand({ TableName: name, Key: key, ConsistentRead: true }));
    expect(item.Item?.n).toEqual({ N: '2' });
    expect(
      calls.filter((c) => c.action === 'UpdateItem').map((c) => [c.fault, c.status, c.forwarded]),
    ).toEqual([
      ['appliedThen500', 500, true],
      [undefined, 200, true],
    ]);
  });

  it('faults never hit an excepted caller, and writes-only faults never hit a read', async () => {
    const rules: FaultRule[] = [
      { fault: 'error500', rate: 1, match: { exceptCallers: ['Harness', 'Fn'] } },
      { fault: 'appliedThen500', rate: 1, match: { callers: ['Fn'] } },
    ];
    const { proxy: p, calls } = await proxy(rules);
    const harness = client(DynamoDBClient, p, 'dynamodb', 'Harness');
    const name = await table(harness);
    const fn = client(DynamoDBClient, p, 'dynamodb', 'Fn');
    await fn.send(new GetItemCommand({ TableName: name, Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    expect(calls.map((c) => [c.caller, c.action, c.fault])).toEqual([
      ['Harness', 'CreateTable', undefined],
      ['Fn', 'GetItem', undefined],
    ]);
  });

  it('SQS and SNS faults speak their protocols: the SDK classifies and retries them', async () => {
    const rules: FaultRule[] = [
      { fault: 'throttle', rate: 1, limit: 1, match: { services: ['sqs'], callers: ['Fn'] } },
      { fault: 'error500', rate: 1, limit: 1, match: { services: ['sns'], callers: ['Fn'] } },
    ];
    const { proxy: p, calls } = await proxy(rules);
    const setupSqs = client(SQSClient, p, 'sqs', 'Setup');
    const setupSns = client(SNSClient, p, 'sns', 'Setup');
    const queue = await setupSqs.send(new CreateQueueCommand({ QueueName: 'proxy-faults' }));
    const topic = await setupSns.send(new CreateTopicCommand({ Name: 'proxy-faults' }));
    const sqs = client(SQSClient, p, 'sqs', 'Fn');
    const sns = client(SNSClient, p, 'sns', 'Fn');
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queue.QueueUrl, MessageBody: 'x' }));
    expect(sent.$metadata.attempts).toBe(2);
    const published = await sns.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: 'x' }));
    expect(published.$metadata.attempts).toBe(2);
    expect(calls.filter((c) => c.caller === 'Fn').map((c) => [c.action, c.fault, c.status])).toEqual([
      ['SendMessage', 'throttle', 400],
      ['SendMessage', undefined, 200],
      ['Publish', 'error500', 500],
      ['Publish', undefined, 200],
    ]);
  });
});
