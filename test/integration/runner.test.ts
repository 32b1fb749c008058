/**
 * The local runner against a tiny synthetic function (its own asset file, no test hooks in the
 * project's handlers): Lambda-like context and environment, partial batch failures left for
 * redelivery, a timed-out invocation terminated with its whole batch back, all ending in the DLQ
 * through the queue's own redrive policy, and the batching window holding a batch open.
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { deployLocal } from '../../local/deploy/deploy-local.ts';
import type { LocalDeployment } from '../../local/deploy/deployment.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { defaultMaxConcurrencyPerMapping, LocalRunner } from '../../local/runner.ts';
import { writeAssembly } from './helpers/assembly.ts';
import { DEFAULT_DEADLINE_MS, drainVisible, eventually } from './helpers/observe.ts';
import { targetKind } from './helpers/target.ts';

const HANDLER = `
import { threadId } from 'node:worker_threads';
export const handler = async (event, context) => {
  const bodies = event.Records.map((r) => r.body);
  if (bodies.includes('hang')) await new Promise((resolve) => setTimeout(resolve, 60_000));
  if (bodies.some((b) => b.startsWith('wide-'))) await new Promise((resolve) => setTimeout(resolve, 200));
  if (bodies.includes('throw')) throw new Error('boom');
  console.log(JSON.stringify({
    seen: bodies,
    threadId,
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

/** A queue whose DLQ receives a message after its second receive. */
const queueWithDlq = (dlq: string, visibilityTimeout: number) => ({
  Type: 'AWS::SQS::Queue',
  Properties: {
    VisibilityTimeout: visibilityTimeout,
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 2 },
  },
});

const fn = (timeout: number) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    Handler: 'index.handler',
    Runtime: 'nodejs24.x',
    Timeout: timeout,
    MemorySize: 512,
    Environment: { Variables: { GREETING: 'hello' } },
  },
  Metadata: { 'aws:asset:path': 'asset.fn', 'aws:asset:property': 'Code' },
});

const mapping = (queue: string, fnId: string, extra: Record<string, unknown>) => ({
  Type: 'AWS::Lambda::EventSourceMapping',
  Properties: {
    EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
    FunctionName: { Ref: fnId },
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    ...extra,
  },
});

// Each behaviour has its own queue, so every count below is exact: a 'fail' and a 'hang' in one
// batch would fail together (the timeout takes the whole batch back) and 'fail' would never be
// reported as an item failure. Fn's timeout is generous, so only 'hang' (on HangFn) ever times out.
// Visibility timeouts of 5 s leave a loaded machine time to finish a batch before it comes back.
const TEMPLATE = {
  Resources: {
    Dlq: { Type: 'AWS::SQS::Queue' },
    Work: queueWithDlq('Dlq', 5),
    Fn: fn(30),
    Mapping: mapping('Work', 'Fn', { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } }),
    HangDlq: { Type: 'AWS::SQS::Queue' },
    Slow: queueWithDlq('HangDlq', 2),
    HangFn: fn(1),
    // No ScalingConfig: the runner's defaultConcurrency (1 below) applies.
    HangMapping: mapping('Slow', 'HangFn', { BatchSize: 1 }),
    BatchDlq: { Type: 'AWS::SQS::Queue' },
    Batched: queueWithDlq('BatchDlq', 5),
    BatchMapping: mapping('Batched', 'Fn', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 2 },
    }),
    Windowed: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 600 } },
    // One poller (no ScalingConfig), a batch of two, and the longest window Lambda allows: the
    // first message waits for the second; only a full batch (or 5 minutes) ends the window.
    WindowMapping: mapping('Windowed', 'Fn', { BatchSize: 2, MaximumBatchingWindowInSeconds: 300 }),
    Wide: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 600 } },
    WideFn: fn(30),
    // A MaximumConcurrency above any machine here: the runner's default cap bounds the batches.
    WideMapping: mapping('Wide', 'WideFn', { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 50 } }),
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
    defaultConcurrency: 1,
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

/** expect.poll options: a hang guard, as generous as the rest of the suite's. */
const POLL = { timeout: DEFAULT_DEADLINE_MS, interval: 100 };

function queueUrl(logicalId: string): string {
  const url = deployment.queues.find((q) => q.logicalId === logicalId)?.url;
  if (url === undefined) throw new Error(`no queue ${logicalId}`);
  return url;
}

async function send(logicalId: string, bodies: readonly string[]): Promise<void> {
  const sqs = new SQSClient(emulators.clientConfig('sqs'));
  try {
    for (const body of bodies) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(logicalId), MessageBody: body }));
    }
  } finally {
    sqs.destroy();
  }
}

/** Bodies the DLQ `logicalId` received, once it holds `count` (sorted). */
async function parkedIn(logicalId: string, count: number): Promise<string[]> {
  const sqs = new SQSClient(emulators.clientConfig('sqs'));
  const parked: string[] = [];
  try {
    await eventually(
      async () => {
        parked.push(...(await drainVisible({ sqs }, queueUrl(logicalId), 60)).map((m) => m.Body ?? ''));
        return parked;
      },
      (bodies) => bodies.length >= count,
      { what: `${logicalId} holding ${count}`, intervalMs: 250 },
    );
  } finally {
    sqs.destroy();
  }
  return parked.sort();
}

