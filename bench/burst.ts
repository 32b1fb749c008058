/**
 * The flash sale, predicted and drawn (`npm run burst`).
 *
 * 1. Prediction for AWS: `--rate` orders/s for `--seconds` s into the stack as synthesized (batch
 *    size, batching window, MaximumConcurrency, reserved concurrency, timeout: read from
 *    cdk.out's template) under Lambda's SQS scaling rules (bench/burst-model.ts), with a batch
 *    duration per service that is an assumption (below, or `--batch-ms`).
 * 2. Check of the model's shape on the embedded runtime: a scaled-down real burst (`--local-rate`
 *    for `--local-seconds`), the queue depth per service measured from what was published and what
 *    the functions logged as processed, against the same model fed the local rules (every poller
 *    from the start) and the batch durations measured in that run.
 * Writes docs/burst-aws.svg and docs/burst-local.svg and prints markdown. Figures, never assertions.
 */

import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SQSEvent } from 'aws-lambda';
import { Command } from 'commander';
import { synthIfStale } from '../cli/synth.ts';
import { stackName } from '../infra/config.ts';
import { buildOrderPlaced, type OrderPlaced } from '../lambdas/shared/contract.ts';
import { publishOrderPlaced } from '../lambdas/shared/publisher.ts';
import { readStackArtifact } from '../local/assembly.ts';
import type { OutputLine } from '../local/function-host.ts';
import { startLocalRuntime } from '../local/local-runtime.ts';
import { ASSUMED_AWS_BATCH_MS, FILTERED_SHARE } from './assumptions.ts';
import {
  AWS_SQS_SCALING,
  type BurstPrediction,
  type ConsumerModel,
  linearDuration,
  type ScalingRules,
  simulateBurst,
} from './burst-model.ts';
import { highValueOrderInput } from './orders.ts';
import { type ConsumerSettings, consumerSettings, type TemplateLike } from './stack-settings.ts';
import { renderSvg, type Series } from './svg-chart.ts';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const number = (v: string) => Number(v);
const options = new Command()
  .option('--rate <n>', 'orders per second of the flash sale (AWS prediction)', number, 10_000)
  .option('--seconds <n>', 'how long the flash sale lasts (s)', number, 60)
  .option(
    '--filtered-share <f>',
    'fraction of orders that pass a subscription filter policy (high-value: total >= 100)',
    number,
    FILTERED_SHARE,
  )
  .option(
    '--batch-ms <list>',
    'AWS batch duration per service, e.g. email=120,analytics=400 (ms per full batch)',
    (v) => Object.fromEntries(v.split(',').map((p) => [p.split('=')[0], Number(p.split('=')[1])])),
    {} as Record<string, number>,
  )
  .option('--local-rate <n>', 'orders per second of the scaled-down real burst', number, 200)
  .option('--local-seconds <n>', 'seconds of the scaled-down real burst (0 skips it)', number, 5)
  .option('--out <dir>', 'where the pictures go', 'docs')
  .parse()
  .opts<{
    rate: number;
    seconds: number;
    filteredShare: number;
    batchMs: Record<string, number>;
    localRate: number;
    localSeconds: number;
    out: string;
  }>();

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);

function awsModel(c: ConsumerSettings): ConsumerModel {
  const full = options.batchMs[c.service];
  const duration =
    full === undefined
      ? linearDuration(ASSUMED_AWS_BATCH_MS.fixedMs, ASSUMED_AWS_BATCH_MS.perRecordMs)
      : (records: number) => (full * records) / c.batchSize;
  return {
    service: c.service,
    share: c.filterPolicy === undefined ? 1 : options.filteredShare,
    batchSize: c.batchSize,
    batchingWindowSeconds: c.batchingWindowSeconds,
    maximumConcurrency: c.maximumConcurrency,
    reservedConcurrency: c.reservedConcurrency,
    timeoutSeconds: c.timeoutSeconds,
    batchDurationMs: duration,
  };
}

