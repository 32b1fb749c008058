// Mutation testing as a measurement (`npm run test:mutation`; not part of .ci/run): how many
// deliberate small bugs in lambdas/ and the local runtime's pure modules the unit tests catch.
// One mutant at a time (concurrency 1): the runs share the machine with everything else.
// One folder: `npm run test:mutation -- --mutate 'lambdas/shared/**/*.ts'`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  mutate: [
    'lambdas/**/*.ts',
    'local/intrinsics.ts',
    'local/assembly.ts',
    'local/metrics-sink.ts',
    'local/handler-module.ts',
    'local/fault-plan.ts',
    'local/aws-request.ts',
    'local/time-scale.ts',
    'cli/options.ts',
  ],
  coverageAnalysis: 'perTest',
  // Module-level code (handlers read their configuration at load) would need every test per mutant.
  ignoreStatic: true,
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
