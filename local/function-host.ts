/**
 * Execution environments of one function: a pool of worker threads, each running the bundled
 * asset like a warm Lambda sandbox (one invocation at a time, module state kept between
 * invocations). A timeout or crash terminates that worker, as Lambda discards the sandbox.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { LocalFunction } from './deploy/deployment.ts';
import { LocalRuntimeError } from './errors.ts';
import type { InvokeMessage, LambdaWorkerData, ResultMessage } from './lambda-worker.ts';

const WORKER_FILE = new URL('./lambda-worker.ts', import.meta.url);

/** A line a worker wrote to stdout/stderr, tagged with its function. */
export interface OutputLine {
  readonly functionLogicalId: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

/** The function threw, returned a rejected promise, crashed, or timed out. */
export class InvocationError extends LocalRuntimeError {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${functionName}: ${errorType}: ${message}`);
  }
}

/** Outcome of an invocation that completed: the JSON payload Lambda would return (parsed). */
export interface InvocationResult {
  readonly awsRequestId: string;
  readonly payload: unknown;
  readonly durationMs: number;
}

interface Sandbox {
  /** Also the sandbox's `AWS_SESSION_TOKEN`, so the endpoint proxy can name the calling sandbox. */
  readonly id: string;
  readonly worker: Worker;
  readonly exited: Promise<void>;
  /** Settles when the handler module has been imported (or failed to), i.e. when init is over. */
  readonly initialized: Promise<void>;
}

/**
 * Lambda's init budget: the module import runs before the invocation's own timeout starts, and after
 * 10 s Lambda stops waiting for init (it is retried inside the invocation, within its timeout).
 */
const INIT_BUDGET_MS = 10_000;

/** Options of {@link FunctionHost}. */
export interface FunctionHostOptions {
  /** Environment of the emulators (endpoints, region, dummy credentials). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Receives every output line of every sandbox. */
  readonly onOutput: (line: OutputLine) => void;
  /**
   * Most sandboxes alive at once; further invocations wait for one to be free (Lambda would scale
   * out, a laptop should not spawn a thread per request).
   * @default 10
   */
  readonly maxSandboxes?: number;
}

/** Runs invocations of one {@link LocalFunction} in worker threads. */
export class FunctionHost {
  private readonly idle: Sandbox[] = [];
  private readonly all = new Set<Sandbox>();
  private nextId = 1;
  private closed = false;
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly fn: LocalFunction,
    private readonly options: FunctionHostOptions,
  ) {}

  /** Invokes the function with `event`; rejects with {@link InvocationError} on error or timeout. */
  async invoke(event: unknown): Promise<InvocationResult> {
    if (this.closed) throw new InvocationError(this.fn.name, 'HostClosed', 'the function host is closed');
    while (this.busy >= (this.options.maxSandboxes ?? 10)) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.closed) throw new InvocationError(this.fn.name, 'HostClosed', 'the function host is closed');
    }
    this.busy++;
    try {
      return await this.run(event);
    } finally {
      this.busy--;
      this.waiting.shift()?.();
    }
  }

  /**
   * Starts sandboxes until `count` are alive (never more than `maxSandboxes`) and lets each run its
   * init phase (the handler module's import) before any event reaches it, as Lambda's proactive
   * initialization does (the init type stays `on-demand`). Resolves once every started sandbox has
   * finished its init (or died in it), with how long each took from spawn to the end of its init:
   * the cold start, reported apart from the invocations. Idle sandboxes are handed out as usual.
   */
  async prewarm(count: number): Promise<number[]> {
    const target = Math.min(count, this.options.maxSandboxes ?? 10);
    const inits: Array<Promise<number>> = [];
    while (!this.closed && this.all.size < target) {
      const spawnedAt = performance.now();
      const sandbox = this.spawn();
      this.idle.push(sandbox);
      inits.push(
        Promise.race([sandbox.initialized, sandbox.exited]).then(() => performance.now() - spawnedAt),
      );
    }
    return Promise.all(inits);
  }

  /**
   * Ends the sandbox `sandboxId` as a crash would (its invocation in flight fails with
   * `Runtime.ExitError`). Resolves once it has exited; false when there is no such sandbox.
   */
  async kill(sandboxId: string): Promise<boolean> {
    const sandbox = [...this.all].find((s) => s.id === sandboxId);
    if (sandbox === undefined) return false;
    await sandbox.worker.terminate();
    await sandbox.exited;
    return true;
  }

  private async run(event: unknown): Promise<InvocationResult> {
    const sandbox = this.idle.pop() ?? this.spawn();
    // The invocation's deadline starts when init is over, as in Lambda (see INIT_BUDGET_MS).
    let budget: NodeJS.Timeout | undefined;
    await Promise.race([
      sandbox.initialized,
      sandbox.exited,
      new Promise<void>((resolve) => {
        budget = setTimeout(resolve, INIT_BUDGET_MS);
      }),
    ]);
    clearTimeout(budget);
    // Gone during init (a crash at import, or close()): the exit listener in spawn already removed it.
    if (!this.all.has(sandbox)) {
      throw new InvocationError(this.fn.name, 'Runtime.ExitError', 'sandbox exited during init');
    }
    const awsRequestId = randomUUID();
    const started = Date.now();
    const deadline = started + this.fn.timeoutSeconds * 1000;
    const id = this.nextId++;
    return new Promise<InvocationResult>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        sandbox.worker.off('message', onMessage);
        sandbox.worker.off('error', onError);
        sandbox.worker.off('exit', onExit);
      };
      const discard = (errorType: string, message: string): void => {
        cleanup();
        // Stays in `all` until it has exited (see spawn), so close() still awaits its termination.
        void sandbox.worker.terminate();
        reject(new InvocationError(this.fn.name, errorType, message));
      };
      const onMessage = (message: ResultMessage): void => {
        if (message.type !== 'result' || message.id !== id) return;
        cleanup();
        if (this.closed) void sandbox.worker.terminate();
        else this.idle.push(sandbox);
        if (message.ok) {
          resolve({
            awsRequestId,
            payload: message.payload === undefined ? null : (JSON.parse(message.payload) as unknown),
            durationMs: Date.now() - started,
          });
        } else {
          reject(new InvocationError(this.fn.name, message.error.errorType, message.error.errorMessage));
        }
      };
      const onError = (error: Error): void =>
        discard('Runtime.ExitError', `sandbox crashed: ${error.message}`);
      const onExit = (code: number): void => discard('Runtime.ExitError', `sandbox exited with code ${code}`);
      const timer = setTimeout(
        () =>
          discard('Sandbox.Timedout', `Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`),
        deadline - started,
      );
      sandbox.worker.on('message', onMessage);
      sandbox.worker.once('error', onError);
      sandbox.worker.once('exit', onExit);
      const message: InvokeMessage = { type: 'invoke', id, awsRequestId, deadline, event };
      sandbox.worker.postMessage(message);
    });
  }

  /** Terminates every sandbox. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    const sandboxes = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(
      sandboxes.map(async (s) => {
        await s.worker.terminate();
        await s.exited;
      }),
    );
  }

  private spawn(): Sandbox {
    const fn = this.fn;
    const id = `${fn.logicalId}/${randomUUID()}`;
    const workerData: LambdaWorkerData = {
      assetDir: fn.assetDir,
      handler: fn.handler,
      functionName: fn.name,
      functionArn: fn.arn,
      memoryMb: fn.memoryMb,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `local/${randomUUID()}`,
    };
    const region = this.options.baseEnv.AWS_REGION ?? 'us-east-1';
    // A clean environment, as in Lambda: the reserved variables, the emulator endpoints, and the
    // function's own variables — never the parent's (no real credentials or profiles leak in).
    const env: Record<string, string> = {
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: workerData.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: workerData.logStreamName,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: fn.assetDir,
      _HANDLER: fn.handler,
      TZ: 'UTC',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...this.options.baseEnv,
      AWS_REGION: region,
      // Each function signs as itself and each sandbox with its own session token (as Lambda hands
      // every sandbox its role's temporary credentials): an endpoint proxy can tell callers apart.
      AWS_ACCESS_KEY_ID: fn.logicalId,
      AWS_SESSION_TOKEN: id,
      ...fn.environment,
    };
    const worker = new Worker(WORKER_FILE, { workerData, env, stdout: true, stderr: true, execArgv: [] });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const initialized = new Promise<void>((resolve) => {
      const onInit = (message: { type?: string }): void => {
        if (message.type !== 'initialized') return;
        worker.off('message', onInit);
        resolve();
      };
      worker.on('message', onInit);
    });
    this.pipe(worker.stdout, 'stdout');
    this.pipe(worker.stderr, 'stderr');
    // Without a listener, an error thrown in an idle sandbox (a rejection its handler left running)
    // would be an uncaught exception of this process. It ends the sandbox (the exit handler below
    // removes it) and shows up as a line of the function's output.
    worker.on('error', (error) =>
      this.options.onOutput({
        functionLogicalId: fn.logicalId,
        stream: 'stderr',
        line: `sandbox crashed: ${error.name}: ${error.message}`,
      }),
    );
    const sandbox: Sandbox = { id, worker, exited, initialized };
    // A sandbox that dies while idle must not be handed out again.
    void exited.then(() => {
      this.all.delete(sandbox);
      const index = this.idle.indexOf(sandbox);
      if (index >= 0) this.idle.splice(index, 1);
    });
    this.all.add(sandbox);
    return sandbox;
  }

  private pipe(stream: Readable, name: 'stdout' | 'stderr'): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) =>
      this.options.onOutput({ functionLogicalId: this.fn.logicalId, stream: name, line }),
    );
  }
}
