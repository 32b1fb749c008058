/**
 * The integration suite alone (`npm run test:integration`, localstack/test.sh): the root config
 * (timeouts, workers, the synth-once global setup) limited to test/integration and test/cli, without projects.
 */
import { defineConfig } from 'vitest/config';
import root from '../../vitest.config.ts';

const { projects: _projects, ...test } = root.test ?? {};

export default defineConfig({
  test: { ...test, include: ['test/integration/**/*.test.ts', 'test/cli/**/*.test.ts'] },
});
