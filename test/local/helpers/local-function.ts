/** A {@link LocalFunction} over a module written to a temporary asset directory, for host and server tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalFunction } from '../../../local/deploy/deployment.ts';
import { LOCAL_ACCOUNT_ID } from '../../../local/emulators.ts';

/** A function whose `index.mjs` is `source`; `remove()` deletes its directory. */
export function localFunction(
  source: string | undefined,
  overrides: Partial<LocalFunction> = {},
): LocalFunction & { remove(): void } {
  const assetDir = mkdtempSync(join(tmpdir(), 'oe-fn-'));
  if (source !== undefined) writeFileSync(join(assetDir, 'index.mjs'), source);
  return {
    logicalId: 'Fn',
    name: 'Stack-Fn-ABC',
    arn: `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT_ID}:function:Stack-Fn-ABC`,
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    timeoutSeconds: 5,
    memoryMb: 256,
    assetDir,
    environment: { GREETING: 'hello' },
    ...overrides,
    remove: () => rmSync(assetDir, { recursive: true, force: true }),
  };
}