/** The bodies of every invocation that included `body`, in invocation order. */
function invocationsWith(body: string): string[][] {
  return lines.map((l) => l.seen as string[]).filter((seen) => seen.includes(body));
}

// Every test has its own queue(s), so they run side by side.
describe.skipIf(targetKind() !== 'embedded')(
  'local runner (embedded runtime only: LocalStack deploys with cdklocal and runs its own Lambdas)',
  { concurrent: true },
  () => {
    it('invokes with a Lambda-like context and only the function + emulator environment', async ({
      expect,
    }) => {
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
      const fn = deployment.functions.find((f) => f.logicalId === 'Fn');
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
      expect(line?.remaining).toBeLessThanOrEqual(30_000);
    });

    it('leaves reported failures and thrown errors to the queue, which moves them to the DLQ after maxReceiveCount', async ({
      expect,
    }) => {
      await send('Work', ['fail', 'throw']);
      expect(await parkedIn('Dlq', 2)).toEqual(['fail', 'throw']);
      // Counted when each invocation returns, which may be after the queue moved the message.
      await expect
        .poll(() => runner.stats().Mapping, POLL)
        .toMatchObject({ itemFailures: 2, failedBatches: 2, timeouts: 0 });
    });

    it('terminates a timed-out invocation and leaves its batch to the queue, which moves it to the DLQ', async ({
      expect,
    }) => {
      await send('Slow', ['hang']);
      expect(await parkedIn('HangDlq', 1)).toEqual(['hang']);
      await expect
        .poll(() => runner.stats().HangMapping, POLL)
        .toMatchObject({ timeouts: 2, failedBatches: 2, itemFailures: 0, deleted: 0 });
    });

    it('holds a batch open for MaximumBatchingWindowInSeconds until it is full', async ({ expect }) => {
      const url = queueUrl('Windowed');
      await send('Windowed', ['window-1']);
      // The poller has taken the first message (it is in flight, not yet invoked)...
      const sqs = new SQSClient(emulators.clientConfig('sqs'));
      await expect
        .poll(async () => {
          const out = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: url,
              AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          return out.Attributes?.ApproximateNumberOfMessagesNotVisible;
        }, POLL)
        .toBe('1');
      sqs.destroy();
      // While the window is open on a quiet queue, the poller long-polls (1 s here, the runner's
      // waitTimeSeconds) instead of short-polling every 50 ms: at most one empty receive per second
      // of waiting, plus the one in flight. A loaded machine only makes each poll longer.
      const before = runner.stats().WindowMapping?.emptyReceives ?? 0;
      const held = Date.now();
      await sleep(3000);
      const emptyWhileHeld = (runner.stats().WindowMapping?.emptyReceives ?? 0) - before;
      expect(emptyWhileHeld).toBeLessThanOrEqual(Math.ceil((Date.now() - held) / 1000) + 1);
      // ...and, the window being open, the second one joins the same invocation.
      await send('Windowed', ['window-2']);
      await expect.poll(() => invocationsWith('window-1').length, POLL).toBeGreaterThan(0);
      expect(invocationsWith('window-1')[0]?.slice().sort()).toEqual(['window-1', 'window-2']);
      expect(invocationsWith('window-2')).toHaveLength(1);
    });

    it('runs at most one sandbox per core for a mapping whose MaximumConcurrency is far above it (default cap)', async ({
      expect,
    }) => {
      const sqs = new SQSClient(emulators.clientConfig('sqs'));
      const bodies = Array.from({ length: 30 }, (_, i) => `wide-${i}`);
      // All at once, so 50 uncapped pollers would take one each and start a sandbox per message.
      for (let i = 0; i < bodies.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl('Wide'),
            Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })),
          }),
        );
      }
      sqs.destroy();
      const wide = () => lines.filter((l) => (l.seen as string[])[0]?.startsWith('wide-'));
      await expect.poll(() => wide().length, POLL).toBe(bodies.length);
      const sandboxes = new Set(wide().map((l) => l.threadId));
      expect(sandboxes.size).toBeGreaterThan(0);
      expect(sandboxes.size).toBeLessThanOrEqual(defaultMaxConcurrencyPerMapping());
      await expect.poll(() => runner.stats().WideMapping, POLL).toMatchObject({ deleted: bodies.length });
    });

    it('prewarm initializes one sandbox per poller of each function before any event', async ({ expect }) => {
      // A runner of its own (never started): the shared one's sandboxes come and go with the other tests.
      const fresh = new LocalRunner(deployment, emulators, { waitTimeSeconds: 1, defaultConcurrency: 1 });
      try {
        const report = await fresh.prewarm();
        expect(Object.fromEntries(Object.entries(report).map(([id, inits]) => [id, inits.length]))).toEqual({
          // Mapping (2) + BatchMapping (2) + WindowMapping (defaultConcurrency 1)
          Fn: 5,
          HangFn: 1,
          WideFn: defaultMaxConcurrencyPerMapping(),
        });
      } finally {
        await fresh.close();
      }
    });

    it('deletes the successes of a partial batch response; only the reported failure comes back and reaches the DLQ', async ({
      expect,
    }) => {
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
        { what: 'failed record in the DLQ', intervalMs: 250 },
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
      await expect
        .poll(() => runner.stats().BatchMapping, POLL)
        .toMatchObject({ itemFailures: 2, failedBatches: 0 });
    });
  },
);
