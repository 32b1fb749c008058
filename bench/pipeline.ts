/**
 * Benchmark of the embedded runtime (`node --import tsx bench/pipeline.ts [--orders 1000]`):
 * publish → processed latency per service over paced orders, end-to-end throughput of a burst
 * through all four consumers, and — in the same process and run — the emulators' raw rates
 * (publish with the same fan-out, receive+delete, DynamoDB conditional put), so the pipeline's cost
 * is reported as a ratio. Figures are printed as a markdown table, never asserted.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, PublishBatchCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Command } from 'commander';
import type { OutputLine } from '../infra/local/function-host.ts';
import { type LocalRuntime, startLocalRuntime, synthIfStale } from '../infra/local/local-runtime.ts';
import { buildOrderPlaced, type OrderPlaced } from '../lambdas/shared/contract.ts';
import { publishOrderPlaced } from '../lambdas/shared/publisher.ts';

const SERVICES = ['email', 'inventory', 'analytics', 'high-value'] as const;

const options = new Command()
  .option('--orders <n>', 'paced orders for the latency run', (v) => Number.parseInt(v, 10), 1000)
  .option('--rate <n>', 'publish rate of the latency run (orders/s)', (v) => Number.parseInt(v, 10), 50)
  .option('--burst <n>', 'orders of the throughput run', (v) => Number.parseInt(v, 10), 1000)
  .option(
    '--raw <n>',
    'messages / items of each raw emulator measurement',
    (v) => Number.parseInt(v, 10),
    5000,
  )
  .parse()
  .opts<{ orders: number; rate: number; burst: number; raw: number }>();

/** processed-at (epoch ms, from the function's own log timestamp) per service and eventId. */
const processedAt = new Map<string, number>();

function onOutput(line: OutputLine): void {
  if (!line.line.startsWith('{') || !line.line.includes('"processed"')) return;
  try {
    const log = JSON.parse(line.line) as {
      message?: string;
      service?: string;
      eventId?: string;
      timestamp?: string;
    };
    if (log.message === 'processed' && log.eventId !== undefined && log.timestamp !== undefined) {
      processedAt.set(`${log.service}:${log.eventId}`, Date.parse(log.timestamp));
    }
  } catch {
    // not a log line of ours
  }
}

