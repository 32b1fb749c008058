/**
 * parseAwsRequest: what IAM would evaluate for each request shape (pure; the endpoint proxy test
 * covers the same parser against the real emulators and SDK).
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BatchGetItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  QueryCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { ListTagsForResourceCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialOf, type ParsedRequest, parseAwsRequest } from '../../local/aws-request.ts';

const ctx = { region: 'eu-west-1', accountId: '123456789012' };
const auth = (key: string, service: string) =>
  `AWS4-HMAC-SHA256 Credential=${key}/20261201/eu-west-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;
const dynamo = (action: string, body: object) =>
  parseAwsRequest(
    { authorization: auth('Fn', 'dynamodb'), 'x-amz-target': `DynamoDB_20120810.${action}` },
    JSON.stringify(body),
    ctx,
    (table) => (table === 'T' || table === 'U' ? 'pk' : undefined),
  );
const table = (name: string) => `arn:aws:dynamodb:eu-west-1:123456789012:table/${name}`;

describe('parseAwsRequest', () => {
  it('BatchWriteItem: one authorization per table with the partition keys of its puts and deletes', () => {
    const parsed = dynamo('BatchWriteItem', {
      RequestItems: {
        T: [
          { PutRequest: { Item: { pk: { S: 'a' }, x: { N: '1' } } } },
          { DeleteRequest: { Key: { pk: { S: 'b' } } } },
        ],
        U: [{ PutRequest: { Item: { pk: { N: '7' } } } }],
      },
    });
    expect(parsed).toMatchObject({ service: 'dynamodb', action: 'BatchWriteItem', mutating: true });
    expect(parsed.authorizations).toEqual([
      {
        action: 'dynamodb:BatchWriteItem',
        resource: table('T'),
        conditionKeys: { 'dynamodb:LeadingKeys': ['a', 'b'] },
      },
      {
        action: 'dynamodb:BatchWriteItem',
        resource: table('U'),
        conditionKeys: { 'dynamodb:LeadingKeys': ['7'] },
      },
    ]);
  });

  it('Query on an index names the index ARN; legacy KeyConditions give the leading key too', () => {
    expect(
      dynamo('Query', {
        TableName: 'T',
        IndexName: 'byDate',
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'k' }] } },
      }).authorizations,
    ).toEqual([
      {
        action: 'dynamodb:Query',
        resource: `${table('T')}/index/byDate`,
        conditionKeys: { 'dynamodb:LeadingKeys': ['k'] },
      },
    ]);
  });

  it('Scan and unknown tables carry no leading keys; reads are not mutating', () => {
    expect(dynamo('Scan', { TableName: 'T' })).toMatchObject({
      mutating: false,
      authorizations: [{ action: 'dynamodb:Scan', resource: table('T'), conditionKeys: {} }],
    });
    expect(
      dynamo('GetItem', { TableName: 'Other', Key: { pk: { S: 'a' } } }).authorizations[0]?.conditionKeys,
    ).toEqual({});
  });

  it('SQS and SNS batch calls are authorized as their single-message actions', () => {
    const sqs = parseAwsRequest(
      { authorization: auth('Fn', 'sqs'), 'x-amz-target': 'AmazonSQS.DeleteMessageBatch' },
      JSON.stringify({ QueueUrl: 'http://127.0.0.1:1234/123456789012/work', Entries: [] }),
      ctx,
    );
    expect(sqs.authorizations).toEqual([
      { action: 'sqs:DeleteMessage', resource: 'arn:aws:sqs:eu-west-1:123456789012:work', conditionKeys: {} },
    ]);
    const sns = parseAwsRequest(
      { authorization: auth('Fn', 'sns') },
      'Action=PublishBatch&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A123456789012%3Aorders&Version=2010-03-31',
      ctx,
    );
    expect(sns).toMatchObject({
      service: 'sns',
      protocol: 'query',
      action: 'PublishBatch',
      mutating: true,
      resources: ['arn:aws:sns:eu-west-1:123456789012:orders'],
      authorizations: [{ action: 'sns:Publish' }],
    });
  });

  it('reads the SDK retry headers and the session token', () => {
    const parsed = parseAwsRequest(
      {
        authorization: auth('Fn', 'dynamodb'),
        'x-amz-target': 'DynamoDB_20120810.PutItem',
        'x-amz-security-token': 'Fn/sandbox-1',
        'amz-sdk-invocation-id': 'op-1',
        'amz-sdk-request': 'attempt=2; max=3',
      },
      '{}',
      ctx,
    );
    expect(parsed).toMatchObject({ sessionToken: 'Fn/sandbox-1', invocationId: 'op-1', attempt: 2 });
  });

  it('never throws on what it cannot read', () => {
    expect(credentialOf(undefined)).toEqual({ accessKeyId: 'anonymous', service: undefined });
    expect(parseAwsRequest({ 'x-amz-target': 'DynamoDB_20120810.PutItem' }, '{not json', ctx)).toMatchObject({
      accessKeyId: 'anonymous',
      action: 'PutItem',
      authorizations: [{ action: 'dynamodb:PutItem', resource: '*' }],
    });
    expect(parseAwsRequest({}, '', ctx)).toMatchObject({
      service: 'unknown',
      action: 'unknown',
      authorizations: [],
    });
  });
});

describe('parseAwsRequest: classification and fallbacks', () => {
  const sqsJson = (action: string, body: object) =>
    parseAwsRequest(
      { authorization: auth('Fn', 'sqs'), 'x-amz-target': `AmazonSQS.${action}` },
      JSON.stringify(body),
      ctx,
    );
  const snsJson = (action: string, body: object) =>
    parseAwsRequest(
      { authorization: auth('Fn', 'sns'), 'x-amz-target': `AmazonSimpleNotificationService.${action}` },
      JSON.stringify(body),
      ctx,
    );
  const query = (service: string | undefined, body: string) =>
    parseAwsRequest(service === undefined ? {} : { authorization: auth('Fn', service) }, body, ctx);
  const topic = 'arn:aws:sns:eu-west-1:123456789012:orders';

  // Which operations change state decides which faults may hit them (after-write faults only hit writes).
  it('DynamoDB: writes, table changes and PartiQL statements are mutating; reads are not', () => {
    const writes = [
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'BatchWriteItem',
      'TransactWriteItems',
      'CreateTable',
      'DeleteTable',
      'UpdateTable',
      'UpdateTimeToLive',
      'TagResource',
      'UntagResource',
      'ExecuteStatement',
      'BatchExecuteStatement',
      'ExecuteTransaction',
    ];
    const reads = [
      'GetItem',
      'BatchGetItem',
      'TransactGetItems',
      'Query',
      'Scan',
      'DescribeTable',
      'ListTables',
    ];
    expect(writes.filter((a) => !dynamo(a, {}).mutating)).toEqual([]);
    expect(reads.filter((a) => dynamo(a, {}).mutating)).toEqual([]);
  });

  it('SQS: receives and the read-only calls are not mutating; sends, deletes and changes are', () => {
    const reads = [
      'ReceiveMessage',
      'GetQueueUrl',
      'GetQueueAttributes',
      'ListQueues',
      'ListQueueTags',
      'ListDeadLetterSourceQueues',
      'ListMessageMoveTasks',
    ];
    const writes = ['SendMessage', 'DeleteMessage', 'ChangeMessageVisibility', 'CreateQueue', 'PurgeQueue'];
    expect(reads.filter((a) => sqsJson(a, {}).mutating)).toEqual([]);
    expect(writes.filter((a) => !sqsJson(a, {}).mutating)).toEqual([]);
    expect(reads.filter((a) => query('sqs', `Action=${a}`).mutating)).toEqual([]);
    expect(query('sqs', 'Action=SendMessage')).toMatchObject({
      service: 'sqs',
      protocol: 'query',
      mutating: true,
    });
  });

  it('SNS: the Get and List calls are not mutating; everything else is', () => {
    const reads = [
      'GetTopicAttributes',
      'GetSubscriptionAttributes',
      'ListTopics',
      'ListSubscriptions',
      'ListSubscriptionsByTopic',
      'ListTagsForResource',
    ];
    expect(reads.filter((a) => snsJson(a, {}).mutating)).toEqual([]);
    expect(reads.filter((a) => query('sns', `Action=${a}`).mutating)).toEqual([]);
    expect(
      ['Publish', 'Subscribe', 'SetSubscriptionAttributes'].filter((a) => !snsJson(a, {}).mutating),
    ).toEqual([]);
  });

  it('SNS over JSON targets: service, action and topic as over the query protocol', () => {
    expect(snsJson('PublishBatch', { TopicArn: topic, PublishBatchRequestEntries: [] })).toEqual({
      service: 'sns',
      action: 'PublishBatch',
      protocol: 'json',
      accessKeyId: 'Fn',
      sessionToken: undefined,
      invocationId: undefined,
      attempt: 1,
      resources: [topic],
      authorizations: [{ action: 'sns:Publish', resource: topic, conditionKeys: {} }],
      mutating: true,
    });
  });

  it('SNS resources: TopicArn, else TargetArn, else ResourceArn (empty ones skipped), else *', () => {
    const endpoint = 'arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/app/1';
    expect(snsJson('Publish', { TopicArn: '', TargetArn: endpoint }).resources).toEqual([endpoint]);
    expect(snsJson('Publish', { TopicArn: topic, TargetArn: endpoint }).resources).toEqual([topic]);
    expect(snsJson('TagResource', { ResourceArn: topic }).resources).toEqual([topic]);
    expect(snsJson('ListTopics', {})).toMatchObject({
      resources: ['*'],
      authorizations: [{ action: 'sns:ListTopics', resource: '*' }],
    });
    expect(query('sns', 'Action=Publish&TopicArn=').resources).toEqual(['*']);
  });

  it('SQS resources: from the QueueUrl (account checked), else the QueueName, else *', () => {
    const arn = (account: string, name: string) => `arn:aws:sqs:eu-west-1:${account}:${name}`;
    expect(sqsJson('SendMessage', { QueueUrl: 'http://h/210987654321/work/' }).resources).toEqual([
      arn('210987654321', 'work'),
    ]);
    // A URL without a 12-digit account segment: the context's account.
    expect(sqsJson('SendMessage', { QueueUrl: 'http://h/queue/work' }).resources).toEqual([
      arn('123456789012', 'work'),
    ]);
    expect(sqsJson('SendMessage', { QueueUrl: 'work' }).resources).toEqual([arn('123456789012', 'work')]);
    // Only a whole 12-digit segment is an account; trailing slashes go, however many.
    for (const url of [
      'http://h/x123456789099/work',
      'http://h/1234567890991/work',
      'http://h/123456789012/work//',
    ]) {
      expect(sqsJson('SendMessage', { QueueUrl: url }).resources).toEqual([arn('123456789012', 'work')]);
    }
    expect(sqsJson('CreateQueue', { QueueName: 'new' }).authorizations).toEqual([
      { action: 'sqs:CreateQueue', resource: arn('123456789012', 'new'), conditionKeys: {} },
    ]);
    expect(sqsJson('ListQueues', {}).resources).toEqual(['*']);
    // Unreadable parameters read as absent (the parser never throws).
    expect(sqsJson('SendMessage', { QueueUrl: 5, QueueName: 'named' }).resources).toEqual([
      arn('123456789012', 'named'),
    ]);
    expect(sqsJson('SendMessageBatch', {}).authorizations[0]?.action).toBe('sqs:SendMessage');
    expect(sqsJson('ChangeMessageVisibilityBatch', {}).authorizations[0]?.action).toBe(
      'sqs:ChangeMessageVisibility',
    );
  });

  it('unknown services and unsigned query calls: unknown, no authorizations, not mutating', () => {
    for (const parsed of [query('lambda', 'Action=Invoke'), query(undefined, 'Action=Publish')]) {
      expect(parsed).toMatchObject({
        service: 'unknown',
        protocol: 'query',
        authorizations: [],
        resources: [],
        mutating: false,
      });
    }
    expect(query(undefined, 'Action=Publish')).toMatchObject({ accessKeyId: 'anonymous', action: 'Publish' });
    expect(query('sqs', 'Version=2012-11-05')).toMatchObject({ service: 'sqs', action: 'unknown' });
  });

  it('JSON bodies that are not objects read as empty parameters', () => {
    for (const body of ['null', '[{"TableName":"T"}]', '"T"', '']) {
      const parsed = parseAwsRequest(
        { authorization: auth('Fn', 'dynamodb'), 'x-amz-target': 'DynamoDB_20120810.GetItem' },
        body,
        ctx,
      );
      expect(parsed.authorizations).toEqual([
        { action: 'dynamodb:GetItem', resource: '*', conditionKeys: {} },
      ]);
    }
  });

  it('credentialOf reads the access key id and the scope service of a SigV4 header', () => {
    expect(credentialOf(auth('AKIDEXAMPLE', 'sqs'))).toEqual({ accessKeyId: 'AKIDEXAMPLE', service: 'sqs' });
    // Not a credential scope (the date must have 8 digits): anonymous.
    expect(
      credentialOf('AWS4-HMAC-SHA256 Credential=AKID/2026/eu-west-1/sqs/aws4_request, Signature=0'),
    ).toEqual({ accessKeyId: 'anonymous', service: undefined });
    expect(credentialOf('')).toEqual({ accessKeyId: 'anonymous', service: undefined });
  });

  it('repeated headers: the first value counts', () => {
    const parsed = parseAwsRequest(
      {
        authorization: [auth('First', 'dynamodb'), auth('Second', 'dynamodb')],
        'x-amz-target': ['DynamoDB_20120810.PutItem'],
        'amz-sdk-request': ['attempt=12; max=20'],
      },
      '{}',
      ctx,
    );
    expect(parsed).toMatchObject({ accessKeyId: 'First', action: 'PutItem', attempt: 12 });
    expect(parseAwsRequest({ 'amz-sdk-request': 'max=3' }, '', ctx).attempt).toBe(1);
  });

  it('DynamoDB transactions: one authorization per part, each with its own action and leading key', () => {
    const parsed = dynamo('TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 'T', Item: { pk: { S: 'p' } } } },
        { Update: { TableName: 'T', Key: { pk: { S: 'u' } } } },
        { Delete: { TableName: 'U', Key: { pk: { B: 'AQI=' } } } },
        { ConditionCheck: { TableName: 'Other', Key: { id: { S: 'c' } } } },
        { Put: { Item: { pk: { S: 'no table' } } } },
        null,
      ],
    });
    expect(parsed.authorizations).toEqual([
      { action: 'dynamodb:PutItem', resource: table('T'), conditionKeys: { 'dynamodb:LeadingKeys': ['p'] } },
      {
        action: 'dynamodb:UpdateItem',
        resource: table('T'),
        conditionKeys: { 'dynamodb:LeadingKeys': ['u'] },
      },
      {
        action: 'dynamodb:DeleteItem',
        resource: table('U'),
        conditionKeys: { 'dynamodb:LeadingKeys': ['AQI='] },
      },
      { action: 'dynamodb:ConditionCheckItem', resource: table('Other'), conditionKeys: {} },
    ]);
    expect(parsed.resources).toEqual([table('T'), table('U'), table('Other')]);
    expect(dynamo('TransactGetItems', { TransactItems: 'none' }).authorizations).toEqual([]);
  });

  it('DynamoDB leading keys: distinct values, and none when the key is absent or not a scalar', () => {
    expect(
      dynamo('BatchWriteItem', {
        RequestItems: {
          T: [
            { PutRequest: { Item: { pk: { S: 'a' } } } },
            { DeleteRequest: { Key: { pk: { S: 'a' } } } },
            { PutRequest: { Item: { pk: { L: [] } } } },
            { PutRequest: { Item: { other: { S: 'x' } } } },
            null,
          ],
          U: null,
        },
      }).authorizations.map((a) => a.conditionKeys),
    ).toEqual([{ 'dynamodb:LeadingKeys': ['a'] }, {}]);
    expect(dynamo('PutItem', { TableName: 'T', Item: { pk: 'a' } }).authorizations[0]?.conditionKeys).toEqual(
      {},
    );
    expect(
      dynamo('PutItem', { TableName: 'T', Item: { pk: null } }).authorizations[0]?.conditionKeys,
    ).toEqual({});
    // A table or index name that is not a string names no table.
    expect(dynamo('GetItem', { TableName: 7, Key: {} }).authorizations).toEqual([
      { action: 'dynamodb:GetItem', resource: '*', conditionKeys: {} },
    ]);
    expect(dynamo('Query', { TableName: 'T', IndexName: 7 }).resources).toEqual([table('T')]);
    expect(dynamo('BatchGetItem', { RequestItems: { T: {} } }).authorizations).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: table('T'), conditionKeys: {} },
    ]);
  });

  it('Query leading keys: `pk = :v` either way round, through #names, not other attributes or ranges', () => {
    const q = (p: object) => dynamo('Query', { TableName: 'T', ...p }).authorizations[0]?.conditionKeys;
    expect(q({ KeyConditionExpression: 'pk = :v', ExpressionAttributeValues: { ':v': { S: 'a' } } })).toEqual(
      {
        'dynamodb:LeadingKeys': ['a'],
      },
    );
    expect(q({ KeyConditionExpression: ':v = pk', ExpressionAttributeValues: { ':v': { S: 'a' } } })).toEqual(
      {
        'dynamodb:LeadingKeys': ['a'],
      },
    );
    expect(
      q({
        KeyConditionExpression: '#k=:v AND sk = :s',
        ExpressionAttributeNames: { '#k': 'pk' },
        ExpressionAttributeValues: { ':v': { N: '5' }, ':s': { S: 's' } },
      }),
    ).toEqual({ 'dynamodb:LeadingKeys': ['5'] });
    expect(
      q({
        KeyConditionExpression: '#u = :v',
        ExpressionAttributeNames: { '#k': 'pk' },
        ExpressionAttributeValues: { ':v': { S: 'a' } },
      }),
    ).toEqual({});
    expect(q({ KeyConditionExpression: 'pk = pk2', ExpressionAttributeValues: {} })).toEqual({});
    expect(q({ KeyConditionExpression: 'pk = :missing' })).toEqual({});
    expect(
      q({ KeyConditions: { pk: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'a' }] } } }),
    ).toEqual({});
    expect(q({ KeyConditions: { pk: { ComparisonOperator: 'EQ' } } })).toEqual({});
    expect(
      dynamo('Query', {
        TableName: 'Other',
        KeyConditionExpression: 'pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'a' } },
      }).authorizations[0]?.conditionKeys,
    ).toEqual({});
  });
});

/**
 * The shapes the real SDK clients send: each command is captured by a local HTTP server (which
 * answers 400, so nothing is retried) and parsed as the endpoint proxy would.
 */
