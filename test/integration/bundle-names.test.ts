/**
 * The bundles Lambda runs keep class names: errors take their `name` from their class
 * (`new.target.name` in OrderEventsError), and the bundling minifies, so without esbuild's
 * `keepNames` a ConfigurationError would reach the logs and the DLQ attributes as `t` or `n`.
 * Each function's real asset from cdk.out is imported by a fresh Node process with an empty
 * environment: its cold start must fail with a ConfigurationError named as such.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readStackArtifact } from '../../local/assembly.ts';
import { handlerModuleFile } from '../../local/handler-module.ts';

const artifact = readStackArtifact(undefined, 'cdk.out');
const functions = Object.entries(artifact.template.Resources).flatMap(([logicalId, resource]) => {
  const asset = resource.Metadata?.['aws:asset:path'];
  const handler = resource.Properties?.Handler;
  if (resource.Type !== 'AWS::Lambda::Function' || typeof asset !== 'string' || typeof handler !== 'string')
    return [];
  const file = handlerModuleFile(join(artifact.assemblyDir, asset), handler);
  return file === undefined ? [] : [{ logicalId, file }];
});

/** Imports `file` in a clean process and reports the error its initialisation throws. */
function coldStartError(file: string): { name: string; constructorName: string; message: string } {
  const script = `import(${JSON.stringify(pathToFileURL(file).href)}).then(
    () => console.log(JSON.stringify({ name: 'none', constructorName: 'none', message: 'no error' })),
    (e) => console.log(JSON.stringify({ name: e.name, constructorName: e.constructor.name, message: e.message })),
  );`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
}

describe('bundled handlers keep class names (esbuild keepNames)', () => {
  it('finds every function of the stack with a bundle', () => {
    expect(functions.length).toBeGreaterThanOrEqual(6);
  });

  it.each(functions)(
    '$logicalId: a cold start without its environment fails with a ConfigurationError',
    ({ file }) => {
      const error = coldStartError(file);
      expect(error.name).toBe('ConfigurationError');
      expect(error.constructorName).toBe('ConfigurationError');
      expect(error.message).toMatch(/is not set/);
    },
  );
});
