/**
 * `npm start`: the whole pattern on this machine with nothing but `npm ci` — synth if stale, deploy
 * the real template into the embedded emulators, run the real bundles, then drive a scenario
 * through the order API (normal orders, a duplicate, a poison message, high-value orders, a burst)
 * and check that every service produced exactly the effects the scenario calls for.
 * Exit 0 only when it did; otherwise 1 with every mismatch named.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { emailKey } from '../lambdas/email/adapters.ts';
import { reviewKey } from '../lambdas/high-value/adapters.ts';
import { reservationKey, stockKey } from '../lambdas/inventory/adapters.ts';
import type { OrderInput } from '../lambdas/shared/contract.ts';
import { OrderEventsError } from '../lambdas/shared/errors.ts';
import { formatDeployReport } from '../local/deploy/report.ts';
import { LOCAL_CREDENTIALS } from '../local/emulators.ts';
import { chaosFaultRules, FAULT_KINDS } from '../local/fault-plan.ts';
import { type LocalRuntime, startLocalRuntime } from '../local/local-runtime.ts';
import { removeRuntimeDescriptor, writeRuntimeDescriptor } from '../local/runtime-descriptor.ts';
import { wholeNumber } from './options.ts';
import { synthIfStale } from './synth.ts';

/** The scenario could not be driven (not a mismatch: those are collected and reported). */
class DemoError extends OrderEventsError {}

const SERVICES = [
  { name: 'email', prefix: 'Email' },
  { name: 'inventory', prefix: 'Inventory' },
  { name: 'analytics', prefix: 'Analytics' },
  { name: 'high-value', prefix: 'HighValue' },
] as const;
type Service = (typeof SERVICES)[number]['name'];

const SKUS = ['SKU-RED', 'SKU-GREEN', 'SKU-BLUE'] as const;
const INITIAL_STOCK = 100_000;
const HIGH_VALUE_THRESHOLD = 100;
/**
 * Seconds added to a queue's batching window to get the demo's VisibilityTimeout: long enough that
 * a batch under the burst's load finishes before its messages reappear, short enough that a retry
 * (e.g. a duplicate that met its twin in progress) lands within the demo.
 */
const DEMO_VISIBILITY_HEADROOM_SECONDS = 10;

interface Options {
  readonly burst: number;
  readonly keep: boolean;
  readonly templateVisibility: boolean;
  readonly timeout: number;
  readonly logs: boolean;
  /** `--chaos` alone is `true` (seed 1). */
  readonly chaos: number | true | undefined;
}

const program = new Command()
  .name('npm start --')
  .description(
    'Run order-events locally (embedded emulators, real template, real bundles) and check a scenario.',
  )
  .option('--burst <n>', 'orders in the burst (0 to skip it)', wholeNumber({ min: 0, max: 100_000 }), 200)
  .option('--keep', 'keep everything running after the scenario (Ctrl-C to stop)', false)
  .option(
    '--template-visibility',
    `keep the template's queue visibility timeouts (minutes) instead of batching window + ${DEMO_VISIBILITY_HEADROOM_SECONDS} s`,
    false,
  )
  .option(
    '--timeout <seconds>',
    'give up waiting for the consumers after this long',
    wholeNumber({ min: 1, max: 3600 }),
    120,
  )
  .option('--logs', "print the functions' log lines", false)
  .option(
    '--chaos [seed]',
    'inject every fault class of `npm run chaos` at the endpoints, seeded (default seed 1)',
    wholeNumber({ min: 0, max: 0xffffffff }),
  );

