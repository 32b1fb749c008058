/**
 * The local runner against a tiny synthetic function (its own asset file, no test hooks in the
 * project's handlers): Lambda-like context and environment, partial batch failures left for
 * redelivery, a timed-out invocation terminated with its whole batch back, and both ending in the
 * DLQ through the queue's own redrive policy.
 */
import { rmSync } from 'node:fs';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployLocal, type LocalDeployment } from '../../infra/local/deployer.ts';
import { type Emulators, startEmulators } from '../../infra/local/emulators.ts';
import { LocalRunner } from '../../infra/local/runner.ts';
import { writeAssembly } from './helpers/assembly.ts';
import { drainVisible, eventually } from './helpers/observe.ts';
import { targetKind } from './helpers/target.ts';

const HANDLER = `
export const handler = async (event, context) => {
  const bodies = event.Records.map((r) => r.body);
  if (bodies.includes('hang')) await new Promise((resolve) => setTimeout(resolve, 60_000));
  if (bodies.includes('throw')) throw new Error('boom');
  console.log(JSON.stringify({
    seen: bodies,
    functionName: context.functionName,
    arn: context.invokedFunctionArn,
    memory: context.memoryLimitInMB,
    remaining: context.getRemainingTimeInMillis(),
    requestId: context.awsRequestId,
    env: { GREETING: process.env.GREETING, SQS: process.env.AWS_ENDPOINT_URL_SQS, NAME: process.env.AWS_LAMBDA_FUNCTION_NAME, HOME: process.env.HOME ?? null },
    record: event.Records[0],
  }));
  return { batchItemFailures: event.Records.filter((r) => r.body.startsWith('fail')).map((r) => ({ itemIdentifier: r.messageId })) };
};
`;

const TEMPLATE = {
  Resources: {
    Dlq: { Type: 'AWS::SQS::Queue' },
    Work: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        VisibilityTimeout: 2,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 2 },
      },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Timeout: 1,
        MemorySize: 512,
        Environment: { Variables: { GREETING: 'hello' } },
      },
      Metadata: { 'aws:asset:path': 'asset.fn', 'aws:asset:property': 'Code' },
    },
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['Work', 'Arn'] },
        FunctionName: { Ref: 'Fn' },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      },
    },
    BatchDlq: { Type: 'AWS::SQS::Queue' },
    Batched: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        VisibilityTimeout: 2,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['BatchDlq', 'Arn'] }, maxReceiveCount: 2 },
      },
    },
    BatchMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['Batched', 'Arn'] },
        FunctionName: { Ref: 'Fn' },
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      },
    },
  },
};

let emulators: Emulators;
let deployment: LocalDeployment;
let runner: LocalRunner;
let dir: string;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  dir = writeAssembly(TEMPLATE, 'Runner', { 'asset.fn': HANDLER });
  emulators = await startEmulators({ dynamodb: false });
  deployment = await deployLocal(emulators, { stackName: 'Runner', assemblyDir: dir, outputsFile: false });
  runner = new LocalRunner(deployment, emulators, {
    waitTimeSeconds: 1,
    echo: (l) => {
      if (l.line.startsWith('{"seen"')) lines.push(JSON.parse(l.line) as Record<string, unknown>);
    },
  });
  runner.startAll();
});

