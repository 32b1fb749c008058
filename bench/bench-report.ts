/**
 * Reads back the markdown `npm run bench` prints (bench/pipeline.ts), for the A/B comparison
 * (bench/ab.ts): the throughput-and-CPU table and the warm latency tables. Pure functions, no I/O;
 * test/bench/bench-report.test.ts checks them on a recorded report.
 */

/** One row of the "Throughput and CPU" table. */
export interface PhaseFigures {
  readonly phase: string;
  readonly complete: boolean;
  readonly orders: number;
  readonly wallSeconds: number;
  readonly ordersPerSecond: number;
  readonly cpuMsPerOrder: number;
  readonly coresBusy: number;
}

/** Warm latency of one service in one latency table. */
export interface ServiceLatency {
  readonly service: string;
  readonly batchingWindowSeconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** What one bench run reported. */
export interface BenchFigures {
  readonly phases: readonly PhaseFigures[];
  /** Latency tables by their title after "Warm latency, " (e.g. `steady: 1000 orders at 50/s, …`). */
  readonly latency: ReadonlyMap<string, readonly ServiceLatency[]>;
  /** Cold start, publish → processed ms per service. */
  readonly cold: ReadonlyMap<string, number>;
}

const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

const num = (text: string | undefined): number => {
  const n = Number.parseFloat((text ?? '').replace(/[^0-9.eE+-]/g, ''));
  return Number.isFinite(n) ? n : Number.NaN;
};

/** The data rows (header and separator skipped) of the first table after the line `heading`. */
function tableAfter(lines: readonly string[], heading: (line: string) => boolean, from = 0): string[][] {
  const start = lines.findIndex((l, i) => i >= from && heading(l));
  if (start < 0) return [];
  const rows: string[][] = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('|')) {
      inTable = true;
      rows.push(cells(line));
    } else if (inTable) break;
  }
  return rows.slice(2);
}

/** Parses the markdown of one bench run. */
export function parseBenchReport(markdown: string): BenchFigures {
  const lines = markdown.split('\n');
  const phases = tableAfter(lines, (l) => l.startsWith('### Throughput and CPU')).map(
    ([phase = '', orders, wall, rate, cpu, busy]) => ({
      phase: phase.replace(' (INCOMPLETE)', ''),
      complete: !phase.includes('(INCOMPLETE)'),
      orders: num(orders),
      wallSeconds: num(wall),
      ordersPerSecond: num(rate),
      cpuMsPerOrder: num(cpu),
      coresBusy: num(busy),
    }),
  );
  const latency = new Map<string, ServiceLatency[]>();
  lines.forEach((line, index) => {
    const title = /^### Warm latency, (.*)$/.exec(line)?.[1];
    if (title === undefined) return;
    latency.set(
      title,
      tableAfter(lines, () => true, index).map(([service = '', , window, p50, p99, max]) => ({
        service,
        batchingWindowSeconds: num(window),
        p50: num(p50),
        p99: num(p99),
        max: num(max),
      })),
    );
  });
  const cold = new Map(
    tableAfter(lines, (l) => l.startsWith('### Cold start')).map(([service = '', ms]) => [service, num(ms)]),
  );
  return { phases, latency, cold };
}

/** Median of finite values (NaN when there are none). */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * CPU seconds of the children of a shell, from the second line of bash's `times` builtin
 * (`0m1.234s 0m0.567s`: user, then system).
 */
export function childCpuSeconds(timesOutput: string): number | undefined {
  const line = timesOutput.trim().split('\n')[1];
  const match = line === undefined ? null : /^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s$/.exec(line.trim());
  if (match === null) return undefined;
  const [, um = '0', us = '0', sm = '0', ss = '0'] = match;
  return Number(um) * 60 + Number(us) + Number(sm) * 60 + Number(ss);
}
