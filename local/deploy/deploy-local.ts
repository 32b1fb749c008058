/**
 * Local deploy of a synthesized stack into running emulators: reads the cloud assembly, runs the
 * deploy engine with the default provider registry and writes the outputs file in the shape of
 * `cdk deploy --outputs-file`. Everything in the template the emulators do not have is listed in
 * the deployment's `notEmulated` by type, never silently dropped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readStackArtifact } from '../assembly.ts';
import { type Emulators, LOCAL_ACCOUNT_ID } from '../emulators.ts';
import type { DeployLocalOptions, LocalDeployment } from './deployment.ts';
import { deployTemplate } from './engine.ts';
import { defaultRegistry } from './registry.ts';

/** Where the outputs file goes unless the options say otherwise. */
export const DEFAULT_OUTPUTS_FILE = '.local/outputs.json';

/**
 * Deploys a stack from the cloud assembly into running emulators and writes the outputs file.
 * Fails with the resource and property named when an intrinsic cannot be resolved.
 */
export async function deployLocal(
  emulators: Emulators,
  options: DeployLocalOptions = {},
): Promise<LocalDeployment> {
  const artifact = readStackArtifact(options.stackName, options.assemblyDir ?? 'cdk.out');
  const deployment = await deployTemplate({
    artifact,
    region: emulators.region,
    accountId: LOCAL_ACCOUNT_ID,
    clientConfig: (service) => emulators.clientConfig(service),
    registry: defaultRegistry(),
    options,
  });
  if (options.outputsFile !== false)
    writeOutputsFile(deployment, options.outputsFile ?? DEFAULT_OUTPUTS_FILE);
  return deployment;
}

/** Writes `{ "<stack>": { <output>: <value> } }`, the shape of `cdk deploy --outputs-file`. */
export function writeOutputsFile(deployment: LocalDeployment, path: string): string {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, `${JSON.stringify({ [deployment.stackName]: deployment.outputs }, null, 2)}\n`);
  return absolute;
}