function predictionTable(predictions: readonly BurstPrediction[], models: readonly ConsumerModel[]): void {
  console.log(
    '| service | messages | batch size | window s | concurrency cap | full batch ms | capacity msg/s | peak depth | drained after s | max age of a message |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of predictions) {
    const m = models.find((x) => x.service === p.service);
    const age =
      p.maxAgeSeconds === undefined
        ? p.timesOut
          ? 'never (a batch outlasts the timeout)'
          : 'not drained in the horizon'
        : p.maxAgeSeconds >= 120
          ? `${fmt(p.maxAgeSeconds / 60, 1)} min`
          : `${fmt(p.maxAgeSeconds, 1)} s`;
    console.log(
      `| ${p.service} | ${fmt(p.messages)} | ${m?.batchSize} | ${m?.batchingWindowSeconds} | ${p.concurrencyCap} | ${fmt(m?.batchDurationMs(m.batchSize))} | ${fmt(p.capacityPerSecond)} | ${fmt(p.peakDepth)} | ${fmt(p.drainedAtSeconds, 1)} | ${age} |`,
    );
  }
}

/** Least-squares line through (records, ms); a constant when all batches had the same size. */
function fitDuration(samples: ReadonlyArray<readonly [number, number]>): {
  fixedMs: number;
  perRecordMs: number;
} {
  const n = samples.length;
  if (n === 0) return { fixedMs: 0, perRecordMs: 0 };
  const mx = samples.reduce((s, [x]) => s + x, 0) / n;
  const my = samples.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = samples.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return { fixedMs: 0, perRecordMs: my / mx };
  const slope = samples.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  const perRecordMs = Math.max(0, slope);
  return { fixedMs: Math.max(0, my - perRecordMs * mx), perRecordMs };
}

async function localBurst(settings: readonly ConsumerSettings[]) {
  const processed = new Map<string, number[]>();
  const onOutput = (line: OutputLine): void => {
    if (!line.line.includes('"processed"')) return;
    try {
      const log = JSON.parse(line.line) as { message?: string; service?: string; timestamp?: string };
      if (log.message !== 'processed' || log.service === undefined || log.timestamp === undefined) return;
      const list = processed.get(log.service) ?? [];
      list.push(Date.parse(log.timestamp));
      processed.set(log.service, list);
    } catch {
      // not ours
    }
  };
  const runtime = await startLocalRuntime({ outputsFile: false, waitTimeSeconds: 2, echo: onOutput });
  const sns = new SNSClient(runtime.emulators.clientConfig('sns'));
  const durations = new Map<string, Array<[number, number]>>();
  try {
    const serviceOf = new Map(
      runtime.deployment.functions.map((f) => [f.logicalId, f.environment.SERVICE_NAME ?? f.logicalId]),
    );
    for (const fn of runtime.deployment.functions) {
      const host = runtime.runner.host(fn.logicalId);
      const invoke = host.invoke.bind(host);
      const service = serviceOf.get(fn.logicalId) ?? fn.logicalId;
      host.invoke = async (event: unknown) => {
        const result = await invoke(event);
        const records = (event as Partial<SQSEvent>).Records?.length;
        if (records !== undefined) {
          const list = durations.get(service) ?? [];
          list.push([records, result.durationMs]);
          durations.set(service, list);
        }
        return result;
      };
    }
    const topicArn = runtime.outputs.TopicArn ?? '';
    const order = (): OrderPlaced => buildOrderPlaced(highValueOrderInput('burst'), { source: 'burst' });
    // Warm every function once, so the burst measures queueing rather than worker start-up.
    const warm = order();
    await publishOrderPlaced(sns, topicArn, [warm]);
    const services = settings.map((s) => s.service);
    const until = async (done: () => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return done();
    };
    await until(() => services.every((s) => (processed.get(s)?.length ?? 0) >= 1), 60_000);
    processed.clear();
    durations.clear();

    const total = Math.round(options.localRate * options.localSeconds);
    const tick = 100;
    const perTick = Math.max(1, Math.round((options.localRate * tick) / 1000));
    const published: number[] = [];
    const started = Date.now();
    const sends: Array<Promise<void>> = [];
    for (let sent = 0; sent < total; sent += perTick) {
      const chunk = Array.from({ length: Math.min(perTick, total - sent) }, order);
      sends.push(
        publishOrderPlaced(sns, topicArn, chunk).then(() => {
          const at = Date.now();
          for (let i = 0; i < chunk.length; i++) published.push(at);
        }),
      );
      await new Promise((r) =>
        setTimeout(r, Math.max(0, started + ((sent + perTick) / perTick) * tick - Date.now())),
      );
    }
    await Promise.all(sends);
    const publishedFor = (Date.now() - started) / 1000;
    const complete = await until(
      () => services.every((s) => (processed.get(s)?.length ?? 0) >= total),
      600_000,
    );
    const end = Math.max(...services.map((s) => Math.max(...(processed.get(s) ?? [started]))));
    const curves = new Map<string, Array<[number, number]>>();
    for (const s of services) {
      const done = [...(processed.get(s) ?? [])].sort((a, b) => a - b);
      const points: Array<[number, number]> = [];
      for (let t = started; t <= end + 250; t += 250) {
        const inQueue = published.filter((p) => p <= t).length - done.filter((d) => d <= t).length;
        points.push([(t - started) / 1000, Math.max(0, inQueue)]);
      }
      curves.set(s, points);
    }
    const drained = new Map(
      services.map((s) => [s, (Math.max(...(processed.get(s) ?? [started])) - started) / 1000]),
    );
    return { total, publishedFor, complete, curves, drained, durations };
  } finally {
    sns.destroy();
    await runtime.stop();
  }
}

