/**
 * Where a Lambda `Handler` string (`index.handler`) points inside an asset directory. Shared by the
 * deployer's report and the worker bootstrap, so both name the same file. Loaded by the worker
 * through Node's built-in type stripping: erasable syntax and node: imports only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Extensions the Lambda Node.js runtime tries for the handler's module, in its order. */
const MODULE_EXTENSIONS = ['.mjs', '.js', '.cjs'] as const;

/** A handler string split into its module (path without extension) and its export. */
export interface HandlerRef {
  readonly moduleName: string;
  readonly exportName: string;
}

/** `index.handler` → `{ moduleName: 'index', exportName: 'handler' }` (the export is after the last dot). */
export function parseHandler(handler: string): HandlerRef {
  const dot = handler.lastIndexOf('.');
  return { moduleName: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

/** The handler's module file in `assetDir`: the first of `.mjs`, `.js`, `.cjs` that exists, else undefined. */
export function handlerModuleFile(assetDir: string, handler: string): string | undefined {
  const { moduleName } = parseHandler(handler);
  return MODULE_EXTENSIONS.map((ext) => join(assetDir, `${moduleName}${ext}`)).find((file) =>
    existsSync(file),
  );
}
