/**
 * `npm run chaos [-- --orders 2000 --seed 1 ...]`: the chaos run on the embedded runtime (see
 * bench/chaos-scenario.ts). Prints one table per run and exits 1 on any lost, doubled or stuck
 * message, stock drift, or poison message missing from a DLQ (and, with a clear message, on invalid options).
 */

import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { synthIfStale } from '../cli/synth.ts';
import { type ChaosRates, DEFAULT_CHAOS_RATES } from '../local/fault-plan.ts';
import { formatChaosReport, runChaos } from './chaos-scenario.ts';

const integer = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max} (got '${value}')`);
  }
  return n;
};
const rate = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError(`${name} must be a number in 0..1 (got '${value}')`);
  }
  return n;
};

const RATE_OPTIONS = {
  throttle: 'DynamoDB throttling per HTTP attempt',
  error500: 'DynamoDB 500 per HTTP attempt',
  outage: 'DynamoDB operations failing every attempt (outlasts the SDK retries)',
  appliedThen500: 'DynamoDB writes applied, then answered 500',
  killRate: 'per DynamoDB write by a sandbox: kill it right after (up to --kills), or hang (up to --hangs)',
  sqsThrottle: 'SQS/SNS throttling per HTTP attempt',
  sqsError500: 'SQS/SNS 500 per HTTP attempt',
  sqsOutage: 'SQS/SNS operations failing every attempt',
} as const satisfies Partial<Record<keyof ChaosRates, string>>;

const kebab = (s: string) => s.replace(/[A-Z0-9]+/g, (m) => `-${m.toLowerCase()}`);

const program = new Command()
  .name('npm run chaos --')
  .description('Chaos run: orders, duplicates and poison through the embedded runtime under injected faults.')
  .option('--orders <n>', 'unique orders', integer('--orders', 1, 100_000), 2000)
  .option('--seed <n>', 'seed of the faults and of the scenario', integer('--seed', 0, 0xffffffff), 1)
  .option('--duplicates <rate>', 'share of orders published again', rate('--duplicates'), 0.1)
  .option('--poison <rate>', 'poison messages per order', rate('--poison'), 0.02)
  .option(
    '--kills <n>',
    'most sandboxes killed after a write',
    integer('--kills', 0, 1000),
    DEFAULT_CHAOS_RATES.kills,
  )
  .option(
    '--hangs <n>',
    'most sandboxes hung after a write',
    integer('--hangs', 0, 1000),
    DEFAULT_CHAOS_RATES.hangs,
  )
  .option(
    '--timeout <seconds>',
    'give up waiting for the queues to drain (a hang guard: what is left is reported stuck)',
    integer('--timeout', 1, 3600),
    600,
  );
for (const [key, description] of Object.entries(RATE_OPTIONS)) {
  const flag = `--${kebab(key)}`;
  program.option(
    `${flag} <rate>`,
    `${description} (default ${DEFAULT_CHAOS_RATES[key as keyof ChaosRates]})`,
    rate(flag),
  );
}

async function main(): Promise<number> {
  const opts = program.parse().opts<Record<string, number>>();
  synthIfStale('cdk.out', (line) => console.log(`▸ ${line}`));
  const rates: Record<string, number> = {
    kills: opts.kills ?? DEFAULT_CHAOS_RATES.kills,
    hangs: opts.hangs ?? DEFAULT_CHAOS_RATES.hangs,
  };
  for (const key of Object.keys(RATE_OPTIONS)) if (opts[key] !== undefined) rates[key] = opts[key];
  const bar = new cliProgress.SingleBar(
    {
      format: ' {phase} {bar} {value}/{total} published | backlog {backlog}',
      hideCursor: true,
      noTTYOutput: !process.stdout.isTTY,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const report = await runChaos({
    orders: opts.orders ?? 2000,
    seed: opts.seed ?? 1,
    duplicateRate: opts.duplicates ?? 0.1,
    poisonRate: opts.poison ?? 0.02,
    rates: rates as ChaosRates,
    drainTimeoutMs: (opts.timeout ?? 600) * 1000,
    onProgress: (p) => {
      const payload = {
        phase: p.phase.padEnd(10),
        backlog: Object.entries(p.backlog)
          .map(([s, n]) => `${s} ${n}`)
          .join(', '),
      };
      if (!started) {
        bar.start(p.toPublish, p.published, payload);
        started = true;
      } else bar.update(p.published, payload);
    },
  });
  if (started) bar.stop();
  console.log(`\n${formatChaosReport(report)}`);
  return report.ok ? 0 : 1;
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
