/**
 * The local deployer on small synthetic assemblies: intrinsics and conditions resolved in
 * dependency order, CloudFormation-like names, the outputs file in `cdk deploy --outputs-file`
 * shape, every non-emulated type reported with its count, and an unresolvable intrinsic named by
 * resource and property. Plus the runner's Lambda-compatible SQS record and partial-batch rules.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GetSubscriptionAttributesCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Message } from '@aws-sdk/client-sqs';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployLocal } from '../../local/deploy/deploy-local.ts';
import { type Emulators, LOCAL_ACCOUNT_ID, startEmulators } from '../../local/emulators.ts';
import { failuresFrom, toRecord } from '../../local/runner.ts';
import { writeAssembly } from './helpers/assembly.ts';
import { drainVisible, eventually } from './helpers/observe.ts';
import { targetKind } from './helpers/target.ts';

let emulators: Emulators;
const dirs: string[] = [];

beforeAll(async () => {
  emulators = await startEmulators();
});

afterAll(async () => {
  await emulators?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Writes a one-stack cloud assembly (removed after the file) and returns its directory. */
function assembly(template: object, stackName = 'Tiny'): string {
  const dir = writeAssembly(template, stackName);
  dirs.push(dir);
  return dir;
}

const template = {
  Parameters: { Stage: { Type: 'String', Default: 'dev' } },
  Conditions: {
    IsDev: { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] },
    IsProd: { 'Fn::Not': [{ Condition: 'IsDev' }] },
  },
  Resources: {
    // Declared before its DLQ on purpose: creation must follow the references, not the file order.
    Work: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        VisibilityTimeout: { 'Fn::If': ['IsDev', 7, 70] },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 3 },
      },
    },
    Dlq: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1209600 } },
    OnlyInProd: { Type: 'AWS::SQS::Queue', Condition: 'IsProd' },
    Topic: { Type: 'AWS::SNS::Topic' },
    Sub: {
      Type: 'AWS::SNS::Subscription',
      Properties: {
        TopicArn: { Ref: 'Topic' },
        Endpoint: { 'Fn::GetAtt': ['Work', 'Arn'] },
        Protocol: 'sqs',
        RawMessageDelivery: true,
        FilterPolicy: { total: [{ numeric: ['>=', 100] }] },
      },
    },
    Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
    Policy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }] } },
    Alarm1: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
    Alarm2: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Timeout: 9,
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        Environment: {
          Variables: {
            QUEUE_URL: { Ref: 'Dlq' },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub template, not JS.
            REGION_FROM_SUB: { 'Fn::Sub': '${AWS::Region}/${Topic.TopicName}/${Stage}' },
            ACCOUNT: { 'Fn::Select': [4, { 'Fn::Split': [':', { Ref: 'Topic' }] }] },
          },
        },
      },
      Metadata: { 'aws:asset:path': 'asset.fn', 'aws:asset:property': 'Code' },
    },
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['Work', 'Arn'] },
        FunctionName: { Ref: 'Fn' },
        BatchSize: 5,
        MaximumBatchingWindowInSeconds: 2,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 3 },
      },
    },
  },
  Outputs: {
    WorkUrl: { Value: { Ref: 'Work' } },
    Joined: { Value: { 'Fn::Join': ['|', [{ Ref: 'AWS::StackName' }, { Ref: 'AWS::AccountId' }]] } },
  },
};

