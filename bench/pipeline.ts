/**
 * Benchmark of the embedded runtime and what the pattern costs on AWS (`npm run bench`).
 *
 * Phases, on one fresh runtime whose emulators count every call they answer:
 * 1. cold: one order on fresh sandboxes (cold start, reported apart), then the pre-warm of every
 *    other sandbox the pollers may use (their inits reported apart; `--no-prewarm` skips it);
 * 2. steady: `--orders` orders at `--rate`/s (PublishBatch per 100 ms tick): warm p50/p99 latency;
 * 3. api: `--api-orders` orders through POST /orders (API → order API function → SNS Publish);
 * 4. burst: `--burst` orders published at once: orders/s and CPU ms per order;
 * 5. raw emulator rates (`--raw`, 0 skips).
 * Requests per order per service come from the emulators' call observer, invocations and durations
 * from the function hosts, log bytes from what the functions print; cost per million orders from
 * those counts and bench/aws-prices.ts. Figures are printed as markdown, never asserted.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, PublishBatchCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { Command } from 'commander';
import { synthIfStale } from '../cli/synth.ts';
import { SERVICES as SERVICE_CONFIGS } from '../infra/config.ts';
import { buildOrderPlaced, type OrderPlaced } from '../lambdas/shared/contract.ts';
import { publishOrderPlaced, toPublishInput } from '../lambdas/shared/publisher.ts';
import type { ObservedCall } from '../local/call-observer.ts';
import { waitForLocalTable } from '../local/emulators.ts';
import type { OutputLine } from '../local/function-host.ts';
import { type LocalRuntime, startLocalRuntime } from '../local/local-runtime.ts';
import { EVENT_SOURCE_MAPPING_CALLER } from '../local/runner.ts';
import {
  ASSUMED_AWS_API_MS,
  ASSUMED_AWS_BATCH_MS,
  ASSUMED_SNS_DATA_KEY_REUSE_SECONDS,
  assumedAwsDurationMs,
  IDLE_POLLERS_PER_MAPPING,
  LONG_POLL_SECONDS,
  PLATFORM_LOG_BYTES_PER_INVOCATION,
} from './assumptions.ts';
import { AWS_PRICES, PRICES_CHECKED_ON, PRICES_REGION } from './aws-prices.ts';
import {
  costPerMillionOrders,
  fixedMonthlyCost,
  itemSizeBytes,
  MONTH_SECONDS,
  quantity,
  sqsKmsRequestsPerMonth,
  type Usage,
  usd,
  type WireAttributeValue,
} from './cost.ts';
import { type ItemBytesOf, UsageMeter } from './meter.ts';
import { highValueOrderInput } from './orders.ts';
import { consumerSettings, fixedResources, type TemplateLike } from './stack-settings.ts';

const SERVICES = SERVICE_CONFIGS.map((s) => s.name);
/** Caller of the harness's own clients (LOCAL_CREDENTIALS in local/emulators.ts). */
const HARNESS_CALLER = 'test';

const integer = (v: string) => Number.parseInt(v, 10);
const options = new Command()
  .option('--warmup <s>', 'seconds at the steady rate before measuring, not counted (0: none)', integer, 3)
  .option('--orders <n>', 'paced orders of the steady (latency) phase', integer, 1000)
  .option('--rate <n>', 'publish rate of the steady phase (orders/s)', integer, 50)
  .option('--api-orders <n>', 'orders placed through POST /orders (0 skips)', integer, 200)
  .option('--api-rate <n>', 'rate of the API phase (orders/s)', integer, 20)
  .option('--burst <n>', 'orders of the burst (throughput) phase', integer, 1000)
  .option('--raw <n>', 'messages / items of each raw emulator measurement (0 skips)', integer, 5000)
  .option('--no-prewarm', 'leave sandboxes to start on demand after the cold order (no pre-warm)')
  .parse()
  .opts<{
    warmup: number;
    orders: number;
    rate: number;
    apiOrders: number;
    apiRate: number;
    burst: number;
    raw: number;
    prewarm: boolean;
  }>();

