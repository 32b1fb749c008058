/**
 * The order vitest hands files to its workers in: the files known to take longest first, then
 * vitest's own order. Vitest sorts by the durations it cached from earlier runs, but a fresh clone
 * (CI, a contributor's first `npm test`) has no cache and falls back to file size, which starts the
 * chaos runs (two-line files waiting on faults for half a minute) last: the whole suite then waits
 * for them at the end while the other workers sit idle.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Path fragments of the longest files, longest first (measured wall time per file on 2 cores: the
 * chaos seeds, the recorded-IAM run with its three syntheses, the failure paths and the sandbox
 * timeouts, the CLI files).
 */
export const LONGEST_FILES: readonly string[] = [
  'test/integration/chaos-seed-',
  'test/integration/iam-recorded-calls.test.ts',
  'test/integration/failures.test.ts',
  'test/cli/cli-redrive.test.ts',
  'test/integration/sandbox-faults.test.ts',
  'test/cli/cli.test.ts',
  'test/integration/one-fact.test.ts',
  'test/integration/runner.test.ts',
  'test/cli/cli-replay.test.ts',
];

function rank(file: TestSpecification): number {
  const index = LONGEST_FILES.findIndex((fragment) => file.moduleId.includes(fragment));
  return index === -1 ? LONGEST_FILES.length : index;
}

/** {@link LONGEST_FILES} first, in that order; every other file in vitest's order after them. */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: files of equal rank keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
