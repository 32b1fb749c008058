/** Reads the CloudWatch EMF lines Powertools Metrics writes to stdout, to assert metric values. */
import { vi } from 'vitest';

/** Collected metric sums by name, from EMF lines written while capturing. */
export interface MetricCapture {
  /** Sum per metric name since the start (or the last reset). */
  sums(): Record<string, number>;
  /** Forgets what was captured so far. */
  reset(): void;
  /** Stops capturing. */
  restore(): void;
}

/** Starts capturing stdout EMF lines; they are kept off the test output (other output passes through). */
export function captureMetrics(): MetricCapture {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((
    chunk: string | Uint8Array,
    ...rest: never[]
  ) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('"_aws"')) {
      lines.push(text);
      return true;
    }
    return original(chunk, ...rest);
  }) as typeof process.stdout.write);
  return {
    sums() {
      const sums: Record<string, number> = {};
      for (const line of lines.flatMap((l) => l.split('\n')).filter((l) => l.trim() !== '')) {
        const doc = JSON.parse(line) as Record<string, unknown> & {
          _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
        };
        for (const directive of doc._aws.CloudWatchMetrics) {
          for (const { Name } of directive.Metrics) {
            const value = doc[Name];
            const values = Array.isArray(value) ? (value as number[]) : [value as number];
            sums[Name] = (sums[Name] ?? 0) + values.reduce((a, b) => a + b, 0);
          }
        }
      }
      return sums;
    },
    reset: () => {
      lines.length = 0;
    },
    restore: () => spy.mockRestore(),
  };
}
