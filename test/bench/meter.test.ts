import { describe, expect, it } from 'vitest';
import { emfMetricIdentities, type MeteredCall, UsageMeter } from '../../bench/meter.ts';
import { LOCAL_ACCOUNT_ID } from '../../local/emulators.ts';

const TABLE = `arn:aws:dynamodb:us-east-1:${LOCAL_ACCOUNT_ID}:table/effects`;
const IDEMPOTENCY = `arn:aws:dynamodb:us-east-1:${LOCAL_ACCOUNT_ID}:table/idempotency`;
const QUEUE = `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:inventory`;

const meter = (messageBytes = 1500) =>
  new UsageMeter({
    serviceOfFunction: (id) => (id === 'InventoryFn' ? 'inventory' : undefined),
    serviceOfQueue: (arn) => (arn === QUEUE ? 'inventory' : undefined),
    pollerCaller: 'lambda-event-source-mapping',
    harnessCaller: 'test',
    messageBytes,
    platformLogBytesPerInvocation: 100,
    awsDurationMs: (_service, records) => 10 + records,
  });

const call = (c: Partial<MeteredCall>): MeteredCall => ({
  caller: 'InventoryFn',
  service: 'dynamodb',
  action: 'PutItem',
  resources: [],
  authorizations: [],
  ...c,
});
const auth = (action: string, resource = TABLE) => ({ action, resource, conditionKeys: {} });

describe('UsageMeter', () => {
  it('bills a transaction part at 2 write units per KB and single writes at 1', () => {
    const m = meter();
    m.observe(call({ action: 'PutItem', authorizations: [auth('dynamodb:PutItem', IDEMPOTENCY)] }));
    m.observe(
      call({
        action: 'TransactWriteItems',
        authorizations: [
          auth('dynamodb:UpdateItem'),
          auth('dynamodb:PutItem'),
          auth('dynamodb:ConditionCheckItem'),
        ],
      }),
    );
    m.observe(call({ action: 'GetItem', authorizations: [auth('dynamodb:GetItem', IDEMPOTENCY)] }));
    const sizes = (arn: string) => (arn === TABLE ? 1500 : 300);
    // idempotency put: 1; three transaction parts of 1.5 KB: 3 × 2 × 2 = 12.
    const usage = m.usage(1, sizes);
    expect(usage.dynamodbWriteUnits).toBe(13);
    expect(usage.dynamodbReadUnits).toBe(1);
    const counts = m.byService.get('inventory');
    expect(counts?.dynamodb).toEqual({ PutItem: 1, TransactWriteItems: 1, GetItem: 1 });
  });

  it('attributes poller calls to the service of the queue, and only the harness publishes', () => {
    const m = meter();
    m.observe(
      call({
        caller: 'lambda-event-source-mapping',
        service: 'sqs',
        action: 'ReceiveMessage',
        resources: [QUEUE],
      }),
    );
    m.observe(
      call({
        caller: 'lambda-event-source-mapping',
        service: 'sqs',
        action: 'DeleteMessageBatch',
        resources: [QUEUE],
      }),
    );
    m.observe(call({ caller: 'test', service: 'sns', action: 'PublishBatch' }));
    m.observe(call({ caller: 'test', service: 'sqs', action: 'GetQueueAttributes' }));
    expect(m.byService.get('inventory')?.sqs).toEqual({ ReceiveMessage: 1, DeleteMessageBatch: 1 });
    expect(m.byService.get('producer')?.sns).toEqual({ PublishBatch: 1 });
    expect(m.unattributed).toEqual({ 'sqs:GetQueueAttributes': 1 });
    const usage = m.usage(10, () => 1024);
    expect(usage.sqsRequests).toBe(2);
    expect(usage.snsPublishRequests).toBe(1);
  });

  it('bills batch payloads in 64 KB chunks (10 messages of 10 KB: 2 chunks)', () => {
    const m = meter(10 * 1024);
    m.observe(call({ caller: 'test', service: 'sns', action: 'PublishBatch' }));
    m.observe(
      call({
        caller: 'lambda-event-source-mapping',
        service: 'sqs',
        action: 'ReceiveMessage',
        resources: [QUEUE],
      }),
    );
    m.observe(
      call({
        caller: 'lambda-event-source-mapping',
        service: 'sqs',
        action: 'DeleteMessageBatch',
        resources: [QUEUE],
      }),
    );
    const usage = m.usage(10, () => 1024);
    expect(usage.snsPublishRequests).toBe(2);
    expect(usage.sqsRequests).toBe(2 + 1);
  });

  it('adds invocations, GB-s, platform log bytes and what the function printed', () => {
    const m = meter();
    m.invocation('inventory', 256, 100, 10);
    m.invocation('inventory', 256, 50.5, 5);
    m.logLine('inventory', 'x'.repeat(99));
    const usage = m.usage(15, () => 1024);
    expect(usage.lambdaInvocations).toBe(2);
    expect(usage.lambdaGbSecondsLocal).toBeCloseTo(0.25 * 0.1 + 0.25 * 0.051, 12);
    // The AWS assumption of this meter: 10 ms + 1 ms per record.
    expect(usage.lambdaGbSeconds).toBeCloseTo(0.25 * 0.02 + 0.25 * 0.015, 12);
    expect(usage.logBytes).toBe(200 + 100);
    expect(m.byService.get('inventory')?.records).toBe(15);
  });

  it('counts distinct EMF custom metrics', () => {
    const m = meter();
    const emf = (service: string, name: string) =>
      JSON.stringify({
        _aws: {
          CloudWatchMetrics: [
            { Namespace: 'OrderEvents', Dimensions: [['service']], Metrics: [{ Name: name }] },
          ],
        },
        service,
        [name]: 1,
      });
    m.logLine('inventory', emf('inventory', 'processed'));
    m.logLine('inventory', emf('inventory', 'processed'));
    m.logLine('inventory', emf('inventory', 'duplicate'));
    m.logLine('email', emf('email', 'processed'));
    expect(m.customMetrics().size).toBe(3);
    expect(emfMetricIdentities('not json')).toEqual([]);
  });
});
