/**
 * One seed of the chaos run of `npm run chaos`, smaller, as a test: orders, duplicates and poison
 * through the embedded runtime while the endpoint proxy injects every fault class (throttling, 500s,
 * outages past the SDK's retries, applied-then-500, killed and hung sandboxes, SQS/SNS errors).
 * Exactly-once in effect must hold: nothing lost, nothing doubled, nothing stuck, stock exact, and
 * every poison message parked with its reason in every subscribed service's DLQ. One file per seed
 * (chaos-seed-*.test.ts): the emulators run in the test's process, so two seeds in two workers use
 * two cores.
 */
import { describe, expect, it } from 'vitest';
import { formatChaosReport, NO_REASON, runChaos } from '../../../bench/chaos-scenario.ts';
import { FAULT_KINDS } from '../../../local/fault-plan.ts';
import { CHAOS_TIME_SCALE, targetKind } from './target.ts';

const ORDERS = 120;
/** A hang guard only: the run waits on the queues, and a loaded machine makes every retry slower. */
const DRAIN_GUARD_MS = 600_000;

/** Declares the chaos test of one seed. */
export function chaosTest(seed: number): void {
  describe.skipIf(targetKind() !== 'embedded')(
    'chaos run (embedded runtime: faults are injected at its endpoints)',
    () => {
      it(
        `seed ${seed}: 0 lost, 0 doubled, 0 stuck, every poison message parked with its reason`,
        async () => {
          const report = await runChaos({
            orders: ORDERS,
            seed,
            duplicateRate: 0.1,
            poisonRate: 0.02,
            // Every class at the run's rates; kills and hangs often enough to happen among ~600 writes.
            rates: { killRate: 0.02, kills: 2, hangs: 1 },
            drainTimeoutMs: DRAIN_GUARD_MS,
            // Hangs last a (scaled) function timeout and failed records come back after a (scaled)
            // visibility timeout: the same faults and ratios as the template, in a quarter of the time.
            timeScale: CHAOS_TIME_SCALE,
          });
          const table = formatChaosReport(report);
          console.log(table);
          // Every kind the fault plan knows: a kind added there must be injected here too.
          for (const kind of FAULT_KINDS) {
            expect(report.injected[kind], `${kind} injected\n${table}`).toBeGreaterThan(0);
          }
          for (const s of report.services) {
            expect({ service: s.service, lost: s.lost, doubled: s.doubled, stuck: s.stuck }, table).toEqual({
              service: s.service,
              lost: 0,
              doubled: 0,
              stuck: 0,
            });
            expect(s.poisonInDlq, `${s.service} poison in DLQ\n${table}`).toBe(s.poisonExpected);
            expect(Object.keys(s.poisonReasons), table).not.toContain(NO_REASON);
            // A valid message parked in a DLQ must say why (the table lists the reason per message).
            expect(
              Object.keys(s.parked).every((why) => why.length > 0),
              table,
            ).toBe(true);
          }
          expect(report.stockDrift, table).toBe(0);
          expect(report.ok, table).toBe(true);
        },
        DRAIN_GUARD_MS + 120_000,
      );
    },
  );
}