describe.skipIf(targetKind() !== 'embedded')(
  'local deployer (embedded runtime only: LocalStack deploys with cdklocal and runs its own Lambdas)',
  () => {
    it('creates resources in dependency order with resolved intrinsics and reports what it skipped', async () => {
      const dir = assembly(template);
      const outputsFile = join(dir, 'outputs.json');
      const d = await deployLocal(emulators, { stackName: 'Tiny', assemblyDir: dir, outputsFile });

      expect(d.order.indexOf('Dlq')).toBeLessThan(d.order.indexOf('Work'));
      expect(d.queues.map((q) => q.logicalId).sort()).toEqual(['Dlq', 'Work']);
      const work = d.queues.find((q) => q.logicalId === 'Work');
      const dlq = d.queues.find((q) => q.logicalId === 'Dlq');
      expect(work?.name).toMatch(/^Tiny-Work-[A-Z0-9]{12}$/);
      expect(dlq?.arn).toMatch(new RegExp(`^arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:Tiny-Dlq-`));

      const sqs = new SQSClient(emulators.clientConfig('sqs'));
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: work?.url,
          AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'],
        }),
      );
      sqs.destroy();
      expect(attrs.Attributes?.VisibilityTimeout).toBe('7');
      expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: dlq?.arn,
        maxReceiveCount: 3,
      });

      const fn = d.functions[0];
      expect(fn?.timeoutSeconds).toBe(9);
      expect(fn?.assetDir).toBe(join(dir, 'asset.fn'));
      expect(fn?.environment).toEqual({
        QUEUE_URL: dlq?.url,
        REGION_FROM_SUB: `us-east-1/${d.topics[0]?.name}/dev`,
        ACCOUNT: LOCAL_ACCOUNT_ID,
      });
      expect(d.eventSourceMappings[0]).toMatchObject({
        queueUrl: work?.url,
        functionLogicalId: 'Fn',
        batchSize: 5,
        maximumBatchingWindowInSeconds: 2,
        reportBatchItemFailures: true,
        maximumConcurrency: 3,
        enabled: true,
      });
      expect(d.notEmulated.map((n) => [n.type, n.count])).toEqual([
        ['AWS::CloudWatch::Alarm', 2],
        ['AWS::IAM::Policy', 1],
        ['AWS::IAM::Role', 1],
      ]);
      expect(JSON.parse(readFileSync(outputsFile, 'utf8'))).toEqual({
        Tiny: { WorkUrl: work?.url, Joined: `Tiny|${LOCAL_ACCOUNT_ID}` },
      });
    });

    it('subscribes with the template FilterPolicy: the queue itself receives only matching messages', async () => {
      const filterPolicy = { eventType: ['order.placed'], total: [{ numeric: ['>=', 100] }] };
      const subscribe = (queue: string, extra: object = {}) => ({
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { Ref: 'Topic' },
          Endpoint: { 'Fn::GetAtt': [queue, 'Arn'] },
          Protocol: 'sqs',
          RawMessageDelivery: true,
          ...extra,
        },
      });
      const dir = assembly(
        {
          Resources: {
            Topic: { Type: 'AWS::SNS::Topic' },
            Filtered: { Type: 'AWS::SQS::Queue' },
            Everything: { Type: 'AWS::SQS::Queue' },
            FilteredSub: subscribe('Filtered', { FilterPolicy: filterPolicy }),
            EverythingSub: subscribe('Everything'),
          },
        },
        'Filters',
      );
      const d = await deployLocal(emulators, { stackName: 'Filters', assemblyDir: dir, outputsFile: false });
      const url = (logicalId: string) => d.queues.find((q) => q.logicalId === logicalId)?.url ?? '';
      const sns = new SNSClient(emulators.clientConfig('sns'));
      const sqs = new SQSClient(emulators.clientConfig('sqs'));
      try {
        const subscription = d.subscriptions.find((s) => s.logicalId === 'FilteredSub');
        const attributes = await sns.send(
          new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription?.arn }),
        );
        expect(JSON.parse(attributes.Attributes?.FilterPolicy ?? 'null')).toEqual(filterPolicy);
        const messages = [
          { body: 'placed-150', eventType: 'order.placed', total: '150' },
          { body: 'placed-50', eventType: 'order.placed', total: '50' },
          { body: 'cancelled-150', eventType: 'order.cancelled', total: '150' },
        ];
        for (const m of messages) {
          await sns.send(
            new PublishCommand({
              TopicArn: d.topics[0]?.arn,
              Message: m.body,
              MessageAttributes: {
                eventType: { DataType: 'String', StringValue: m.eventType },
                total: { DataType: 'Number', StringValue: m.total },
              },
            }),
          );
        }
        // The unfiltered queue proves every message was published; by then the filtered one has
        // had its chance at each of them.
        const everything: string[] = [];
        await eventually(
          async () => {
            everything.push(...(await drainVisible({ sqs }, url('Everything'))).map((m) => m.Body ?? ''));
            return everything;
          },
          (bodies) => bodies.length >= messages.length,
          { what: 'every message on the unfiltered queue' },
        );
        expect(everything.sort()).toEqual(messages.map((m) => m.body).sort());
        const filtered = (await drainVisible({ sqs }, url('Filtered'))).map((m) => m.Body);
        expect(filtered).toEqual(['placed-150']);
      } finally {
        sns.destroy();
        sqs.destroy();
      }
    });

    it('names the resource and property of an intrinsic it cannot resolve', async () => {
      const broken = structuredClone(template) as typeof template & { Resources: Record<string, unknown> };
      (
        broken.Resources.Fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }
      ).Properties.Environment.Variables.BAD = { 'Fn::GetAtt': ['Topic', 'NoSuchAttribute'] };
      const dir = assembly(broken, 'Broken');
      await expect(
        deployLocal(emulators, { stackName: 'Broken', assemblyDir: dir, outputsFile: false }),
      ).rejects.toThrow(
        /cannot resolve Fn\.Properties\.Environment\.Variables\.BAD\b.*attribute NoSuchAttribute of Topic .*not known locally/,
      );
      const dangling = structuredClone(template) as typeof template & { Resources: Record<string, unknown> };
      (dangling.Resources.Dlq as { Properties: Record<string, unknown> }).Properties.KmsMasterKeyId = {
        Ref: 'Nowhere',
      };
      await expect(
        deployLocal(emulators, {
          stackName: 'Dangling',
          assemblyDir: assembly(dangling, 'Dangling'),
          outputsFile: false,
        }),
      ).rejects.toThrow(/cannot resolve Dlq\.Properties\.KmsMasterKeyId: references Nowhere,/);
    });
  },
);

