/**
 * `AWS::Lambda::Function` → recorded for the runner (the bundled asset and its resolved settings).
 * No emulator: the function host runs the bundle itself.
 */
import { join } from 'node:path';
import type { ResolvedValue } from '../../intrinsics.ts';
import { LocalDeployError, type LocalFunction } from '../deployment.ts';
import type { ResourceProvider } from '../provider.ts';

/** Report key of functions without a bundled asset. */
export const NO_ASSET = 'AWS::Lambda::Function (no bundled asset)';
const NO_ASSET_REASON = 'inline code (no aws:asset:path): nothing for the runner to run';

/** Lambda's defaults for settings a template leaves out. */
const DEFAULTS = { handler: 'index.handler', runtime: 'nodejs', timeoutSeconds: 3, memoryMb: 128 } as const;

/** Records the function; inline code (a CDK provider's ZipFile) is reported, not run. */
export const lambdaFunctionProvider: ResourceProvider = {
  types: ['AWS::Lambda::Function'],
  provide(context, logicalId, resource) {
    const p = context.properties(logicalId, resource);
    const name =
      typeof p.FunctionName === 'string' ? p.FunctionName : context.physicalName(logicalId, resource.Type);
    const arn = `arn:aws:lambda:${context.region}:${context.accountId}:function:${name}`;
    const provided = { ref: name, attributes: { Arn: arn } };
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') {
      // An event source mapping or route that points at it fails the deploy with the function named.
      context.notEmulated(NO_ASSET, logicalId, NO_ASSET_REASON);
      return provided;
    }
    const variables =
      (p.Environment as { Variables?: Record<string, ResolvedValue> } | undefined)?.Variables ?? {};
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(variables)) {
      if (typeof value === 'object' && value !== null) {
        throw new LocalDeployError(`${logicalId}.Properties.Environment.Variables.${key}: not a scalar`);
      }
      environment[key] = String(value);
    }
    const fn: LocalFunction = {
      logicalId,
      name,
      arn,
      handler: typeof p.Handler === 'string' ? p.Handler : DEFAULTS.handler,
      runtime: typeof p.Runtime === 'string' ? p.Runtime : DEFAULTS.runtime,
      timeoutSeconds: typeof p.Timeout === 'number' ? p.Timeout : DEFAULTS.timeoutSeconds,
      memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : DEFAULTS.memoryMb,
      assetDir: join(context.assemblyDir, assetPath),
      environment,
    };
    context.record.functions.push(fn);
    return provided;
  },
};
