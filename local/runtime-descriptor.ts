/**
 * The file a running embedded runtime leaves behind (when its host asks for it) so that other
 * processes — an operator CLI, scripts — can reach it: its emulator endpoints, region, stack name and
 * resolved stack outputs, and the pid that serves them. Removed again when that process stops.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LocalRuntimeError } from './errors.ts';

/** Where the descriptor is written unless the host says otherwise (relative to the working directory). */
export const RUNTIME_DESCRIPTOR_FILE = '.local/runtime.json';

/** Contents of the descriptor file. */
export interface RuntimeDescriptor {
  /** Schema version of this file. */
  readonly version: 1;
  /** The process serving the emulators (dead pid = stale file). */
  readonly pid: number;
  readonly region: string;
  readonly stackName: string;
  readonly endpoints: { readonly sns: string; readonly sqs: string; readonly dynamodb: string };
  /** Resolved stack outputs, the keys of `cdk deploy --outputs-file`. */
  readonly outputs: Readonly<Record<string, string>>;
  /** ISO time the runtime was started. */
  readonly startedAt: string;
}

/** The descriptor is missing, unreadable, or describes a process that is gone. */
export class RuntimeDescriptorError extends LocalRuntimeError {}

/** Writes the descriptor; returns its absolute path. */
export function writeRuntimeDescriptor(
  descriptor: Omit<RuntimeDescriptor, 'version'>,
  path = RUNTIME_DESCRIPTOR_FILE,
): string {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, `${JSON.stringify({ version: 1, ...descriptor }, null, 2)}\n`);
  return absolute;
}

/** Removes the descriptor if it is ours (same pid); another runtime's file is left alone. */
export function removeRuntimeDescriptor(path = RUNTIME_DESCRIPTOR_FILE, pid = process.pid): void {
  const absolute = resolve(path);
  if (!existsSync(absolute)) return;
  try {
    if ((JSON.parse(readFileSync(absolute, 'utf8')) as { pid?: number }).pid !== pid) return;
  } catch {
    return;
  }
  rmSync(absolute, { force: true });
}

function alive(pid: number): boolean {
  try {
    // Signal 0 checks existence without signalling; EPERM means it exists under another user.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads and checks the descriptor.
 * @throws RuntimeDescriptorError when it is missing, malformed, or its process is gone
 */
export function readRuntimeDescriptor(path = RUNTIME_DESCRIPTOR_FILE): RuntimeDescriptor {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new RuntimeDescriptorError(
      `no embedded runtime: ${absolute} does not exist (start one with \`npm start -- --keep\`)`,
    );
  }
  let parsed: Partial<RuntimeDescriptor>;
  try {
    parsed = JSON.parse(readFileSync(absolute, 'utf8')) as Partial<RuntimeDescriptor>;
  } catch (error) {
    throw new RuntimeDescriptorError(`${absolute} is not valid JSON`, { cause: error });
  }
  if (
    parsed.version !== 1 ||
    typeof parsed.pid !== 'number' ||
    typeof parsed.region !== 'string' ||
    typeof parsed.stackName !== 'string' ||
    typeof parsed.endpoints?.sqs !== 'string' ||
    typeof parsed.outputs !== 'object' ||
    parsed.outputs === null
  ) {
    throw new RuntimeDescriptorError(`${absolute} is not an embedded runtime descriptor (version 1)`);
  }
  if (!alive(parsed.pid)) {
    throw new RuntimeDescriptorError(
      `the embedded runtime of ${absolute} (pid ${parsed.pid}) is not running any more`,
    );
  }
  return parsed as RuntimeDescriptor;
}
