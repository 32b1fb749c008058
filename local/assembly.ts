/**
 * Reads a synthesized cloud assembly (`cdk.out`): the stack's template and where its assets are.
 * Plain JSON on purpose: the manifest format is stable and the deployer needs three fields of it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalRuntimeError } from './errors.ts';
import type { TemplateValue } from './intrinsics.ts';

/** A template resource as synthesized. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, TemplateValue>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly Metadata?: Record<string, TemplateValue>;
}

/** The parts of a CloudFormation template the local deployer reads. */
export interface Template {
  readonly Parameters?: Record<string, { Type: string; Default?: TemplateValue }>;
  readonly Conditions?: Record<string, TemplateValue>;
  readonly Mappings?: Record<string, TemplateValue>;
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { Value: TemplateValue; Condition?: string }>;
}

/** One stack of a cloud assembly. */
export interface StackArtifact {
  readonly stackName: string;
  /** Absolute path of the assembly directory (asset paths are relative to it). */
  readonly assemblyDir: string;
  readonly templatePath: string;
  readonly template: Template;
}

/** The assembly is missing, stale or does not contain the stack. */
export class CloudAssemblyError extends LocalRuntimeError {}

interface Manifest {
  readonly artifacts?: Record<
    string,
    { type: string; displayName?: string; properties?: { templateFile?: string; stackName?: string } }
  >;
}

/**
 * Loads a stack from the assembly at `assemblyDir` (default `cdk.out`): `stackName`, or the
 * assembly's only stack when no name is given (an assembly with several stacks must name one).
 */
export function readStackArtifact(stackName: string | undefined, assemblyDir = 'cdk.out'): StackArtifact {
  const dir = resolve(assemblyDir);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new CloudAssemblyError(`no cloud assembly at ${dir} (run \`npx cdk synth\`)`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const artifacts = Object.entries(manifest.artifacts ?? {}).filter(
    ([, a]) => a.type === 'aws:cloudformation:stack',
  );
  const stacks = artifacts.map(([id, a]) => ({ name: a.properties?.stackName ?? id, artifact: a }));
  const names = stacks.map((stack) => stack.name).join(', ') || 'none';
  if (stackName === undefined && stacks.length !== 1) {
    throw new CloudAssemblyError(
      `${manifestPath} has ${stacks.length} stacks (${names}): name the one to deploy`,
    );
  }
  const found = stacks.find((stack) => stackName === undefined || stack.name === stackName);
  if (found === undefined) {
    throw new CloudAssemblyError(`stack ${stackName} not in ${manifestPath} (found: ${names})`);
  }
  const templateFile = found.artifact.properties?.templateFile;
  if (templateFile === undefined) throw new CloudAssemblyError(`stack ${found.name} has no templateFile`);
  const templatePath = join(dir, templateFile);
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;
  return { stackName: found.name, assemblyDir: dir, templatePath, template };
}

/**
 * Whether `assemblyDir` is older than any file under `sources` (or missing): then a synth is due.
 * Compares the manifest's mtime with the newest source file.
 */
export function isAssemblyStale(assemblyDir: string, sources: readonly string[]): boolean {
  const manifest = join(resolve(assemblyDir), 'manifest.json');
  if (!existsSync(manifest)) return true;
  const built = statSync(manifest).mtimeMs;
  return sources.some((source) => newestMtime(resolve(source)) > built);
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Options of {@link synthIfStale}. */
export interface SynthIfStaleOptions {
  /** Where the cloud assembly is written (`cdk synth --output`). */
  readonly assemblyDir: string;
  /** Files and folders whose change makes the assembly stale (the CDK app, handler code, lockfile). */
  readonly sources: readonly string[];
  /** `-c key=value` pairs passed to `cdk synth`. */
  readonly context?: Readonly<Record<string, string>>;
  /** Progress lines. @default ignored */
  readonly log?: (line: string) => void;
}

/**
 * Runs the project's pinned `cdk synth --quiet` (node_modules/.bin, never a global CLI) when the
 * assembly is missing or older than its sources. Bundling chatter is shown only when the synth
 * fails. Returns whether it synthesized.
 */
export function synthIfStale(options: SynthIfStaleOptions): boolean {
  const { assemblyDir, sources, context = {}, log = () => undefined } = options;
  if (!isAssemblyStale(assemblyDir, sources)) return false;
  log(`${assemblyDir} is missing or older than ${sources.join(', ')}: running cdk synth --quiet`);
  try {
    const contextArgs = Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
    execFileSync(
      'npx',
      ['--no-install', 'cdk', 'synth', '--quiet', '--output', assemblyDir, ...contextArgs],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    throw new CloudAssemblyError(`cdk synth failed:\n${stderr.split('\n').slice(-40).join('\n')}`, {
      cause: error,
    });
  }
  return true;
}
