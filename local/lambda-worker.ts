/**
 * Worker-thread bootstrap that plays the part of the Lambda Node.js runtime for one execution
 * environment: it imports the bundled asset once (the init phase), then runs one invocation at a
 * time with a Lambda-like context. Results cross the thread boundary as JSON, as Lambda serialises
 * them. Loaded by Node's built-in type stripping (erasable syntax only, node: imports only).
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { handlerModuleFile, parseHandler } from './handler-module.ts';

/** Static data of the execution environment, passed as `workerData`. */
export interface LambdaWorkerData {
  readonly assetDir: string;
  readonly handler: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/** Parent → worker: run one invocation. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly awsRequestId: string;
  /** Epoch ms at which the invocation times out. */
  readonly deadline: number;
  readonly event: unknown;
}

/** Worker → parent, once: the handler module has been imported (or failed to); init is over. */
export interface InitializedMessage {
  readonly type: 'initialized';
}

/** Worker → parent: the outcome of one invocation. */
export type ResultMessage =
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly payload: string | undefined }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly errorType: string; readonly errorMessage: string; readonly stack?: string };
    };

type Handler = (event: unknown, context: unknown) => unknown;

const data = workerData as LambdaWorkerData;
let loaded: Promise<Handler> | undefined;

function loadHandler(): Promise<Handler> {
  loaded ??= (async () => {
    const { exportName } = parseHandler(data.handler);
    const file = handlerModuleFile(data.assetDir, data.handler);
    if (file === undefined) {
      throw new Error(`no module for handler '${data.handler}' in ${data.assetDir} (.mjs, .js or .cjs)`);
    }
    // An import error here (e.g. a missing dependency) is the bundle's own and is reported as it is.
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const fn = mod[exportName];
    if (typeof fn !== 'function') throw new Error(`${file} does not export a function '${exportName}'`);
    return fn as Handler;
  })();
  return loaded;
}

function describe(error: unknown): { errorType: string; errorMessage: string; stack?: string } {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { errorType: 'Error', errorMessage: String(error) };
}

// The init phase runs as soon as the sandbox starts, as in Lambda; an import error is reported by the
// first invocation (the bundle's own error, as it is).
void loadHandler()
  .catch(() => undefined)
  .then(() => parentPort?.postMessage({ type: 'initialized' } satisfies InitializedMessage));

parentPort?.on('message', (message: InvokeMessage) => {
  if (message.type !== 'invoke') return;
  const context = {
    functionName: data.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: data.functionArn,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId: message.awsRequestId,
    logGroupName: data.logGroupName,
    logStreamName: data.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  void (async () => {
    let reply: ResultMessage;
    try {
      const handler = await loadHandler();
      const value = await handler(message.event, context);
      reply = {
        type: 'result',
        id: message.id,
        ok: true,
        payload: value === undefined ? undefined : JSON.stringify(value),
      };
    } catch (error) {
      reply = { type: 'result', id: message.id, ok: false, error: describe(error) };
      // Lambda's runtime logs the error as a line of the function's output.
      console.error(JSON.stringify({ level: 'ERROR', message: 'Invoke Error', ...describe(error) }));
    }
    parentPort?.postMessage(reply);
  })();
});