/** processed-at (epoch ms, from the function's own log timestamp) per service and eventId. */
const processedAt = new Map<string, number>();
let meter: UsageMeter | undefined;
const sandboxesSeen = new Set<string>();
let serviceOfFunction: (logicalId: string) => string | undefined = () => undefined;

function onOutput(line: OutputLine): void {
  const service = serviceOfFunction(line.functionLogicalId);
  if (service !== undefined) meter?.logLine(service, line.line);
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

function onCall(call: ObservedCall): void {
  if (call.sandbox !== undefined) sandboxesSeen.add(call.sandbox);
  meter?.observe(call);
}

const orderInput = () => highValueOrderInput('bench');
const order = (): OrderPlaced => buildOrderPlaced(orderInput(), { source: 'bench' });

/** Size SNS and SQS bill for one message: body plus attribute names, types and values. */
function messageBytes(topicArn: string): number {
  const input = toPublishInput(topicArn, order());
  const attributes = Object.entries(input.MessageAttributes ?? {}).reduce(
    (sum, [name, v]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(v.DataType ?? '') +
      Buffer.byteLength(v.StringValue ?? ''),
    0,
  );
  return Buffer.byteLength(input.Message ?? '') + attributes;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const servicesOf = (_e: { eventId: string }) => SERVICES;

async function waitProcessed(eventIds: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (eventIds.every((id) => servicesOf({ eventId: id }).every((s) => processedAt.has(`${s}:${id}`)))) {
      return true;
    }
    await sleep(50);
  }
  return false;
}

type Latency = Record<string, { p50: number; p99: number; max: number; n: number }>;

function latencies(published: ReadonlyMap<string, number>): Latency {
  const out: Latency = {};
  for (const s of SERVICES) {
    const values = [...published].flatMap(([eventId, at]) => {
      const done = processedAt.get(`${s}:${eventId}`);
      return done === undefined ? [] : [done - at];
    });
    out[s] = {
      p50: percentile(values, 50),
      p99: percentile(values, 99),
      max: Math.max(...values),
      n: values.length,
    };
  }
  return out;
}

/** One metered phase: what was counted, over how many orders, with CPU and wall time. */
interface Phase {
  readonly name: string;
  readonly orders: number;
  readonly meter: UsageMeter;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly newSandboxes: number;
  readonly complete: boolean;
}

async function metered(
  name: string,
  context: ConstructorParameters<typeof UsageMeter>[0],
  run: () => Promise<{ orders: number; complete: boolean; endedAt?: number }>,
): Promise<Phase> {
  const before = new Set(sandboxesSeen);
  meter = new UsageMeter(context);
  const phaseMeter = meter;
  const cpu = process.cpuUsage();
  const started = Date.now();
  const result = await run();
  const ended = result.endedAt ?? Date.now();
  const used = process.cpuUsage(cpu);
  // Trailing calls (deletes after the last processed log line, long polls) belong to this phase.
  await sleep(2500);
  meter = undefined;
  return {
    name,
    orders: result.orders,
    meter: phaseMeter,
    cpuMs: (used.user + used.system) / 1000,
    wallMs: ended - started,
    newSandboxes: [...sandboxesSeen].filter((s) => !before.has(s)).length,
    complete: result.complete,
  };
}

async function steadyRun(
  runtime: LocalRuntime,
  sns: SNSClient,
  published: Map<string, number>,
  orders = options.orders,
) {
  const topicArn = runtime.outputs.TopicArn ?? '';
  const tick = 100;
  const perTick = Math.max(1, Math.round((options.rate * tick) / 1000));
  const started = Date.now();
  for (let sent = 0; sent < orders; sent += perTick) {
    const chunk = Array.from({ length: Math.min(perTick, orders - sent) }, order);
    const at = Date.now();
    await publishOrderPlaced(sns, topicArn, chunk);
    for (const e of chunk) published.set(e.eventId, at);
    const next = started + ((sent + perTick) / perTick) * tick;
    await sleep(Math.max(0, next - Date.now()));
  }
  const complete = await waitProcessed([...published.keys()], 120_000);
  return { orders: published.size, complete };
}

async function apiRun(runtime: LocalRuntime, published: Map<string, number>) {
  const url = `${(runtime.outputs.OrderApiUrl ?? '').replace(/\/$/, '')}/orders`;
  const interval = 1000 / options.apiRate;
  const started = Date.now();
  const posts: Array<Promise<void>> = [];
  for (let i = 0; i < options.apiOrders; i++) {
    posts.push(
      (async () => {
        const at = Date.now();
        const response = await fetch(url, {
          method: 'POST',
          body: JSON.stringify(orderInput()),
          headers: { 'content-type': 'application/json' },
        });
        const body = (await response.json()) as { eventId?: string };
        if (response.status !== 202 || body.eventId === undefined) {
          throw new Error(`order API answered ${response.status}: ${JSON.stringify(body)}`);
        }
        published.set(body.eventId, at);
      })(),
    );
    await sleep(Math.max(0, started + (i + 1) * interval - Date.now()));
  }
  await Promise.all(posts);
  const complete = await waitProcessed([...published.keys()], 120_000);
  return { orders: published.size, complete };
}

async function burstRun(runtime: LocalRuntime, sns: SNSClient) {
  const topicArn = runtime.outputs.TopicArn ?? '';
  const events = Array.from({ length: options.burst }, order);
  const chunks: OrderPlaced[][] = [];
  for (let i = 0; i < events.length; i += 100) chunks.push(events.slice(i, i + 100));
  await Promise.all(chunks.map((c) => publishOrderPlaced(sns, topicArn, c)));
  const complete = await waitProcessed(
    events.map((e) => e.eventId),
    300_000,
  );
  const endedAt = Math.max(
    ...events.flatMap((e) => SERVICES.map((s) => processedAt.get(`${s}:${e.eventId}`) ?? 0)),
  );
  return { orders: events.length, complete, endedAt };
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
    await waitForLocalTable(dynamodb, table);
    t = Date.now();
    const keys = Array.from({ length: options.raw }, (_, i) => i);
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
          }
        }
      }),
    );
    const putRate = options.raw / ((Date.now() - t) / 1000);
    return { publishRate, receiveDeleteRate, putRate };
  } finally {
    sns.destroy();
    sqs.destroy();
    dynamodb.destroy();
  }
}

