/**
 * The runner's metrics sink: sums the values of the EMF metrics functions print (what CloudWatch
 * would aggregate), per `service` dimension, and keeps the other lines as recent logs.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import type { OutputLine } from '../../local/function-host.ts';
import { MetricsSink } from '../../local/metrics-sink.ts';

const line = (text: string, functionLogicalId = 'EmailFn'): OutputLine => ({
  functionLogicalId,
  stream: 'stdout',
  line: text,
});

/** An EMF document as CloudWatch documents it: metric values at the root, definitions under _aws. */
const emf = (values: Record<string, unknown>, service?: string): string =>
  JSON.stringify({
    _aws: {
      Timestamp: 0,
      CloudWatchMetrics: [
        {
          Namespace: 'OrderEvents',
          Dimensions: [service === undefined ? [] : ['service']],
          Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })),
        },
      ],
    },
    ...(service === undefined ? {} : { service }),
    ...values,
  });

/** The EMF lines Powertools Metrics really prints for `record`. */
function powertoolsLines(record: (metrics: Metrics) => void): string[] {
  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write);
  try {
    const metrics = new Metrics({ namespace: 'OrderEvents', serviceName: 'email' });
    record(metrics);
    metrics.publishStoredMetrics();
  } finally {
    spy.mockRestore();
  }
  return printed.flatMap((p) => p.split('\n')).filter((l) => l.includes('"_aws"'));
}

describe('MetricsSink', () => {
  it('sums metric values, not lines, from what Powertools prints', () => {
    const sink = new MetricsSink();
    for (const text of powertoolsLines((m) => {
      m.addMetric('processed', MetricUnit.Count, 3);
      m.addMetric('failed', MetricUnit.Count, 1);
    })) {
      sink.accept(line(text));
    }
    for (const text of powertoolsLines((m) => m.addMetric('processed', MetricUnit.Count, 2))) {
      sink.accept(line(text));
    }
    expect(sink.get('email', 'processed')).toBe(5);
    expect(sink.get('email', 'failed')).toBe(1);
    expect(sink.snapshot()).toEqual({ email: { processed: 5, failed: 1 } });
  });

  it('adds up every value of a multi-value metric and skips non-numbers', () => {
    const sink = new MetricsSink();
    sink.accept(line(emf({ processed: [1, 2, 4], duplicate: 'n/a' }, 'analytics')));
    expect(sink.snapshot()).toEqual({ analytics: { processed: 7, duplicate: 0 } });
  });

  it('falls back to the function for a document without a service and reads 0 for the unknown', () => {
    const sink = new MetricsSink();
    sink.accept(line(emf({ processed: 1 }), 'InventoryFn'));
    expect(sink.get('InventoryFn', 'processed')).toBe(1);
    expect(sink.get('InventoryFn', 'failed')).toBe(0);
    expect(sink.get('nobody', 'processed')).toBe(0);
  });

  it('keeps other lines (malformed EMF included) as the most recent logs, within its bound', () => {
    const echoed: string[] = [];
    const sink = new MetricsSink({ keepLogs: 2, echo: (l) => echoed.push(l.line) });
    expect(sink.recentLogs).toEqual([]);
    const texts = ['plain', '{"level":"INFO"}', '{"_aws": broken', '{"_aws":{"Timestamp":0}}'];
    for (const text of texts) sink.accept(line(text));
    expect(sink.recentLogs.map((l) => l.line)).toEqual(texts.slice(2));
    expect(echoed).toEqual(texts);
    expect(sink.snapshot()).toEqual({});
  });

  it('notifies listeners after each EMF line until they unsubscribe', () => {
    const sink = new MetricsSink();
    let calls = 0;
    const unsubscribe = sink.onChange(() => {
      calls++;
    });
    sink.accept(line(emf({ processed: 1 }, 'email')));
    sink.accept(line('not a metric'));
    unsubscribe();
    sink.accept(line(emf({ processed: 1 }, 'email')));
    expect(calls).toBe(1);
  });
});
