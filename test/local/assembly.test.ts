/** Reading a cloud assembly (manifest → template) and deciding when it is stale. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudAssemblyError, isAssemblyStale, readStackArtifact } from '../../local/assembly.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oe-assembly-'));
  dirs.push(dir);
  return dir;
}

function write(path: string, content: unknown, mtimeSeconds?: number): void {
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  if (mtimeSeconds !== undefined) utimesSync(path, mtimeSeconds, mtimeSeconds);
}

const template = { Resources: { Q: { Type: 'AWS::SQS::Queue' } } };

describe('readStackArtifact', () => {
  it('finds a stack by its stackName property or its artifact id', () => {
    const dir = tempDir();
    write(join(dir, 'Named.template.json'), template);
    write(join(dir, 'ById.template.json'), { Resources: {} });
    write(join(dir, 'manifest.json'), {
      artifacts: {
        Tree: { type: 'cdk:tree' },
        Named: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'Named.template.json', stackName: 'App-dev' },
        },
        ById: { type: 'aws:cloudformation:stack', properties: { templateFile: 'ById.template.json' } },
      },
    });
    const named = readStackArtifact('App-dev', dir);
    expect(named).toEqual({
      stackName: 'App-dev',
      assemblyDir: dir,
      templatePath: join(dir, 'Named.template.json'),
      template,
    });
    expect(readStackArtifact('ById', dir).template).toEqual({ Resources: {} });
    // Two stacks: the caller must say which; the error lists them.
    expect(() => readStackArtifact(undefined, dir)).toThrow(
      /has 2 stacks \(App-dev, ById\): name the one to deploy/,
    );
  });

  it("takes the assembly's only stack, under its own name, when no name is given", () => {
    const dir = tempDir();
    write(join(dir, 'Solo.template.json'), template);
    write(join(dir, 'manifest.json'), {
      artifacts: {
        Tree: { type: 'cdk:tree' },
        Solo: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'Solo.template.json', stackName: 'Solo-dev' },
        },
      },
    });
    expect(readStackArtifact(undefined, dir)).toMatchObject({ stackName: 'Solo-dev', template });
  });

  it('says what to run when there is no assembly, and which stacks there are when the name is wrong', () => {
    const dir = tempDir();
    expect(() => readStackArtifact('App-dev', dir)).toThrow(CloudAssemblyError);
    expect(() => readStackArtifact('App-dev', dir)).toThrow(
      expect.objectContaining({ name: 'CloudAssemblyError' }),
    );
    expect(() => readStackArtifact('App-dev', dir)).toThrow(
      /no cloud assembly at .* \(run `npx cdk synth`\)/,
    );
    write(join(dir, 'manifest.json'), {
      artifacts: {
        Asset: { type: 'cdk:asset-manifest', properties: { file: 'x.assets.json' } },
        Bare: { type: 'cdk:tree' },
        A: { type: 'aws:cloudformation:stack', properties: { templateFile: 'A.json', stackName: 'One' } },
        B: { type: 'aws:cloudformation:stack', properties: { templateFile: 'B.json' } },
        C: { type: 'aws:cloudformation:stack', properties: { stackName: 'NoTemplate' } },
      },
    });
    expect(() => readStackArtifact('App-dev', dir)).toThrow(
      /stack App-dev not in .*manifest\.json \(found: One, B, NoTemplate\)/,
    );
    expect(() => readStackArtifact('NoTemplate', dir)).toThrow('stack NoTemplate has no templateFile');
    expect(() => readStackArtifact('Bare', dir)).toThrow(/stack Bare not in/);
    write(join(dir, 'manifest.json'), {});
    expect(() => readStackArtifact('App-dev', dir)).toThrow(/\(found: none\)/);
  });
});

describe('isAssemblyStale', () => {
  /** An assembly built at t=2000 and a source tree whose files are older unless a test says otherwise. */
  function setup(): { out: string; src: string } {
    const root = tempDir();
    const out = join(root, 'cdk.out');
    const src = join(root, 'src');
    mkdirSync(out);
    mkdirSync(join(src, 'nested'), { recursive: true });
    mkdirSync(join(src, 'node_modules'));
    mkdirSync(join(src, '.cache'));
    write(join(src, 'a.ts'), 'a', 1000);
    write(join(src, 'nested', 'b.ts'), 'b', 1000);
    for (const d of [join(src, 'nested'), join(src, 'node_modules'), join(src, '.cache'), src]) {
      utimesSync(d, 1000, 1000);
    }
    write(join(out, 'manifest.json'), {}, 2000);
    return { out, src };
  }

  it('is stale without a manifest', () => {
    const { src } = setup();
    expect(isAssemblyStale(join(tempDir(), 'missing'), [src])).toBe(true);
  });

  it('is fresh when every source is older than the manifest, missing sources included', () => {
    const { out, src } = setup();
    expect(isAssemblyStale(out, [src, join(src, 'not-there.ts')])).toBe(false);
  });

  it('is stale when any file, however deep, is newer than the manifest', () => {
    const { out, src } = setup();
    write(join(src, 'nested', 'b.ts'), 'changed', 3000);
    expect(isAssemblyStale(out, [src])).toBe(true);
    expect(isAssemblyStale(out, [join(src, 'a.ts'), join(src, 'nested', 'b.ts')])).toBe(true);
    expect(isAssemblyStale(out, [join(src, 'nested', 'b.ts')])).toBe(true);
    expect(isAssemblyStale(out, [join(src, 'a.ts')])).toBe(false);
  });

  it("is fresh when the newest source has the manifest's own time", () => {
    const { out, src } = setup();
    write(join(src, 'a.ts'), 'same time', 2000);
    expect(isAssemblyStale(out, [join(src, 'a.ts')])).toBe(false);
  });

  it('ignores node_modules and dot directories', () => {
    const { out, src } = setup();
    write(join(src, 'node_modules', 'dep.js'), 'x', 3000);
    write(join(src, '.cache', 'entry'), 'x', 3000);
    utimesSync(join(src, 'node_modules'), 1000, 1000);
    utimesSync(join(src, '.cache'), 1000, 1000);
    utimesSync(src, 1000, 1000);
    expect(isAssemblyStale(out, [src])).toBe(false);
  });
});
