/**
 * The demo's progress display: the burst being posted and each service's handler metrics (processed,
 * duplicates, failures, poison), redrawn as the runner counts them. Display only: when the scenario
 * is done is decided by cli/demo-scenario.ts, never here.
 */
import cliProgress from 'cli-progress';
import { SERVICES, type ServiceName } from '../infra/config.ts';
import { METRIC } from '../lambdas/shared/consumer.ts';
import type { MetricReader } from './demo-scenario.ts';

/** A running display; `stop()` draws the final state and releases the terminal. */
export interface ProgressDisplay {
  /** One more burst order accepted by the API. */
  posted(): void;
  /** Redraws the service bars from the metrics. */
  refresh(): void;
  stop(): void;
}

/**
 * Draws a bar per service (its target: `expected`, or none for a service without per-order effects)
 * and one for the burst of `burstSize` orders.
 */
export function startProgress(
  read: MetricReader,
  expected: Partial<Record<ServiceName, number>>,
  burstSize: number,
): ProgressDisplay {
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
  const burstBar = multi.create(burstSize, 0, {
    name: 'burst posted'.padEnd(12),
    dup: '-',
    failed: '-',
    poison: '-',
  });
  let posted = 0;
  const bars = SERVICES.map((s) => ({
    name: s.name,
    bar: multi.create(expected[s.name] ?? 0, 0, { name: s.name.padEnd(12), dup: 0, failed: 0, poison: 0 }),
  }));
  const refresh = (): void => {
    for (const { name, bar } of bars) {
      bar.update(read(name, METRIC.processed), {
        dup: read(name, METRIC.duplicate),
        failed: read(name, METRIC.failed),
        poison: read(name, METRIC.poisoned),
      });
    }
  };
  return {
    posted: () => {
      posted++;
      burstBar.update(posted);
    },
    refresh,
    stop: () => {
      refresh();
      multi.stop();
    },
  };
}
