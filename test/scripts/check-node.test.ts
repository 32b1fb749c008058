/** The Node version preflight of `npm start` / `npm test`: one line naming the version to install. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const minimum = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines
  .node;

/** Runs the preflight as if this Node were `version`. */
function checkAs(version: string): { status: number | null; stderr: string } {
  const script = `Object.defineProperty(process.versions, 'node', { value: '${version}' }); require('./scripts/check-node.cjs');`;
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return { status: out.status, stderr: out.stderr };
}

describe('scripts/check-node.cjs', () => {
  it('reads its minimum from package.json engines, which npm enforces (.npmrc engine-strict)', () => {
    expect(minimum).toBe('>=22.18');
    expect(readFileSync('.npmrc', 'utf8')).toMatch(/^engine-strict=true$/m);
  });

  it.each(['20.20.2', '22.17.0', '22.17.99', '18.0.0'])(
    'refuses Node %s in one line naming >= 22.18',
    (version) => {
      const { status, stderr } = checkAs(version);
      expect(status).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          new RegExp(
            `^order-events needs Node >= 22\\.18 \\(this is Node ${version.replace(/\./g, '\\.')} at .*\\): install Node 24 `,
          ),
        ),
      ]);
    },
  );

  it.each(['22.18.0', '22.19.1', '23.0.0', '24.21.0'])('accepts Node %s silently', (version) => {
    expect(checkAs(version)).toEqual({ status: 0, stderr: '' });
  });

  it('runs before the commands that need the newer Node', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const name of ['start', 'test', 'test:unit', 'test:infra', 'test:integration', 'bench']) {
      expect(scripts[name], name).toMatch(/^node scripts\/check-node\.cjs && /);
    }
    expect(execFileSync(process.execPath, ['scripts/check-node.cjs'], { encoding: 'utf8' })).toBe('');
  });
});