afterAll(async () => {
  await runner?.close();
  await emulators?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(targetKind() !== 'embedded')(
  'local runner (embedded runtime only: LocalStack deploys with cdklocal and runs its own Lambdas)',
  () => {
    it('invokes with a Lambda-like context and only the function + emulator environment', async () => {
      const sqs = new SQSClient(emulators.clientConfig('sqs'));
      const queue = deployment.queues.find((q) => q.logicalId === 'Work');
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue?.url,
          MessageBody: 'ok',
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'plain' } },
        }),
      );
      sqs.destroy();
      const [line] = await eventually(
        async () => lines.filter((l) => (l.seen as string[])[0] === 'ok'),
        (l) => l.length > 0,
        {
          what: 'invocation',
        },
      );
      const fn = deployment.functions[0];
      expect(line).toMatchObject({
        functionName: fn?.name,
        arn: fn?.arn,
        memory: '512',
        env: { GREETING: 'hello', SQS: emulators.endpoints.sqs, NAME: fn?.name, HOME: null },
        record: {
          body: 'ok',
          eventSource: 'aws:sqs',
          eventSourceARN: queue?.arn,
          awsRegion: 'us-east-1',
          attributes: { ApproximateReceiveCount: '1' },
          messageAttributes: {
            kind: { stringValue: 'plain', stringListValues: [], binaryListValues: [], dataType: 'String' },
          },
        },
      });
      expect(line?.remaining).toBeGreaterThan(0);
      expect(line?.remaining).toBeLessThanOrEqual(1000);
    });

    it('leaves reported failures, thrown errors and timed-out batches to the queue, which moves them to the DLQ', async () => {
      const sqs = new SQSClient(emulators.clientConfig('sqs'));
      const queue = deployment.queues.find((q) => q.logicalId === 'Work');
      for (const body of ['fail', 'throw', 'hang']) {
        await sqs.send(new SendMessageCommand({ QueueUrl: queue?.url, MessageBody: body }));
      }
      sqs.destroy();
      const dlq = deployment.queues.find((q) => q.logicalId === 'Dlq')?.url ?? '';
      const target = { sqs: new SQSClient(emulators.clientConfig('sqs')) };
      const parked: string[] = [];
      await eventually(
        async () => {
          parked.push(...(await drainVisible(target, dlq, 60)).map((m) => m.Body ?? ''));
          return [...parked].sort();
        },
        (bodies) => bodies.length >= 3,
        { what: 'DLQ', timeoutMs: 25_000, intervalMs: 250 },
      );
      target.sqs.destroy();
      expect(parked.sort()).toEqual(['fail', 'hang', 'throw']);
      const stats = runner.stats().Mapping;
      expect(stats?.timeouts).toBeGreaterThanOrEqual(2);
      expect(stats?.itemFailures).toBeGreaterThanOrEqual(2);
      expect(stats?.failedBatches).toBeGreaterThanOrEqual(4);
    }, 40_000);

    it('deletes the successes of a partial batch response; only the reported failure comes back and reaches the DLQ', async () => {
      const sqs = new SQSClient(emulators.clientConfig('sqs'));
      const queue = deployment.queues.find((q) => q.logicalId === 'Batched');
      const bodies = ['batch-ok-1', 'fail-batch', 'batch-ok-2'];
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue?.url,
          Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })),
        }),
      );
      const dlq = deployment.queues.find((q) => q.logicalId === 'BatchDlq')?.url ?? '';
      const parked: string[] = [];
      await eventually(
        async () => {
          parked.push(...(await drainVisible({ sqs }, dlq, 60)).map((m) => m.Body ?? ''));
          return parked;
        },
        (found) => found.includes('fail-batch'),
        { what: 'failed record in the DLQ', timeoutMs: 25_000, intervalMs: 250 },
      );
      sqs.destroy();
      // The reported failure was redelivered up to maxReceiveCount; by then an undeleted success
      // would have come back (and been parked) too.
      const invocations = lines
        .map((l) => l.seen as string[])
        .filter((seen) => seen.some((b) => bodies.includes(b)));
      expect(invocations.filter((seen) => seen.includes('fail-batch'))).toHaveLength(2);
      // The batching window gathered the three messages into one invocation.
      expect(invocations[0]?.slice().sort()).toEqual([...bodies].sort());
      for (const ok of ['batch-ok-1', 'batch-ok-2']) {
        expect(
          invocations.filter((seen) => seen.includes(ok)),
          ok,
        ).toHaveLength(1);
      }
      expect(parked).toEqual(['fail-batch']);
      expect(runner.stats().BatchMapping).toMatchObject({ itemFailures: 2, failedBatches: 0 });
    }, 40_000);
  },
);
