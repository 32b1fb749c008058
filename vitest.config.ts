import { defineConfig } from 'vitest/config';

// On LocalStack or AWS, retries wait out the template's real visibility timeouts and cold starts.
const remoteTarget = (process.env.ORDER_EVENTS_TARGET ?? 'embedded') !== 'embedded';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: remoteTarget ? 900_000 : 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Synthesizes cdk.out once (when stale) before any integration file deploys it locally.
    globalSetup: ['test/integration/global-setup.ts'],
    // Integration files mostly wait on their own emulators and consumers (I/O-bound), so running
    // several side by side pays off even on 2 cores.
    maxWorkers: 5,
  },
});