/** A high-value order (total >= 100) so that every one of the four services receives it. */
function order(): OrderPlaced {
  return buildOrderPlaced(
    {
      orderId: `bench-${randomUUID()}`,
      customerId: 'bench',
      email: 'bench@example.com',
      items: [{ sku: 'SKU-BENCH', quantity: 1, unitPrice: 150 }],
      total: 150,
      currency: 'EUR',
      shippingAddress: { line1: '1 Bench St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
    },
    { source: 'bench' },
  );
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitProcessed(events: readonly OrderPlaced[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (events.every((e) => SERVICES.every((s) => processedAt.has(`${s}:${e.eventId}`)))) return true;
    await sleep(50);
  }
  return false;
}

async function latencyRun(runtime: LocalRuntime, sns: SNSClient) {
  const topicArn = runtime.outputs.TopicArn ?? '';
  const published = new Map<string, number>();
  const events: OrderPlaced[] = [];
  const tick = 100;
  const perTick = Math.max(1, Math.round((options.rate * tick) / 1000));
  const started = Date.now();
  for (let sent = 0; sent < options.orders; sent += perTick) {
    const chunk = Array.from({ length: Math.min(perTick, options.orders - sent) }, order);
    const at = Date.now();
    await publishOrderPlaced(sns, topicArn, chunk);
    for (const e of chunk) published.set(e.eventId, at);
    events.push(...chunk);
    const next = started + ((sent + perTick) / perTick) * tick;
    await sleep(Math.max(0, next - Date.now()));
  }
  const complete = await waitProcessed(events, 120_000);
  const latency: Record<string, { p50: number; p99: number; n: number }> = {};
  for (const s of SERVICES) {
    const values = events.flatMap((e) => {
      const done = processedAt.get(`${s}:${e.eventId}`);
      const at = published.get(e.eventId);
      return done === undefined || at === undefined ? [] : [done - at];
    });
    latency[s] = { p50: percentile(values, 50), p99: percentile(values, 99), n: values.length };
  }
  return { latency, complete };
}

async function throughputRun(runtime: LocalRuntime, sns: SNSClient) {
  const topicArn = runtime.outputs.TopicArn ?? '';
  const events = Array.from({ length: options.burst }, order);
  const started = Date.now();
  const chunks: OrderPlaced[][] = [];
  for (let i = 0; i < events.length; i += 100) chunks.push(events.slice(i, i + 100));
  await Promise.all(chunks.map((c) => publishOrderPlaced(sns, topicArn, c)));
  const publishedMs = Date.now() - started;
  const complete = await waitProcessed(events, 300_000);
  const last = Math.max(
    ...events.flatMap((e) => SERVICES.map((s) => processedAt.get(`${s}:${e.eventId}`) ?? 0)),
  );
  const seconds = (last - started) / 1000;
  return { orders: events.length, seconds, publishedMs, complete };
}

async function rawRates(runtime: LocalRuntime) {
  const sns = new SNSClient(runtime.emulators.clientConfig('sns'));
  const sqs = new SQSClient(runtime.emulators.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(runtime.emulators.clientConfig('dynamodb'));
  try {
    // Same shape as the stack: one topic, four raw subscriptions.
    const topic = await sns.send(new CreateTopicCommand({ Name: `bench-raw-${randomUUID().slice(0, 8)}` }));
    const queues: string[] = [];
    for (let i = 0; i < SERVICES.length; i++) {
      const q = await sqs.send(
        new CreateQueueCommand({ QueueName: `bench-raw-${i}-${randomUUID().slice(0, 8)}` }),
      );
      const url = q.QueueUrl ?? '';
      const arn = (
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
      ).Attributes?.QueueArn;
      await sns.send(
        new SubscribeCommand({
          TopicArn: topic.TopicArn,
          Protocol: 'sqs',
          Endpoint: arn,
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );
      queues.push(url);
    }
    const body = JSON.stringify(order());
    let t = Date.now();
    const batches = Math.ceil(options.raw / 10);
    const pending = Array.from({ length: batches }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let b = pending.shift(); b !== undefined; b = pending.shift()) {
          await sns.send(
            new PublishBatchCommand({
              TopicArn: topic.TopicArn,
              PublishBatchRequestEntries: Array.from({ length: 10 }, (_, i) => ({
                Id: `${b}-${i}`,
                Message: body,
              })),
            }),
          );
        }
      }),
    );
    const publishRate = (batches * 10) / ((Date.now() - t) / 1000);

    t = Date.now();
    let received = 0;
    await Promise.all(
      queues.map(async (url) => {
        for (;;) {
          const out = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
          );
          const messages = out.Messages ?? [];
          if (messages.length === 0) return;
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
          received += messages.length;
        }
      }),
    );
    const receiveDeleteRate = received / ((Date.now() - t) / 1000);

    const table = `bench-raw-${randomUUID().slice(0, 8)}`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await waitUntilTableExists(
      { client: dynamodb, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
      { TableName: table },
    );
    t = Date.now();
    const keys = Array.from({ length: options.raw }, (_, i) => i);
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let k = keys.shift(); k !== undefined; k = keys.shift()) {
          try {
            await dynamodb.send(
              new PutItemCommand({
                TableName: table,
                Item: { id: { S: `k${k}` }, status: { S: 'COMPLETED' } },
                ConditionExpression: 'attribute_not_exists(id)',
              }),
            );
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            conflicts++;
          }
        }
      }),
    );
    const putRate = options.raw / ((Date.now() - t) / 1000);
    return {
      publishRate,
      deliveriesPerPublish: SERVICES.length,
      receiveDeleteRate,
      received,
      putRate,
      conflicts,
    };
  } finally {
    sns.destroy();
    sqs.destroy();
    dynamodb.destroy();
  }
}

