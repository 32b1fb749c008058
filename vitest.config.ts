import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './test/longest-first-sequencer.ts';

// On LocalStack or AWS, retries wait out the template's real visibility timeouts and cold starts.
const remoteTarget = (process.env.ORDER_EVENTS_TARGET ?? 'embedded') !== 'embedded';

/**
 * Workers sized to the machine: integration files run their own emulators and worker-thread
 * sandboxes, so more workers than cores only makes every file slower (and its hang guards closer).
 * One spare worker on top of the cores covers the time files spend waiting on I/O.
 */
export const MAX_WORKERS = Math.max(1, Math.min(availableParallelism() + 1, 8));

// Hang guards, not timings: a test that needs them has failed anyway, and they are generous so a
// loaded machine never reaches them.
const TEST_TIMEOUT_MS = remoteTarget ? 900_000 : 120_000;
const HOOK_TIMEOUT_MS = 180_000;

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: HOOK_TIMEOUT_MS,
    pool: 'forks',
    maxWorkers: MAX_WORKERS,
    // The longest files start first, on a fresh clone too (see the sequencer).
    sequence: { sequencer: LongestFirstSequencer },
    // Synthesizes cdk.out once (when stale) before any integration file deploys it locally.
    globalSetup: ['test/integration/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'test/unit/**/*.test.ts',
            'test/infra/**/*.test.ts',
            'test/local/**/*.test.ts',
            'test/scripts/**/*.test.ts',
            'test/bench/**/*.test.ts',
          ],
          // These files share one module graph per worker (aws-cdk-lib, the SDK and Powertools are
          // imported once, not once per file). Safe because no file mocks modules, each handler test
          // sets its environment before importing its own handler module, and every file stops the
          // emulators it started.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'test/integration/**/*.test.ts',
            'test/conformance/**/*.test.ts',
            'test/cli/**/*.test.ts',
          ],
        },
      },
    ],
  },
});
