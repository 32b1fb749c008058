/**
 * The tests Stryker runs for each mutant (`npm run test:mutation`): the unit tests of lambdas/ and
 * of the local runtime's pure modules. They need no synthesized assembly and no integration runtime,
 * so a mutant is judged in seconds; the integration suite is not part of the mutation score.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/unit/**/*.test.ts', 'test/local/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
