/**
 * `npm start`: the whole pattern on this machine with nothing but `npm ci` — synth if stale, deploy
 * the real template into the embedded emulators, run the real bundles, then drive the scenario
 * (cli/demo-scenario.ts) through the order API and check with cli/demo-verify.ts that every service
 * produced exactly the effects it calls for. Exit 0 only when it did; otherwise 1 with every
 * mismatch named. This file is the lifecycle: options, start, report, stop.
 */
import { constants } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { pascalCase, SERVICES } from '../infra/config.ts';
import { ARCHIVE_SERVICE } from '../lambdas/archive/archive.ts';
import { METRIC } from '../lambdas/shared/consumer.ts';
import { DEFAULT_OUTPUTS_FILE } from '../local/deploy/deploy-local.ts';
import { formatDeployReport } from '../local/deploy/report.ts';
import { LOCAL_CREDENTIALS } from '../local/emulators.ts';
import { chaosFaultRules, FAULT_KINDS } from '../local/fault-plan.ts';
import { type LocalRuntime, startLocalRuntime } from '../local/local-runtime.ts';
import { removeRuntimeDescriptor, writeRuntimeDescriptor } from '../local/runtime-descriptor.ts';
import { startProgress } from './demo-progress.ts';
import {
  DemoError,
  type DemoTarget,
  expectedEffects,
  INITIAL_STOCK,
  type MetricReader,
  makeOrder,
  runScenario,
  SKUS,
  seedStock,
  waitForConsumers,
} from './demo-scenario.ts';
import { verifyScenario } from './demo-verify.ts';
import { mappingOf } from './observe.ts';
import { wholeNumber } from './options.ts';
import { synthIfStale } from './synth.ts';

/**
 * Seconds added to a queue's batching window to get the demo's VisibilityTimeout: long enough that
 * a batch under the burst's load finishes before its messages reappear, short enough that a retry
 * (e.g. a duplicate that met its twin in progress) lands within the demo.
 */
const DEMO_VISIBILITY_HEADROOM_SECONDS = 10;
/** How long the consumers may take under --chaos unless --timeout says otherwise (retries wait out visibility timeouts). */
const CHAOS_TIMEOUT_SECONDS = 600;

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

  const target = demoTarget(runtime);
  const read: MetricReader = (service, metric) => runtime.runner.metrics.get(service, metric);
  try {
    await seedStock(target);
    step(`seeded stock: ${SKUS.join(', ')} × ${INITIAL_STOCK}`);
    let progress: ReturnType<typeof startProgress> | undefined;
    let unsubscribe = (): void => undefined;
    const scenario = await runScenario(target, options.burst, {
      step,
      burstStarted: (orders, burstSize) => {
        // Every service processes each order once; the archive keeps every event.
        const targets = { ...expectedEffects(orders), [ARCHIVE_SERVICE]: orders.length };
        const display = startProgress(read, targets, burstSize);
        progress = display;
        unsubscribe = runtime.runner.metrics.onChange(() => display.refresh());
      },
      burstPosted: () => progress?.posted(),
    });
    const expected = expectedEffects(scenario.orders);
    const done = await waitForConsumers(target, read, expected, {
      timeoutMs: consumerTimeoutSeconds(options) * 1000,
      orDrained: chaosSeed !== undefined,
    });
    unsubscribe();
    progress?.stop();
    step(`${scenario.orders.length} orders ${done ? 'processed' : 'NOT fully processed in time'}`);
    const mismatches = await verifyScenario(target, scenario);
    printSummary(runtime, target, mismatches);
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
      printEndpoints(runtime, target);
      console.log(`  runtime descriptor ${descriptor} (npx order-events status)`);
      await new Promise<never>(() => undefined);
    }
    return mismatches.length === 0 ? 0 : 1;
  } finally {
    target.destroy();
    await runtime.stop();
  }
}

/** Under --chaos retries wait out visibility timeouts: unless --timeout was given, allow longer. */
function consumerTimeoutSeconds(options: Options): number {
  const chaos = options.chaos !== undefined;
  return chaos && program.getOptionValueSource('timeout') === 'default'
    ? CHAOS_TIMEOUT_SECONDS
    : options.timeout;
}

/** The demo's own SDK clients on the runtime's emulators, and the stack's outputs. */
function demoTarget(runtime: LocalRuntime): DemoTarget & { destroy(): void } {
  const sns = new SNSClient(runtime.emulators.clientConfig('sns'));
  const sqs = new SQSClient(runtime.emulators.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(runtime.emulators.clientConfig('dynamodb'));
  const output = (name: string): string => {
    const value = runtime.outputs[name];
    if (value === undefined) throw new DemoError(`stack output ${name} is missing`);
    return value;
  };
  return {
    sns,
    sqs,
    doc: DynamoDBDocumentClient.from(dynamodb),
    output,
    serviceOutput: (service, suffix) => output(`${pascalCase(service)}${suffix}`),
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

function printSummary(runtime: LocalRuntime, target: DemoTarget, mismatches: readonly string[]): void {
  const metrics = runtime.runner.metrics;
  const stats = runtime.runner.stats();
  console.log(
    '\n| service | processed | duplicates suppressed | failed (retried) | poisoned → DLQ | batches |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const { name } of SERVICES) {
    const count = (metric: string) => metrics.get(name, metric);
    console.log(
      `| ${name} | ${count(METRIC.processed)} | ${count(METRIC.duplicate)} | ${count(METRIC.failed)} | ${count(METRIC.poisoned)} | ${stats[mappingOf(runtime.deployment, target.serviceOutput(name, 'FunctionName'))]?.batches ?? 0} |`,
    );
  }
  console.log('\nwhere to look:');
  console.log(`  outputs file     ${DEFAULT_OUTPUTS_FILE} (stack ${runtime.deployment.stackName})`);
  console.log(`  order API        ${target.output('OrderApiUrl')}`);
  for (const { name } of SERVICES) {
    console.log(`  ${name.padEnd(16)} queue ${target.serviceOutput(name, 'QueueUrl')}`);
    console.log(`  ${''.padEnd(16)} DLQ   ${target.serviceOutput(name, 'DlqUrl')}`);
    console.log(`  ${''.padEnd(16)} table ${target.serviceOutput(name, 'EffectTableName')}`);
  }
  if (mismatches.length > 0) {
    console.log('\nMISMATCHES:');
    for (const m of mismatches) console.log(`  ✗ ${m}`);
  }
}

function printEndpoints(runtime: LocalRuntime, target: DemoTarget): void {
  const { endpoints } = runtime.emulators;
  const api = target.output('OrderApiUrl');
  const [first] = SERVICES;
  console.log('\nstill running (--keep); Ctrl-C to stop.');
  console.log(`  SNS/SQS   ${endpoints.sns}`);
  console.log(`  DynamoDB  ${endpoints.dynamodb}`);
  console.log(`  order API ${api}`);
  console.log('example:');
  if (first !== undefined) {
    console.log(
      `  AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} aws --region ${runtime.emulators.region} --endpoint-url ${endpoints.sqs} sqs receive-message --queue-url ${target.serviceOutput(first.name, 'DlqUrl')} --message-attribute-names All`,
    );
  }
  console.log(
    `  curl -sS -X POST ${api.replace(/\/$/, '')}/orders -H 'content-type: application/json' -d '${JSON.stringify(makeOrder(1, true))}'`,
  );
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
