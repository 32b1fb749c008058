/**
 * Reads what the functions print — Powertools EMF metric lines and JSON log lines — and keeps
 * per-service counters from the real metrics, the same numbers CloudWatch would aggregate.
 */
import type { OutputLine } from './function-host.ts';

/** One EMF directive's metric definition. */
interface EmfDocument {
  readonly _aws?: {
    readonly CloudWatchMetrics?: ReadonlyArray<{
      readonly Namespace?: string;
      readonly Dimensions?: ReadonlyArray<readonly string[]>;
      readonly Metrics?: ReadonlyArray<{ readonly Name: string }>;
    }>;
  };
  readonly [key: string]: unknown;
}

/** Counters per `service` dimension and metric name, summed over every EMF line seen. */
export class MetricsSink {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly listeners = new Set<() => void>();
  /** Last log lines (non-EMF), newest last, for diagnostics. */
  readonly recentLogs: OutputLine[] = [];
  private readonly keepLogs: number;

  constructor(options: { keepLogs?: number; echo?: (line: OutputLine) => void } = {}) {
    this.keepLogs = options.keepLogs ?? 200;
    this.echo = options.echo;
  }

  private readonly echo: ((line: OutputLine) => void) | undefined;

  /** Feeds one output line. */
  readonly accept = (line: OutputLine): void => {
    this.echo?.(line);
    const emf = parseEmf(line.line);
    if (emf === undefined) {
      this.recentLogs.push(line);
      if (this.recentLogs.length > this.keepLogs) this.recentLogs.shift();
      return;
    }
    const service = typeof emf.service === 'string' ? emf.service : line.functionLogicalId;
    for (const directive of emf._aws?.CloudWatchMetrics ?? []) {
      for (const metric of directive.Metrics ?? []) {
        const raw = emf[metric.Name];
        const values = Array.isArray(raw) ? raw : [raw];
        const sum = values.reduce<number>((acc, v) => acc + (typeof v === 'number' ? v : 0), 0);
        this.add(service, metric.Name, sum);
      }
    }
    for (const listener of this.listeners) listener();
  };

  /** Value of `metric` for `service` (0 when never emitted). */
  get(service: string, metric: string): number {
    return this.counters.get(service)?.get(metric) ?? 0;
  }

  /** Snapshot: service → metric → sum. */
  snapshot(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [service, metrics] of this.counters) out[service] = Object.fromEntries(metrics);
    return out;
  }

  /** Calls `listener` after every EMF line; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private add(service: string, metric: string, value: number): void {
    let metrics = this.counters.get(service);
    if (metrics === undefined) {
      metrics = new Map();
      this.counters.set(service, metrics);
    }
    metrics.set(metric, (metrics.get(metric) ?? 0) + value);
  }
}

function parseEmf(line: string): EmfDocument | undefined {
  if (!line.startsWith('{') || !line.includes('"_aws"')) return undefined;
  try {
    const parsed = JSON.parse(line) as EmfDocument;
    return parsed._aws?.CloudWatchMetrics === undefined ? undefined : parsed;
  } catch {
    return undefined;
  }
}