/** Largest item of every table of the deployment, by ARN (scanned through the harness's client). */
async function largestItems(runtime: LocalRuntime): Promise<Map<string, number>> {
  const dynamodb = new DynamoDBClient(runtime.emulators.clientConfig('dynamodb'));
  const sizes = new Map<string, number>();
  try {
    for (const table of runtime.deployment.tables) {
      let largest = 0;
      for await (const page of paginateScan({ client: dynamodb }, { TableName: table.name })) {
        for (const item of page.Items ?? []) {
          largest = Math.max(largest, itemSizeBytes(item as unknown as Record<string, WireAttributeValue>));
        }
      }
      sizes.set(table.arn, largest);
    }
  } finally {
    dynamodb.destroy();
  }
  return sizes;
}

/** Replaces each function host's `invoke` with one that reports the invocation to the meter. */
function instrumentInvocations(runtime: LocalRuntime): void {
  for (const fn of runtime.deployment.functions) {
    const service = serviceOfFunction(fn.logicalId) ?? fn.logicalId;
    const host = runtime.runner.host(fn.logicalId);
    const invoke = host.invoke.bind(host);
    host.invoke = async (event: unknown) => {
      const result = await invoke(event);
      const records = (event as Partial<SQSEvent>).Records?.length ?? 1;
      meter?.invocation(service, fn.memoryMb, result.durationMs, records);
      return result;
    };
  }
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

function printRequests(phases: readonly Phase[], itemBytes: ItemBytesOf): void {
  console.log('\n### Requests per order, counted at the emulators\n');
  console.log(
    "Per order of the phase; `producer` is the bench publishing (PublishBatch of up to 10), `order-api` the API path (one Publish per order). DynamoDB units: every item at its table's largest item size, transactions at 2×, reads as strongly consistent (upper bounds).\n",
  );
  console.log(
    '| phase | service | SNS publish | SQS receive | SQS delete | SQS send | SQS other | Lambda invocations | mean duration ms | DynamoDB calls | DynamoDB items written (in transactions) | write units | read units | log bytes |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|');
  for (const phase of phases) {
    const per = (n: number) => quantity(n / phase.orders);
    for (const [service, c] of [...phase.meter.byService].sort(([a], [b]) => a.localeCompare(b))) {
      const sum = (o: Record<string, number>, keys?: string[]) =>
        Object.entries(o)
          .filter(([k]) => keys === undefined || keys.includes(k))
          .reduce((s, [, v]) => s + v, 0);
      const other =
        sum(c.sqs) -
        sum(c.sqs, [
          'ReceiveMessage',
          'DeleteMessage',
          'DeleteMessageBatch',
          'SendMessage',
          'SendMessageBatch',
        ]);
      const dynamodbCalls = Object.entries(c.dynamodb)
        .map(([action, n]) => `${action} ${per(n)}`)
        .join(', ');
      const items = [...c.items.values()].reduce(
        (a, i) => ({ w: a.w + i.write + i.transactWrite, t: a.t + i.transactWrite }),
        { w: 0, t: 0 },
      );
      const units = UsageMeter.units(c, itemBytes);
      console.log(
        `| ${phase.name} | ${service} | ${per(sum(c.sns))} | ${per(c.sqs.ReceiveMessage ?? 0)} | ${per(sum(c.sqs, ['DeleteMessage', 'DeleteMessageBatch']))} | ${per(sum(c.sqs, ['SendMessage', 'SendMessageBatch']))} | ${per(other)} | ${per(c.invocations)} | ${c.invocations > 0 ? fmt(c.durationMs / c.invocations, 1) : '–'} | ${dynamodbCalls || '–'} | ${per(items.w)} (${per(items.t)}) | ${per(units.write)} | ${per(units.read)} | ${per(c.logBytes)} |`,
      );
    }
  }
}

function printCost(title: string, usage: Usage): number {
  const { lines, totalUsd } = costPerMillionOrders(usage);
  console.log(`\n#### ${title}\n`);
  console.log('| item | per order | unit | price | per million orders |');
  console.log('|---|---:|---|---|---:|');
  for (const l of lines) {
    console.log(
      `| ${l.item} | ${quantity(l.perOrder)} | ${l.unit} | $${l.price.usd} per ${l.price.per} | ${usd(l.usdPerMillionOrders)} |`,
    );
  }
  console.log(`| **total** | | | | **${usd(totalUsd)}** |`);
  const local = usage.lambdaGbSecondsLocal ?? 0;
  console.log(
    `\nLambda duration as measured on the embedded runtime instead: ${quantity(local / usage.orders)} GB-s per order = ${usd((local / usage.orders) * 1e6 * AWS_PRICES.lambdaArmGbSecond.usd)} per million orders (not in the total: another CPU, no network, shared cores).`,
  );
  return totalUsd;
}

async function main(): Promise<void> {
  synthIfStale('cdk.out', (line) => console.log(line));
  const runtime = await startLocalRuntime({
    outputsFile: false,
    // Lambda's long poll: receives per order as on AWS (close() aborts the polls in flight).
    waitTimeSeconds: LONG_POLL_SECONDS,
    echo: onOutput,
    // Counted where the calls are answered: no proxy hop adds its CPU to what is measured.
    observers: [onCall],
  });
  const sns = new SNSClient(runtime.emulators.clientConfig('sns'));
  try {
    const { deployment } = runtime;
    const template = JSON.parse(readFileSync(deployment.templatePath, 'utf8')) as TemplateLike;
    const serviceByFunction = new Map(
      deployment.functions.map((f) => [
        f.logicalId,
        f.environment.SERVICE_NAME ?? f.environment.POWERTOOLS_SERVICE_NAME ?? f.logicalId,
      ]),
    );
    serviceOfFunction = (id) => serviceByFunction.get(id);
    const serviceByQueue = new Map(
      deployment.eventSourceMappings.map((m) => [m.queueArn, serviceByFunction.get(m.functionLogicalId)]),
    );
    const context = {
      serviceOfFunction,
      serviceOfQueue: (arn: string) => serviceByQueue.get(arn),
      pollerCaller: EVENT_SOURCE_MAPPING_CALLER,
      harnessCaller: HARNESS_CALLER,
      messageBytes: messageBytes(runtime.outputs.TopicArn ?? ''),
      platformLogBytesPerInvocation: PLATFORM_LOG_BYTES_PER_INVOCATION,
      awsDurationMs: assumedAwsDurationMs,
    };
    instrumentInvocations(runtime);

    const machine = `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, node ${process.version}`;
    console.log(`machine: ${machine}`);
    console.log('cold: one order on fresh sandboxes …');
    const coldPublished = new Map<string, number>();
    const cold = await metered('cold', context, async () => {
      const e = order();
      coldPublished.set(e.eventId, Date.now());
      await publishOrderPlaced(sns, runtime.outputs.TopicArn ?? '', [e]);
      return { orders: 1, complete: await waitProcessed([e.eventId], 60_000) };
    });
    let prewarmed: readonly number[] = [];
    if (options.prewarm) {
      // Every other sandbox the mappings may use starts now, its init measured apart (a cold start
      // each), so no measured phase pays one.
      console.log('pre-warm: initializing the sandboxes of every poller …');
      prewarmed = Object.values(await runtime.runner.prewarm()).flat();
    }
    if (options.warmup > 0) {
      // Sandboxes start as concurrency grows; a short run at the same rate starts them first.
      console.log(`warm-up: ${options.warmup} s at ${options.rate}/s (not counted) …`);
      await steadyRun(runtime, sns, new Map(), options.warmup * options.rate);
    }
    console.log(`steady: ${options.orders} orders at ${options.rate}/s …`);
    const steadyPublished = new Map<string, number>();
    const steady = await metered(`steady ${options.rate}/s`, context, () =>
      steadyRun(runtime, sns, steadyPublished),
    );
    const phases: Phase[] = [steady];
    const apiPublished = new Map<string, number>();
    if (options.apiOrders > 0) {
      console.log(`api: ${options.apiOrders} orders through POST /orders at ${options.apiRate}/s …`);
      phases.push(await metered(`API ${options.apiRate}/s`, context, () => apiRun(runtime, apiPublished)));
    }
    // `--burst 0` skips the phase (a phase of no orders has no per-order figures or cost).
    let burst: Phase | undefined;
    if (options.burst > 0) {
      console.log(`burst: ${options.burst} orders at once …`);
      burst = await metered(`burst ${options.burst}`, context, () => burstRun(runtime, sns));
      phases.push(burst);
    }
    if (options.raw > 0) console.log(`raw emulator rates (${options.raw} each) …`);
    const raw = options.raw > 0 ? await rawRates(runtime) : undefined;
    const sizes = await largestItems(runtime);
    const itemBytes: ItemBytesOf = (arn) => Math.max(1, sizes.get(arn) ?? 1024);

    const mappings = Object.fromEntries(
      deployment.eventSourceMappings.map((m) => [serviceByFunction.get(m.functionLogicalId), m]),
    );
    console.log(
      `\n## Embedded runtime (${machine}; 2 cores shared with other work: figures vary run to run)\n`,
    );
    console.log('### Cold start: the first order on fresh sandboxes\n');
    console.log('| service | publish → processed ms |');
    console.log('|---|---:|');
    const coldLatency = latencies(coldPublished);
    for (const s of SERVICES) console.log(`| ${s} | ${fmt(coldLatency[s]?.p50 ?? Number.NaN)} |`);
    console.log(
      options.prewarm
        ? `\nPre-warmed after the cold order: ${prewarmed.length} more sandboxes (spawn → handler module imported: median ${fmt(percentile([...prewarmed], 50))} ms, max ${fmt(Math.max(...prewarmed))} ms, all at once on the shared cores).`
        : '\nNo pre-warm (--no-prewarm): sandboxes start on demand; see "Sandboxes started during this phase".',
    );

    for (const [title, published, phase] of [
      [
        `steady: ${options.orders} orders at ${options.rate}/s, PublishBatch per 100 ms`,
        steadyPublished,
        steady,
      ],
      ...(options.apiOrders > 0
        ? ([
            [
              `API: ${options.apiOrders} orders through POST /orders at ${options.apiRate}/s (POST → processed)`,
              apiPublished,
              phases[1],
            ],
          ] as const)
        : []),
    ] as const) {
      console.log(`\n### Warm latency, ${title}\n`);
      console.log(
        `Sandboxes started during this phase: ${phase?.newSandboxes ?? 0} (their first invocation includes an init).\n`,
      );
      console.log('| service | batch size | batching window | p50 ms | p99 ms | max ms | orders |');
      console.log('|---|---:|---:|---:|---:|---:|---:|');
      const l = latencies(published);
      for (const s of SERVICES) {
        const m = mappings[s];
        console.log(
          `| ${s} | ${m?.batchSize ?? '?'} | ${m?.maximumBatchingWindowInSeconds ?? '?'} s | ${fmt(l[s]?.p50 ?? Number.NaN)} | ${fmt(l[s]?.p99 ?? Number.NaN)} | ${fmt(l[s]?.max ?? Number.NaN)} | ${l[s]?.n} |`,
        );
      }
    }

    console.log(
      '\n### Throughput and CPU (process.cpuUsage: main thread, emulators and every worker sandbox)\n',
    );
    console.log('| phase | orders | wall s | orders/s | CPU ms per order | cores busy |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const p of [cold, ...phases]) {
      console.log(
        `| ${p.name}${p.complete ? '' : ' (INCOMPLETE)'} | ${p.orders} | ${fmt(p.wallMs / 1000, 1)} | ${fmt(p.orders / (p.wallMs / 1000), 0)} | ${fmt(p.cpuMs / p.orders, 1)} | ${fmt(p.cpuMs / p.wallMs, 2)} |`,
      );
    }
    if (raw !== undefined) {
      console.log('\n### Raw emulator rates (same process, same run)\n');
      console.log('| measurement | rate |');
      console.log('|---|---:|');
      console.log(`| SNS PublishBatch, 4-way raw fan-out | ${fmt(raw.publishRate)} msg/s |`);
      console.log(`| SQS receive(10) + delete batch | ${fmt(raw.receiveDeleteRate)} msg/s |`);
      console.log(`| DynamoDB conditional put | ${fmt(raw.putRate)} ops/s |`);
    }

    printRequests([cold, ...phases], itemBytes);
    const unattributed = Object.entries(burst?.meter.unattributed ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    if (unattributed)
      console.log(`\nNot attributed to an order in the burst (harness, deploy): ${unattributed}`);

    console.log(
      `\n## What it costs on AWS (${PRICES_REGION}, prices of ${PRICES_CHECKED_ON}, bench/aws-prices.ts)\n`,
    );
    console.log(
      `Message size ${context.messageBytes} B (one 64 KB chunk even for a batch of 10). Lambda GB-s = template MemorySize × an assumed AWS duration per invocation (bench/assumptions.ts: ${ASSUMED_AWS_BATCH_MS.fixedMs} ms + ${ASSUMED_AWS_BATCH_MS.perRecordMs} ms per record; order API ${ASSUMED_AWS_API_MS} ms), the locally measured one is printed below each table. SQS receives are the local runner's (Lambda's own pollers are not documented call for call). Free tiers left out.`,
    );
    for (const p of phases)
      printCost(`per million orders, from the ${p.name} phase`, p.meter.usage(p.orders, itemBytes));

    const fixed = fixedResources(template);
    const consumers = consumerSettings(template);
    // SQS formula per queue: producers = SNS on the source queues (1 principal), consumers = the
    // function's role; DLQs only see traffic on failures and are left at 0.
    const sourceQueues = new Set(consumers.map((c) => c.queueLogicalId));
    const kmsQueueRequests = fixed.kmsQueues
      .filter((q) => sourceQueues.has(q.logicalId))
      .reduce((sum, q) => sum + sqsKmsRequestsPerMonth(q.reusePeriodSeconds, 1, 1), 0);
    // SNS documents no reuse period: assumed like SQS's default (300 s), one producing principal.
    const kmsTopicRequests =
      fixed.kmsTopics * sqsKmsRequestsPerMonth(ASSUMED_SNS_DATA_KEY_REUSE_SECONDS, 1, 0);
    const idleReceives = consumers.length * IDLE_POLLERS_PER_MAPPING * (MONTH_SECONDS / LONG_POLL_SECONDS);
    const monthly = fixedMonthlyCost({
      alarmMetrics: fixed.alarmMetrics,
      dashboards: fixed.dashboards,
      kmsKeys: fixed.kmsKeys,
      customMetrics: new Set([cold, ...phases].flatMap((p) => [...p.meter.customMetrics()])).size,
      kmsRequestsPerMonth: kmsQueueRequests + kmsTopicRequests,
    });
    console.log('\n#### Fixed monthly cost (whatever the volume)\n');
    console.log('| item | quantity | price | per month |');
    console.log('|---|---:|---|---:|');
    for (const l of monthly.lines) {
      console.log(
        `| ${l.item} | ${fmt(l.quantity)} | $${l.price.usd} per ${l.price.per} | ${usd(l.usdPerMonth)} |`,
      );
    }
    const idleUsd = (idleReceives / 1e6) * AWS_PRICES.sqsRequest.usd;
    console.log(
      `| SQS long polls on idle queues (${consumers.length} mappings × ${IDLE_POLLERS_PER_MAPPING} pollers, ${LONG_POLL_SECONDS} s; assumption) | ${fmt(idleReceives)} | $${AWS_PRICES.sqsRequest.usd} per ${AWS_PRICES.sqsRequest.per} | ${usd(idleUsd)} |`,
    );
    console.log(`| **total** | | | **${usd(monthly.totalUsd + idleUsd)}** |`);
    console.log(
      `\nAlarms: ${fixed.alarms} (${fixed.alarmMetrics} metrics). KMS requests: ${fixed.kmsQueues.length} SSE-KMS queues, of which ${sourceQueues.size} source queues by the SQS formula R = B/D × (2P + C) with P = 1 (SNS), C = 1 (the function), D = the data key reuse period; DLQs only on failures (0 here); ${fixed.kmsTopics} SSE-KMS topics assumed to reuse data keys like SQS (300 s). Custom metrics: distinct EMF metrics the functions emitted.`,
    );
  } finally {
    sns.destroy();
    await runtime.stop();
  }
}

await main();