async function main(): Promise<void> {
  synthIfStale('cdk.out', (line) => console.log(line));
  const artifact = readStackArtifact(stackName());
  const settings = consumerSettings(artifact.template as unknown as TemplateLike);

  const models = settings.map(awsModel);
  const burst = { ratePerSecond: options.rate, durationSeconds: options.seconds };
  const predictions = models.map((m) =>
    simulateBurst(m, burst, { rules: AWS_SQS_SCALING, stepSeconds: 0.1 }),
  );
  console.log(
    `## Flash sale on AWS, predicted: ${options.rate.toLocaleString('en')} orders/s for ${options.seconds} s\n`,
  );
  console.log(
    `Settings from ${artifact.templatePath.replace(`${process.cwd()}/`, '')}. Scaling: ${AWS_SQS_SCALING.initialConcurrency} concurrent batches at first, +${AWS_SQS_SCALING.rampPerMinute}/min, at most ${AWS_SQS_SCALING.maxPerMapping} per mapping, capped by MaximumConcurrency (Lambda developer guide, "Configuring scaling behavior for SQS event source mappings"). Batch duration: ${ASSUMED_AWS_BATCH_MS.fixedMs} ms + ${ASSUMED_AWS_BATCH_MS.perRecordMs} ms per record (assumption, bench/assumptions.ts) unless given. Filtered queues receive ${options.filteredShare} of the orders (assumption). Ages assume first-in first-out; a standard queue's oldest message can be older.\n`,
  );
  predictionTable(predictions, models);
  const horizon = Math.max(...predictions.map((p) => p.drainedAtSeconds ?? p.samples.at(-1)?.t ?? 0));
  const minutes = horizon > 600;
  const awsSeries: Series[] = predictions.map((p, i) => ({
    label: p.service,
    color: COLORS[i % COLORS.length] ?? '#000',
    points: p.samples.map((s) => [minutes ? s.t / 60 : s.t, s.depth] as const),
  }));
  writeFileSync(
    `${options.out}/burst-aws.svg`,
    renderSvg({
      title: `Flash sale on AWS (model): ${options.rate.toLocaleString('en')} orders/s for ${options.seconds} s`,
      subtitle: 'queue depth per service, settings from the synthesized template, Lambda SQS scaling rules',
      xLabel: minutes ? 'minutes since the sale started' : 'seconds since the sale started',
      yLabel: 'messages in the queue',
      series: awsSeries,
      band: { from: 0, to: minutes ? options.seconds / 60 : options.seconds, label: 'sale' },
    }),
  );
  console.log(`\nPicture: ${options.out}/burst-aws.svg`);

  if (options.localSeconds <= 0) return;
  console.log(
    `\n## Scaled-down real burst on the embedded runtime: ${options.localRate} orders/s for ${options.localSeconds} s\n`,
  );
  console.log(
    `machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, node ${process.version} (shared)`,
  );
  const local = await localBurst(settings);
  const localRules: ScalingRules = { initialConcurrency: 0, rampPerMinute: 0, maxPerMapping: 1000 };
  const localModels = settings.map((c): ConsumerModel => {
    const fit = fitDuration(local.durations.get(c.service) ?? []);
    return {
      ...awsModel(c),
      share: 1, // every order of the local burst is high-value
      // The local runner runs MaximumConcurrency pollers (5 when unset) from the start.
      maximumConcurrency: c.maximumConcurrency ?? 5,
      batchDurationMs: linearDuration(fit.fixedMs, fit.perRecordMs),
    };
  });
  const localBurstShape = {
    ratePerSecond: local.total / local.publishedFor,
    durationSeconds: local.publishedFor,
  };
  const localPredictions = localModels.map((m) =>
    simulateBurst(m, localBurstShape, { rules: localRules, stepSeconds: 0.05, horizonSeconds: 3600 }),
  );
  console.log(
    `\n${local.total} orders published in ${fmt(local.publishedFor, 1)} s${local.complete ? '' : ' (INCOMPLETE)'}. Model fed the local rules (all pollers from the start) and the batch durations measured in this run (least-squares line over every invocation of the burst; 2 shared cores, so durations include waiting for CPU).\n`,
  );
  console.log(
    '| service | measured batch ms (fit) | model peak depth | measured peak depth | model drained after s | measured drained after s |',
  );
  console.log('|---|---|---:|---:|---:|---:|');
  for (const p of localPredictions) {
    const fit = fitDuration(local.durations.get(p.service) ?? []);
    const measured = local.curves.get(p.service) ?? [];
    console.log(
      `| ${p.service} | ${fmt(fit.fixedMs)} + ${fmt(fit.perRecordMs, 1)} × records | ${fmt(p.peakDepth)} | ${fmt(Math.max(...measured.map(([, d]) => d)))} | ${fmt(p.drainedAtSeconds, 1)} | ${fmt(local.drained.get(p.service), 1)} |`,
    );
  }
  const localSeries: Series[] = localPredictions.flatMap((p, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    return [
      { label: `${p.service} model`, color, points: p.samples.map((s) => [s.t, s.depth] as const) },
      {
        label: `${p.service} measured`,
        color,
        style: 'dots' as const,
        points: local.curves.get(p.service) ?? [],
      },
    ];
  });
  writeFileSync(
    `${options.out}/burst-local.svg`,
    renderSvg({
      title: `Embedded runtime: ${options.localRate} orders/s for ${options.localSeconds} s, model vs measured`,
      subtitle: 'queue depth per service (published − processed); lines: model, dots: measured',
      xLabel: 'seconds since the burst started',
      yLabel: 'messages in the queue',
      series: localSeries,
      band: { from: 0, to: local.publishedFor, label: 'burst' },
      height: 420,
    }),
  );
  console.log(`\nPicture: ${options.out}/burst-local.svg`);
}

await main();