async function main(): Promise<number> {
  const options = program.parse().opts<Options>();
  const started = Date.now();
  const step = (text: string) => console.log(`▸ ${text} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  if (synthIfStale('cdk.out', (line) => step(line))) step('synthesized');
  const chaosSeed = options.chaos === true ? 1 : options.chaos;
  const runtime = await startLocalRuntime({
    waitTimeSeconds: 2,
    ...(options.templateVisibility
      ? {}
      : {
          queueAttributeOverrides: ({ eventSource }) =>
            eventSource === undefined
              ? undefined
              : {
                  VisibilityTimeout: String(
                    // Under chaos a hung call lasts a function timeout: its batch must not reappear sooner.
                    (chaosSeed === undefined ? 0 : eventSource.functionTimeoutSeconds) +
                      eventSource.batchingWindowSeconds +
                      DEMO_VISIBILITY_HEADROOM_SECONDS,
                  ),
                },
        }),
    // The demo's own clients (the harness) sign as LOCAL_CREDENTIALS and are never faulted.
    ...(chaosSeed === undefined
      ? {}
      : {
          endpointProxy: {
            faults: { seed: chaosSeed, rules: chaosFaultRules({}, [LOCAL_CREDENTIALS.accessKeyId]) },
          },
        }),
    ...(options.logs ? { echo: (l) => console.log(`  [${l.functionLogicalId}] ${l.line}`) } : {}),
  });
  installShutdown(runtime);
  step('deployed locally');
  console.log(indent(formatDeployReport(runtime.deployment)));
  if (!options.templateVisibility) {
    console.log(
      `  (event-source queues: VisibilityTimeout = ${chaosSeed === undefined ? '' : 'function timeout + '}batching window + ${DEMO_VISIBILITY_HEADROOM_SECONDS} s instead of the template's minutes, so retries show up in seconds)`,
    );
  }

  const clients = makeClients(runtime);
  try {
    await seedStock(runtime, clients.doc);
    step(`seeded stock: ${SKUS.join(', ')} × ${INITIAL_STOCK}`);
    const scenario = await runScenario(runtime, clients, options, step);
    const mismatches = await verify(runtime, clients, scenario);
    printSummary(runtime, mismatches);
    const injected = runtime.proxy?.faults?.injected();
    if (injected !== undefined) {
      console.log(
        `\nfaults injected (seed ${chaosSeed}): ${FAULT_KINDS.map((k) => `${k} ${injected[k]}`).join(', ')}`,
      );
    }
    step(mismatches.length === 0 ? 'all effects as expected' : `${mismatches.length} mismatch(es)`);
    if (options.keep) {
      // Where the `order-events` CLI finds this runtime; removed when it stops.
      const descriptor = writeRuntimeDescriptor({
        pid: process.pid,
        region: runtime.emulators.region,
        stackName: runtime.deployment.stackName,
        endpoints: runtime.emulators.endpoints,
        outputs: runtime.outputs,
        startedAt: new Date(started).toISOString(),
      });
      process.once('exit', () => removeRuntimeDescriptor());
      printEndpoints(runtime);
      console.log(`  runtime descriptor ${descriptor} (npx order-events status)`);
      await new Promise<never>(() => undefined);
    }
    return mismatches.length === 0 ? 0 : 1;
  } finally {
    clients.destroy();
    await runtime.stop();
  }
}

interface Clients {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly doc: DynamoDBDocumentClient;
  destroy(): void;
}

function makeClients(runtime: LocalRuntime): Clients {
  const sns = new SNSClient(runtime.emulators.clientConfig('sns'));
  const sqs = new SQSClient(runtime.emulators.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(runtime.emulators.clientConfig('dynamodb'));
  return {
    sns,
    sqs,
    doc: DynamoDBDocumentClient.from(dynamodb),
    destroy: () => {
      sns.destroy();
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}

function installShutdown(runtime: LocalRuntime): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`\n${signal}: stopping workers, servers and emulators…`);
      // 128 + signal number, the status a shell reports for a process ended by that signal.
      void runtime.stop().finally(() => process.exit(128 + (constants.signals[signal] ?? 0)));
    });
  }
}

async function seedStock(runtime: LocalRuntime, doc: DynamoDBDocumentClient): Promise<void> {
  const table = output(runtime, 'InventoryEffectTableName');
  for (const sku of SKUS) {
    await doc.send(
      new PutCommand({ TableName: table, Item: { ...stockKey(sku), available: INITIAL_STOCK } }),
    );
  }
}

interface Scenario {
  /** Unique orders accepted by the API (the duplicate counts once). */
  readonly orders: OrderInput[];
  readonly poisonBody: string;
}

