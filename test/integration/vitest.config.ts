/**
 * The integration suite alone (`npm run test:integration`): the root config limited to
 * test/integration (the root config already carries the synth-once global setup).
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import root from '../../vitest.config.ts';

const merged = mergeConfig(root, defineConfig({}));
// mergeConfig concatenates arrays: replace `include` rather than extend the root's.
merged.test = { ...merged.test, include: ['test/integration/**/*.test.ts', 'test/cli/**/*.test.ts'] };

export default merged;
