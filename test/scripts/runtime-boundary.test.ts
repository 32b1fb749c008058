/**
 * The runtime's boundary is a lint rule (biome.json, override for `local/**`): anything under local/
 * that imports the app (infra/, lambdas/, cli/, bench/, test/) fails `npm run lint`, while the app may
 * import from anywhere. Probed with the project's own biome configuration on throwaway files in a
 * temporary tree (the repository is never written to).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIOME = resolve('node_modules/.bin/biome');
const tree = mkdtempSync(join(tmpdir(), 'oe-boundary-'));
afterAll(() => rmSync(tree, { recursive: true, force: true }));

/** Files of the probe tree: each imports one module by a relative path. */
const PROBES: Readonly<Record<string, string>> = {
  'local/imports-infra.ts': '../infra/config.ts',
  'local/deploy/imports-lambdas.ts': '../../lambdas/shared/errors.ts',
  'local/imports-cli.ts': '../cli/observe.ts',
  'local/imports-test.ts': '../test/integration/helpers/target.ts',
  'local/imports-node-modules.ts': '../node_modules/fauxqs/dist/sqs/sqsStore.js',
  'local/imports-itself.ts': './errors.ts',
  'cli/imports-infra.ts': '../infra/config.ts',
  'infra/imports-lambdas.ts': '../lambdas/shared/errors.ts',
};

/** The files biome reports with noRestrictedImports under the project's configuration. */
function restricted(): string[] {
  const config = JSON.parse(readFileSync('biome.json', 'utf8')) as Record<string, unknown>;
  // The copy lives outside the repository: no VCS, no schema path.
  delete config.$schema;
  config.vcs = { enabled: false };
  writeFileSync(join(tree, 'biome.json'), JSON.stringify(config));
  for (const [file, target] of Object.entries(PROBES)) {
    mkdirSync(dirname(join(tree, file)), { recursive: true });
    writeFileSync(join(tree, file), `import * as probe from '${target}';\n\nexport const used = probe;\n`);
  }
  const run = spawnSync(BIOME, ['lint', '--reporter=json', '.'], { cwd: tree, encoding: 'utf8' });
  const report = JSON.parse(run.stdout) as {
    diagnostics: Array<{ category: string; location: { path: string | { file: string } } }>;
  };
  return report.diagnostics
    .filter((d) => d.category === 'lint/style/noRestrictedImports')
    .map((d) => (typeof d.location.path === 'string' ? d.location.path : d.location.path.file))
    .sort();
}

describe('runtime boundary (lint)', () => {
  it('fails every import of the app or of node_modules by path from local/, and nothing else', () => {
    expect(restricted()).toEqual([
      'local/deploy/imports-lambdas.ts',
      'local/imports-cli.ts',
      'local/imports-infra.ts',
      'local/imports-node-modules.ts',
      'local/imports-test.ts',
    ]);
  });
});
