/**
 * Writes small synthetic cloud assemblies (a manifest, one stack template, asset directories) for
 * the tests that drive the local deployer and runner without the project's own stack.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a one-stack assembly into a fresh temporary directory and returns the directory (the
 * caller removes it). `assets` maps an asset directory (e.g. `asset.fn`) to its `index.mjs` source;
 * an empty string creates the directory without a module.
 */
export function writeAssembly(
  template: object,
  stackName: string,
  assets: Readonly<Record<string, string>> = { 'asset.fn': '' },
): string {
  const dir = mkdtempSync(join(tmpdir(), `oe-${stackName.toLowerCase()}-`));
  for (const [asset, source] of Object.entries(assets)) {
    mkdirSync(join(dir, asset));
    if (source !== '') writeFileSync(join(dir, asset, 'index.mjs'), source);
  }
  writeFileSync(join(dir, `${stackName}.template.json`), JSON.stringify(template));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      version: '48.0.0',
      artifacts: {
        [stackName]: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: `${stackName}.template.json` },
        },
      },
    }),
  );
  return dir;
}
