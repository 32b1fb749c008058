/** Where a Lambda `Handler` string points inside an asset directory, in the Node.js runtime's order. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handlerModuleFile, parseHandler } from '../../local/handler-module.ts';

const dir = mkdtempSync(join(tmpdir(), 'oe-handler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseHandler', () => {
  it('splits at the last dot: the module path may contain dots and slashes', () => {
    expect(parseHandler('index.handler')).toEqual({ moduleName: 'index', exportName: 'handler' });
    expect(parseHandler('src/app.v2.main')).toEqual({ moduleName: 'src/app.v2', exportName: 'main' });
  });
});

describe('handlerModuleFile', () => {
  it('prefers .mjs, then .js, then .cjs, and is undefined when none exists', () => {
    expect(handlerModuleFile(dir, 'index.handler')).toBeUndefined();
    writeFileSync(join(dir, 'index.cjs'), '');
    expect(handlerModuleFile(dir, 'index.handler')).toBe(join(dir, 'index.cjs'));
    writeFileSync(join(dir, 'index.js'), '');
    expect(handlerModuleFile(dir, 'index.handler')).toBe(join(dir, 'index.js'));
    writeFileSync(join(dir, 'index.mjs'), '');
    expect(handlerModuleFile(dir, 'index.handler')).toBe(join(dir, 'index.mjs'));
    expect(handlerModuleFile(dir, 'other.handler')).toBeUndefined();
  });
});