function makeOrder(index: number, highValue: boolean): OrderInput {
  const sku = SKUS[index % SKUS.length] ?? 'SKU-RED';
  const items = highValue
    ? [{ sku, quantity: 2, unitPrice: 60 + (index % 7) }]
    : [
        { sku, quantity: 1 + (index % 3), unitPrice: 9.99 },
        { sku: SKUS[(index + 1) % SKUS.length] ?? 'SKU-GREEN', quantity: 1, unitPrice: 4.5 },
      ];
  const cents = items.reduce((sum, i) => sum + Math.round(i.unitPrice * 100) * i.quantity, 0);
  return {
    orderId: `demo-${index}-${randomUUID().slice(0, 8)}`,
    customerId: `cust-${index % 17}`,
    email: `customer${index % 17}@example.com`,
    items,
    total: cents / 100,
    currency: 'EUR',
    shippingAddress: { line1: `${index} Demo Street`, city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
  };
}

async function runScenario(
  runtime: LocalRuntime,
  clients: Clients,
  options: Options,
  step: (text: string) => void,
): Promise<Scenario> {
  const url = `${output(runtime, 'OrderApiUrl').replace(/\/$/, '')}/orders`;
  const post = async (order: OrderInput): Promise<void> => {
    let response: Response;
    // A client retries a 5xx (under --chaos the API's publish can fail past the SDK's retries); the
    // same order keeps its eventId, so a retry that follows a publish that did happen is a duplicate.
    for (let attempt = 1; ; attempt++) {
      response = await fetch(url, {
        method: 'POST',
        body: JSON.stringify(order),
        headers: { 'content-type': 'application/json' },
      });
      if (response.status < 500 || attempt >= 5) break;
      await response.body?.cancel();
    }
    if (response.status !== 202)
      throw new DemoError(`order API answered ${response.status}: ${await response.text()}`);
  };
  const orders: OrderInput[] = [];
  let index = 0;

  const normal = Array.from({ length: 10 }, () => makeOrder(index++, false));
  for (const order of normal) await post(order);
  orders.push(...normal);
  step(`10 normal orders placed through the API (${url})`);

  const duplicate = normal[0] as OrderInput;
  await post(duplicate);
  step(`duplicate publish: order ${duplicate.orderId} placed again (same eventId)`);

  // JSON that every subscription's body filter admits (data.total >= 100) but the contract rejects.
  const poisonBody = JSON.stringify({
    eventType: 'order.placed',
    data: { total: 999 },
    broken: randomUUID(),
  });
  await clients.sns.send(
    new PublishCommand({
      TopicArn: output(runtime, 'TopicArn'),
      Message: poisonBody,
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'order.placed' },
        total: { DataType: 'Number', StringValue: '999' },
      },
    }),
  );
  step('poison: a body that breaks the contract published straight to the topic');

  const high = Array.from({ length: 5 }, () => makeOrder(index++, true));
  for (const order of high) await post(order);
  orders.push(...high);
  step(`5 high-value orders (total >= ${HIGH_VALUE_THRESHOLD})`);

  const burst = Array.from({ length: options.burst }, (_, i) => makeOrder(index++, i % 10 === 0));
  const expected = expectedCounts(orders.concat(burst));
  const bars = progressBars(runtime, expected, burst.length);
  const pending = [...burst];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let order = pending.shift(); order !== undefined; order = pending.shift()) {
        await post(order);
        bars.published();
      }
    }),
  );
  orders.push(...burst);
  // Under --chaos a record whose effect was applied before its sandbox died is not counted as
  // processed when redelivered: wait for the queues to drain instead (the tables are checked after).
  const drained =
    options.chaos === undefined
      ? undefined
      : async () => {
          const depths = await Promise.all(
            SERVICES.map((s) => visibleCount(clients.sqs, output(runtime, `${s.prefix}QueueUrl`))),
          );
          return depths.every((d) => d === 0);
        };
  // Retries under --chaos wait out visibility timeouts: unless --timeout was given, allow 10 minutes.
  const timeoutSeconds =
    drained !== undefined && program.getOptionValueSource('timeout') === 'default' ? 600 : options.timeout;
  const done = await bars.wait(timeoutSeconds * 1000, drained);
  bars.stop();
  step(`burst of ${burst.length} orders ${done ? 'processed' : 'NOT fully processed in time'}`);
  return { orders, poisonBody };
}

/** Effects each service must produce: one per unique order (high-value: total >= 100 only). */
function expectedCounts(orders: readonly OrderInput[]): Record<Service, number> {
  const high = orders.filter((o) => o.total >= HIGH_VALUE_THRESHOLD).length;
  return { email: orders.length, inventory: orders.length, analytics: orders.length, 'high-value': high };
}

