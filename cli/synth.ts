/**
 * This app's cloud assemblies for the embedded runtime: which sources make them stale and where
 * the FIFO variant goes. `npm start`, the integration tests and the benchmarks synthesize through
 * here, so they all run the template `cdk deploy` would deploy.
 */
import { synthIfStale as synthAssemblyIfStale } from '../local/assembly.ts';

/** Sources whose change makes an assembly stale (the CDK app and the handler code). */
export const SYNTH_SOURCES = [
  'infra/app.ts',
  'infra/config.ts',
  'infra/stacks',
  'infra/constructs',
  'lambdas',
  'cdk.json',
  'package-lock.json',
] as const;

/** Where the FIFO variant (`-c fifo=true`) is synthesized for the embedded runtime and its tests. */
export const FIFO_ASSEMBLY_DIR = '.local/cdk.out.fifo';

/**
 * Runs `cdk synth --quiet` into `assemblyDir` when it is missing or older than {@link SYNTH_SOURCES};
 * `context` adds `-c key=value` pairs (e.g. `{ fifo: 'true' }`). Returns whether it synthesized.
 */
export function synthIfStale(
  assemblyDir = 'cdk.out',
  log: (line: string) => void = () => undefined,
  context: Readonly<Record<string, string>> = {},
): boolean {
  return synthAssemblyIfStale({ assemblyDir, sources: SYNTH_SOURCES, context, log });
}
