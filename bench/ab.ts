/**
 * A/B of the embedded bench (`npm run bench:ab -- --baseline <dir> [--runs 3] -- <bench options>`):
 * runs bench/pipeline.ts in a baseline checkout (A) and in this one (B), alternating A, B, A, B, …
 * back to back with the same options, so both sides see the same machine and the same load. Prints
 * each run's figures and, per side, the medians and the ratio B/A of: CPU ms per order of every phase
 * (process.cpuUsage: main thread, emulators and worker sandboxes), CPU ms per order of the whole
 * process (start-up, deploy and sandbox starts included, from bash's `times`), orders/s, warm
 * p50/p99 per service and the cold start. Figures, never assertions.
 *
 * The baseline is any checkout with its own node_modules (its patches applied), e.g.
 * `git worktree add ../base <commit> && (cd ../base && npm ci)`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { type BenchFigures, childCpuSeconds, median, parseBenchReport } from './bench-report.ts';

const program = new Command()
  .requiredOption('--baseline <dir>', 'checkout of the commit to compare with (A), with its node_modules')
  .option('--candidate <dir>', 'checkout to measure (B)', resolve(import.meta.dirname, '..'))
  .option('--runs <n>', 'runs per side, alternating', (v) => Number.parseInt(v, 10), 3)
  .option('--out <dir>', 'also write each run’s full report there (run-<i>-<A|B>.md)')
  .argument('[bench...]', 'options passed to bench/pipeline.ts on both sides (after --)')
  .parse();
const options = program.opts<{ baseline: string; candidate: string; runs: number; out?: string }>();
const benchArgs = program.args;

interface Run {
  readonly side: 'A' | 'B';
  readonly figures: BenchFigures;
  /** CPU seconds of the whole bench process. */
  readonly processCpuSeconds: number;
  readonly orders: number;
  readonly load: readonly number[];
}

/** Runs the bench once in `dir`; resolves with its report and the CPU its process used. */
function runBench(dir: string): Promise<{ markdown: string; cpuSeconds: number }> {
  return new Promise((resolveRun, reject) => {
    // bash's `times` prints the CPU of the children it waited for: the whole bench process, all
    // of its threads (the emulators and every sandbox are threads of it).
    const child = spawn(
      'bash',
      ['-c', 'node --import tsx bench/pipeline.ts "$@"; s=$?; times >&2; exit $s', 'bench', ...benchArgs],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      // The last two lines of stderr are `times`: this shell's own CPU, then its children's.
      const cpuSeconds = childCpuSeconds(stderr.trimEnd().split('\n').slice(-2).join('\n'));
      if (code !== 0 || cpuSeconds === undefined) {
        reject(new Error(`bench in ${dir} exited with ${code}:\n${stderr.slice(-2000)}`));
        return;
      }
      resolveRun({ markdown: stdout, cpuSeconds });
    });
  });
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

async function main(): Promise<void> {
  const dirs = { A: resolve(options.baseline), B: resolve(options.candidate) } as const;
  for (const dir of Object.values(dirs)) {
    if (!existsSync(resolve(dir, 'bench/pipeline.ts')) || !existsSync(resolve(dir, 'node_modules'))) {
      throw new Error(`${dir} is not a checkout with bench/pipeline.ts and node_modules`);
    }
  }
  console.log(`A = ${dirs.A}\nB = ${dirs.B}\nbench options: ${benchArgs.join(' ') || '(defaults)'}\n`);
  const runs: Run[] = [];
  for (let i = 0; i < options.runs; i++) {
    for (const side of ['A', 'B'] as const) {
      const load = loadavg();
      process.stdout.write(`run ${i + 1} ${side} (load ${load.map((l) => l.toFixed(2)).join(' ')}) … `);
      const { markdown, cpuSeconds } = await runBench(dirs[side]);
      if (options.out !== undefined) {
        mkdirSync(options.out, { recursive: true });
        writeFileSync(join(options.out, `run-${i + 1}-${side}.md`), markdown);
      }
      const figures = parseBenchReport(markdown);
      const orders = figures.phases.reduce((sum, p) => sum + p.orders, 0);
      runs.push({ side, figures, processCpuSeconds: cpuSeconds, orders, load });
      console.log(
        `${figures.phases.map((p) => `${p.phase}${p.complete ? '' : '*'} ${fmt(p.cpuMsPerOrder)} ms/order ${fmt(p.ordersPerSecond, 0)}/s`).join(', ')}; process ${fmt(cpuSeconds, 1)} s CPU`,
      );
    }
  }
  const side = (s: 'A' | 'B') => runs.filter((r) => r.side === s);
  const row = (label: string, of: (r: Run) => number, digits = 1) => {
    const a = median(side('A').map(of));
    const b = median(side('B').map(of));
    console.log(`| ${label} | ${fmt(a, digits)} | ${fmt(b, digits)} | ${fmt(b / a, 2)} |`);
  };
  console.log(`\n## Medians of ${options.runs} runs per side (A, B alternating)\n`);
  console.log('| figure | A | B | B/A |');
  console.log('|---|---:|---:|---:|');
  const phaseNames = [...new Set(runs.flatMap((r) => r.figures.phases.map((p) => p.phase)))];
  for (const name of phaseNames.filter((n) => n !== 'cold')) {
    const phase = (r: Run) => r.figures.phases.find((p) => p.phase === name);
    row(`${name}: CPU ms per order`, (r) => phase(r)?.cpuMsPerOrder ?? Number.NaN);
    row(`${name}: orders/s`, (r) => phase(r)?.ordersPerSecond ?? Number.NaN, 0);
  }
  row(
    'whole process: CPU ms per order (start-up, deploy, every phase)',
    (r) => (r.processCpuSeconds * 1000) / r.orders,
  );
  const titles = [...new Set(runs.flatMap((r) => [...r.figures.latency.keys()]))];
  for (const title of titles) {
    const services = [
      ...new Set(runs.flatMap((r) => (r.figures.latency.get(title) ?? []).map((l) => l.service))),
    ];
    for (const service of services) {
      const of = (r: Run) => r.figures.latency.get(title)?.find((l) => l.service === service);
      const window = runs.map(of).find((l) => l !== undefined)?.batchingWindowSeconds ?? Number.NaN;
      row(
        `${title.split(',')[0]} ${service} (window ${window} s): warm p50 ms`,
        (r) => of(r)?.p50 ?? Number.NaN,
        0,
      );
      row(
        `${title.split(',')[0]} ${service} (window ${window} s): warm p99 ms`,
        (r) => of(r)?.p99 ?? Number.NaN,
        0,
      );
    }
  }
  const coldServices = [...new Set(runs.flatMap((r) => [...r.figures.cold.keys()]))];
  for (const service of coldServices) {
    row(`cold start ${service}: publish → processed ms`, (r) => r.figures.cold.get(service) ?? Number.NaN, 0);
  }
  const loads = runs.map((r) => r.load[0] ?? Number.NaN);
  console.log(
    `\nLoad average (1 min) at the start of each run: ${loads.map((l) => fmt(l, 2)).join(', ')} (median ${fmt(median(loads), 2)}). Phases marked * did not complete within the bench's hang guard.`,
  );
}

await main();