async function main(): Promise<void> {
  synthIfStale('cdk.out', (line) => console.log(line));
  const runtime = await startLocalRuntime({ outputsFile: false, waitTimeSeconds: 2, echo: onOutput });
  const sns = new SNSClient(runtime.emulators.clientConfig('sns'));
  try {
    console.log(`machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, node ${process.version}`);
    console.log(`latency run: ${options.orders} orders at ${options.rate}/s …`);
    const latency = await latencyRun(runtime, sns);
    console.log(`throughput run: burst of ${options.burst} orders …`);
    const throughput = await throughputRun(runtime, sns);
    console.log(`raw emulator rates (${options.raw} each) …`);
    const raw = await rawRates(runtime);

    const windows = Object.fromEntries(
      runtime.deployment.eventSourceMappings.map((m) => {
        const fn = runtime.deployment.functions.find((f) => f.logicalId === m.functionLogicalId);
        return [fn?.environment.SERVICE_NAME ?? m.logicalId, m];
      }),
    );
    console.log('\n### publish → processed latency (real runner, real bundles)\n');
    console.log('| service | batch size | batching window | p50 ms | p99 ms | orders |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const s of SERVICES) {
      const l = latency.latency[s];
      const m = windows[s];
      console.log(
        `| ${s} | ${m?.batchSize ?? '?'} | ${m?.maximumBatchingWindowInSeconds ?? '?'} s | ${l?.p50.toFixed(0)} | ${l?.p99.toFixed(0)} | ${l?.n} |`,
      );
    }
    const ordersPerSecond = throughput.orders / throughput.seconds;
    const deliveriesPerSecond = ordersPerSecond * SERVICES.length;
    console.log('\n### throughput\n');
    console.log('| measurement | rate | note |');
    console.log('|---|---:|---|');
    console.log(
      `| pipeline, end to end (4 consumers) | ${ordersPerSecond.toFixed(0)} orders/s = ${deliveriesPerSecond.toFixed(0)} deliveries/s | ${throughput.orders} orders in ${throughput.seconds.toFixed(1)} s${throughput.complete ? '' : ' (INCOMPLETE)'} |`,
    );
    console.log(
      `| emulator: SNS PublishBatch, 4-way raw fan-out | ${raw.publishRate.toFixed(0)} msg/s = ${(raw.publishRate * raw.deliveriesPerPublish).toFixed(0)} deliveries/s | 8 concurrent publishers |`,
    );
    console.log(
      `| emulator: SQS receive(10) + delete batch | ${raw.receiveDeleteRate.toFixed(0)} msg/s | 4 queues in parallel |`,
    );
    console.log(
      `| emulator: DynamoDB conditional put | ${raw.putRate.toFixed(0)} ops/s | 8 concurrent, attribute_not_exists |`,
    );
    console.log('\n### pipeline cost as a ratio of the raw emulator rates\n');
    console.log('| ratio | value |');
    console.log('|---|---:|');
    console.log(
      `| pipeline orders/s ÷ raw publish msg/s | ${(ordersPerSecond / raw.publishRate).toFixed(3)} |`,
    );
    console.log(
      `| pipeline deliveries/s ÷ raw receive+delete msg/s | ${(deliveriesPerSecond / raw.receiveDeleteRate).toFixed(3)} |`,
    );
    console.log(
      `| pipeline deliveries/s ÷ raw conditional puts/s (each delivery does ≥ 2 conditional writes: idempotency + effect) | ${(deliveriesPerSecond / raw.putRate).toFixed(3)} |`,
    );
    if (!latency.complete)
      console.log('\nlatency run did not complete: some orders were not processed within 120 s');
  } finally {
    sns.destroy();
    await runtime.stop();
  }
}

await main();
