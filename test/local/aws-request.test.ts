/**
 * parseAwsRequest: what IAM would evaluate for each request shape (pure; the endpoint proxy test
 * covers the same parser against the real emulators and SDK).
 */
import { describe, expect, it } from 'vitest';
import { credentialOf, parseAwsRequest } from '../../local/aws-request.ts';

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