describe('parseAwsRequest on requests the real SDK sends', () => {
  let server: Server;
  const captured: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end('{"__type":"ValidationException","message":"captured"}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterAll(() => {
    server.close();
  });

  const config = () => ({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-west-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'Fn', secretAccessKey: 'secret', sessionToken: 'Fn/sandbox-7' },
  });
  /** Sends `command` with a real client and parses what reached the wire. */
  async function sent(client: { send(c: never): Promise<unknown>; destroy(): void }, command: unknown) {
    captured.length = 0;
    await client.send(command as never).catch(() => undefined);
    client.destroy();
    const request = captured[0];
    if (request === undefined) throw new Error('the SDK sent nothing');
    return parseAwsRequest(request.headers, request.body, ctx, (t) => (t === 'T' ? 'pk' : undefined));
  }
  const caller = {
    accessKeyId: 'Fn',
    sessionToken: 'Fn/sandbox-7',
    attempt: 1,
  } satisfies Partial<ParsedRequest>;

  it('DynamoDB TransactGetItems, BatchGetItem and a Query with attribute names', async () => {
    expect(
      await sent(
        new DynamoDBClient(config()),
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: 'T', Key: { pk: { S: 'g' } } } }],
        }),
      ),
    ).toMatchObject({
      ...caller,
      service: 'dynamodb',
      protocol: 'json',
      mutating: false,
      authorizations: [
        {
          action: 'dynamodb:GetItem',
          resource: table('T'),
          conditionKeys: { 'dynamodb:LeadingKeys': ['g'] },
        },
      ],
    });
    expect(
      (
        await sent(
          new DynamoDBClient(config()),
          new BatchGetItemCommand({
            RequestItems: { T: { Keys: [{ pk: { S: 'x' } }, { pk: { S: 'y' } }] } },
          }),
        )
      ).authorizations,
    ).toEqual([
      {
        action: 'dynamodb:BatchGetItem',
        resource: table('T'),
        conditionKeys: { 'dynamodb:LeadingKeys': ['x', 'y'] },
      },
    ]);
    expect(
      (
        await sent(
          new DynamoDBClient(config()),
          new QueryCommand({
            TableName: 'T',
            KeyConditionExpression: '#p = :p',
            ExpressionAttributeNames: { '#p': 'pk' },
            ExpressionAttributeValues: { ':p': { S: 'q' } },
          }),
        )
      ).authorizations[0]?.conditionKeys,
    ).toEqual({ 'dynamodb:LeadingKeys': ['q'] });
    const write = await sent(
      new DynamoDBClient(config()),
      new TransactWriteItemsCommand({
        TransactItems: [
          { ConditionCheck: { TableName: 'T', Key: { pk: { S: 'c' } }, ConditionExpression: 'a' } },
        ],
      }),
    );
    expect(write).toMatchObject({
      mutating: true,
      authorizations: [{ action: 'dynamodb:ConditionCheckItem' }],
    });
    expect(
      await sent(new DynamoDBClient(config()), new DescribeTableCommand({ TableName: 'T' })),
    ).toMatchObject({
      action: 'DescribeTable',
      mutating: false,
      resources: [table('T')],
    });
  });

  it('SQS CreateQueue, GetQueueUrl and ReceiveMessage', async () => {
    const arn = 'arn:aws:sqs:eu-west-1:123456789012:work';
    expect(await sent(new SQSClient(config()), new CreateQueueCommand({ QueueName: 'work' }))).toMatchObject({
      ...caller,
      service: 'sqs',
      action: 'CreateQueue',
      mutating: true,
      resources: [arn],
    });
    expect(await sent(new SQSClient(config()), new GetQueueUrlCommand({ QueueName: 'work' }))).toMatchObject({
      action: 'GetQueueUrl',
      mutating: false,
      authorizations: [{ action: 'sqs:GetQueueUrl', resource: arn }],
    });
    expect(
      await sent(
        new SQSClient(config()),
        new ReceiveMessageCommand({ QueueUrl: 'http://127.0.0.1:1/123456789012/work' }),
      ),
    ).toMatchObject({ action: 'ReceiveMessage', mutating: false, resources: [arn] });
  });

  it('SNS Publish to a target ARN and ListTagsForResource', async () => {
    const endpoint = 'arn:aws:sns:eu-west-1:123456789012:endpoint/GCM/app/1';
    expect(
      await sent(new SNSClient(config()), new PublishCommand({ TargetArn: endpoint, Message: 'm' })),
    ).toMatchObject({
      ...caller,
      service: 'sns',
      action: 'Publish',
      mutating: true,
      authorizations: [{ action: 'sns:Publish', resource: endpoint, conditionKeys: {} }],
    });
    const topic = 'arn:aws:sns:eu-west-1:123456789012:orders';
    expect(
      await sent(new SNSClient(config()), new ListTagsForResourceCommand({ ResourceArn: topic })),
    ).toMatchObject({ service: 'sns', action: 'ListTagsForResource', mutating: false, resources: [topic] });
  });
});
