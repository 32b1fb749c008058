/**
 * Vitest global setup: synthesizes once (when cdk.out is missing or older than infra/ or lambdas/)
 * before any integration test file starts, so parallel files never race on `cdk synth`.
 */
import { FIFO_ASSEMBLY_DIR, synthIfStale } from '../../cli/synth.ts';
import { targetKind } from './helpers/target.ts';

/** Runs once per `vitest run`. */
export default function setup(): void {
  if (targetKind() !== 'embedded') return;
  synthIfStale('cdk.out', (line) => console.log(`[integration] ${line}`));
  // The FIFO variant as shipped (`cdk synth -c fifo=true`), for test/integration/fifo.test.ts.
  synthIfStale(FIFO_ASSEMBLY_DIR, (line) => console.log(`[integration] ${line}`), { fifo: 'true' });
}