describe('runner: Lambda-compatible SQS event and partial batch rules', () => {
  const message: Message = {
    MessageId: 'm-1',
    ReceiptHandle: 'rh-1',
    Body: '{"a":1}',
    MD5OfBody: 'md5',
    Attributes: {
      ApproximateReceiveCount: '2',
      SentTimestamp: '1',
      SenderId: 'S',
      ApproximateFirstReceiveTimestamp: '3',
    },
    MessageAttributes: { total: { DataType: 'Number', StringValue: '150' } },
  };

  it('builds the record exactly as Lambda shapes it', () => {
    expect(toRecord(message, `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:q`, 'us-east-1')).toEqual({
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body: '{"a":1}',
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1',
        SenderId: 'S',
        ApproximateFirstReceiveTimestamp: '3',
      },
      messageAttributes: {
        total: { stringValue: '150', stringListValues: [], binaryListValues: [], dataType: 'Number' },
      },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:q`,
      awsRegion: 'us-east-1',
    });
  });

  it('treats null/empty responses as success and a malformed one as a whole-batch failure', () => {
    const batch = [message, { ...message, MessageId: 'm-2' }];
    expect([...failuresFrom(null, batch)]).toEqual([]);
    expect([...failuresFrom({}, batch)]).toEqual([]);
    expect([...failuresFrom({ batchItemFailures: [] }, batch)]).toEqual([]);
    expect([...failuresFrom({ batchItemFailures: [{ itemIdentifier: 'm-2' }] }, batch)]).toEqual(['m-2']);
    for (const malformed of [
      'ok',
      [],
      { batchItemFailures: 'm-1' },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ id: 'm-1' }] },
      { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] },
    ]) {
      expect([...failuresFrom(malformed, batch)], JSON.stringify(malformed)).toEqual(['m-1', 'm-2']);
    }
  });
});