function progressBars(runtime: LocalRuntime, expected: Record<Service, number>, burstSize: number) {
  const metrics = runtime.runner.metrics;
  const multi = new cliProgress.MultiBar(
    {
      format: ' {name} {bar} {value}/{total} processed | dup {dup} | failed {failed} | poison {poison}',
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: !process.stdout.isTTY,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
  const publishBar = multi.create(burstSize, 0, { name: 'burst posted', dup: '-', failed: '-', poison: '-' });
  let published = 0;
  const bars = new Map(
    SERVICES.map((s) => [
      s.name,
      multi.create(expected[s.name], 0, { name: s.name.padEnd(12), dup: 0, failed: 0, poison: 0 }),
    ]),
  );
  const refresh = (): void => {
    for (const s of SERVICES) {
      bars.get(s.name)?.update(metrics.get(s.name, 'processed'), {
        dup: metrics.get(s.name, 'duplicate'),
        failed: metrics.get(s.name, 'failed'),
        poison: metrics.get(s.name, 'poisoned'),
      });
    }
  };
  const unsubscribe = metrics.onChange(refresh);
  return {
    published: () => {
      published++;
      publishBar.update(published);
    },
    /** Resolves true once every service processed its expected count and saw the poison. */
    wait: async (timeoutMs: number, drained?: () => Promise<boolean>): Promise<boolean> => {
      let drainedPolls = 0;
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        refresh();
        const complete = SERVICES.every(
          (s) =>
            metrics.get(s.name, 'processed') >= expected[s.name] &&
            metrics.get(s.name, 'poisoned') >= 1 &&
            (s.name === 'high-value' || metrics.get(s.name, 'duplicate') >= 1),
        );
        if (complete) return true;
        // Two empty polls in a row: fauxqs' counters settle on the next receive.
        drainedPolls = drained !== undefined && (await drained()) ? drainedPolls + 1 : 0;
        if (drainedPolls >= 2) return true;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return false;
    },
    stop: () => {
      unsubscribe();
      refresh();
      multi.stop();
    },
  };
}

async function scanAll(doc: DynamoDBDocumentClient, table: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Compares the effect tables and DLQs with what the scenario calls for; returns the mismatches. */
async function verify(runtime: LocalRuntime, clients: Clients, scenario: Scenario): Promise<string[]> {
  const problems: string[] = [];
  const { orders } = scenario;
  const perOrder = (items: Array<Record<string, unknown>>, skPrefix: string): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const item of items) {
      const pk = String(item.pk);
      if (pk.startsWith('ORDER#') && String(item.sk).startsWith(skPrefix))
        counts.set(pk, (counts.get(pk) ?? 0) + 1);
    }
    return counts;
  };
  const expectOnce = (
    service: string,
    counts: Map<string, number>,
    subset: readonly OrderInput[],
    per = (_o: OrderInput) => 1,
  ) => {
    for (const order of subset) {
      const n = counts.get(`ORDER#${order.orderId}`) ?? 0;
      if (n !== per(order))
        problems.push(`${service}: order ${order.orderId} has ${n} effect(s), expected ${per(order)}`);
    }
    const known = new Set(subset.map((o) => `ORDER#${o.orderId}`));
    for (const [pk, n] of counts)
      if (!known.has(pk)) problems.push(`${service}: unexpected effects (${n}) for ${pk}`);
  };

  const email = await scanAll(clients.doc, output(runtime, 'EmailEffectTableName'));
  expectOnce('email', perOrder(email, emailKey('', '').sk), orders);

  const inventory = await scanAll(clients.doc, output(runtime, 'InventoryEffectTableName'));
  // One reservation record per order, listing every SKU once (reserved or backordered).
  const movements = new Map<string, number>();
  for (const item of inventory) {
    if (!String(item.sk).startsWith(reservationKey('', '').sk)) continue;
    const lines = [...(item.reserved as unknown[]), ...(item.backordered as unknown[])].length;
    movements.set(String(item.pk), (movements.get(String(item.pk)) ?? 0) + lines);
  }
  expectOnce('inventory', movements, orders, (o) => new Set(o.items.map((i) => i.sku)).size);
  for (const sku of SKUS) {
    const reserved = orders
      .flatMap((o) => o.items)
      .filter((i) => i.sku === sku)
      .reduce((s, i) => s + i.quantity, 0);
    const stock = inventory.find((i) => i.pk === stockKey(sku).pk && i.sk === stockKey(sku).sk);
    if (Number(stock?.available) !== INITIAL_STOCK - reserved) {
      problems.push(
        `inventory: ${sku} available ${String(stock?.available)}, expected ${INITIAL_STOCK - reserved}`,
      );
    }
  }

  const analytics = await scanAll(clients.doc, output(runtime, 'AnalyticsEffectTableName'));
  const counted = analytics.reduce((s, i) => s + Number(i.orders ?? 0), 0);
  const revenueCents = analytics.reduce((s, i) => s + Math.round(Number(i.revenue ?? 0) * 100), 0);
  const expectedCents = orders.reduce((s, o) => s + Math.round(o.total * 100), 0);
  if (counted !== orders.length)
    problems.push(`analytics: ${counted} orders counted, expected ${orders.length}`);
  if (revenueCents !== expectedCents) {
    problems.push(`analytics: revenue ${revenueCents / 100}, expected ${expectedCents / 100}`);
  }

  const reviews = await scanAll(clients.doc, output(runtime, 'HighValueEffectTableName'));
  expectOnce(
    'high-value',
    perOrder(reviews, reviewKey('', '').sk),
    orders.filter((o) => o.total >= HIGH_VALUE_THRESHOLD),
  );

  for (const s of SERVICES) {
    const depth = await visibleCount(clients.sqs, output(runtime, `${s.prefix}DlqUrl`));
    if (depth !== 1) problems.push(`${s.name}: DLQ holds ${depth} message(s), expected exactly the poison`);
  }
  return problems;
}

async function visibleCount(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

function printSummary(runtime: LocalRuntime, mismatches: readonly string[]): void {
  const metrics = runtime.runner.metrics;
  const stats = runtime.runner.stats();
  console.log(
    '\n| service | processed | duplicates suppressed | failed (retried) | poisoned → DLQ | batches |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const s of SERVICES) {
    console.log(
      `| ${s.name} | ${metrics.get(s.name, 'processed')} | ${metrics.get(s.name, 'duplicate')} | ${metrics.get(s.name, 'failed')} | ${metrics.get(s.name, 'poisoned')} | ${stats[s.name]?.batches ?? 0} |`,
    );
  }
  console.log('\nwhere to look:');
  console.log(`  outputs file     .local/outputs.json (stack ${runtime.deployment.stackName})`);
  console.log(`  order API        ${output(runtime, 'OrderApiUrl')}`);
  for (const s of SERVICES) {
    console.log(`  ${s.name.padEnd(16)} queue ${output(runtime, `${s.prefix}QueueUrl`)}`);
    console.log(`  ${''.padEnd(16)} DLQ   ${output(runtime, `${s.prefix}DlqUrl`)}`);
    console.log(`  ${''.padEnd(16)} table ${output(runtime, `${s.prefix}EffectTableName`)}`);
  }
  if (mismatches.length > 0) {
    console.log('\nMISMATCHES:');
    for (const m of mismatches) console.log(`  ✗ ${m}`);
  }
}

function printEndpoints(runtime: LocalRuntime): void {
  const { endpoints } = runtime.emulators;
  console.log('\nstill running (--keep); Ctrl-C to stop.');
  console.log(`  SNS/SQS   ${endpoints.sns}`);
  console.log(`  DynamoDB  ${endpoints.dynamodb}`);
  console.log(`  order API ${output(runtime, 'OrderApiUrl')}`);
  console.log('example:');
  console.log(
    `  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region ${runtime.emulators.region} --endpoint-url ${endpoints.sqs} sqs receive-message --queue-url ${output(runtime, 'EmailDlqUrl')} --message-attribute-names All`,
  );
  console.log(
    `  curl -sS -X POST ${output(runtime, 'OrderApiUrl').replace(/\/$/, '')}/orders -H 'content-type: application/json' -d '${JSON.stringify(makeOrder(1, true))}'`,
  );
}

function output(runtime: LocalRuntime, name: string): string {
  const value = runtime.outputs[name];
  if (value === undefined) throw new DemoError(`stack output ${name} is missing`);
  return value;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
