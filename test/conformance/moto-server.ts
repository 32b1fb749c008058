/**
 * moto's `moto_server` (Python) as an independent DynamoDB implementation for conformance tests:
 * found on PATH, started on a free loopback port, stopped with its process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Executable looked up on PATH (`MOTO_SERVER` names another one). */
const EXECUTABLE = process.env.MOTO_SERVER ?? 'moto_server';
/** Hang guards only: moto imports every AWS service model at start-up, which takes seconds. */
const START_GUARD_MS = 60_000;
const STOP_GUARD_MS = 10_000;

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`: every service, DynamoDB included, answers on the root URL. */
  readonly endpoint: string;
  /** Terminates the process and waits for it to exit; idempotent. */
  stop(): Promise<void>;
}

/**
 * Path of the moto_server executable, or `undefined` when it is not installed. Checked without
 * running it, so that test files can decide at collection time whether to skip.
 */
export function findMotoServer(): string | undefined {
  if (EXECUTABLE.includes('/')) return isExecutable(EXECUTABLE) ? EXECUTABLE : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, EXECUTABLE);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a file's moto_server cases run, decided at collection time: they run when moto_server is
 * installed, and under `CI=true` even when it is not (they then fail in their setup, via
 * {@link requireMotoServer}, instead of skipping). Otherwise it prints why they skip.
 */
export function motoCasesRun(what: string): boolean {
  const found = findMotoServer() !== undefined;
  if (!found && process.env.CI !== 'true') {
    console.warn(
      `Skipping ${what}: moto_server was not found on PATH (or at MOTO_SERVER). ` +
        'Install it with `pip install "moto[server]"`; under CI=true these cases fail instead of skipping.',
    );
  }
  return found || process.env.CI === 'true';
}

/** Starts moto_server, or fails with what to install (a case that must run without it). */
export async function requireMotoServer(): Promise<MotoServer> {
  const executable = findMotoServer();
  if (executable === undefined)
    throw new Error('CI=true: moto_server must be installed (pip install "moto[server]")');
  return startMotoServer(executable);
}

/**
 * Starts `moto_server` on 127.0.0.1. It binds port 0 itself and prints the port it got, so there is
 * no window in which another process can take a port chosen for it; ready once it answers HTTP.
 */
export async function startMotoServer(executable: string): Promise<MotoServer> {
  const child = spawn(executable, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = stopper(child, exited);
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      const guard = setTimeout(
        () =>
          reject(new Error(`moto_server did not report its port within ${START_GUARD_MS} ms:\n${output}`)),
        START_GUARD_MS,
      );
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const port = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
        if (port) {
          clearTimeout(guard);
          resolve(`http://127.0.0.1:${port}`);
        }
      };
      // Werkzeug logs to stderr; stdout is read too in case a version prints there.
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(guard);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(guard);
        reject(new Error(`moto_server exited (${signal ?? code}) before it was ready:\n${output}`));
      });
    });
    await waitUntilAnswering(endpoint);
    // Past start-up its request log is of no interest; keep draining it so the pipe never fills.
    child.stdout?.removeAllListeners('data').resume();
    child.stderr?.removeAllListeners('data').resume();
    return { endpoint, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilAnswering(endpoint: string): Promise<void> {
  const deadline = Date.now() + START_GUARD_MS;
  let lastFailure: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(endpoint);
      await response.body?.cancel();
      if (response.ok) return;
      lastFailure = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastFailure = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server at ${endpoint} never answered`, { cause: lastFailure });
}

function stopper(child: ChildProcess, exited: Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const guard = setTimeout(() => child.kill('SIGKILL'), STOP_GUARD_MS);
      await exited;
      clearTimeout(guard);
    })();
    return stopping;
  };
}
