/**
 * Lifecycle of the embedded AWS emulators: fauxqs (SNS + SQS) on the main thread and dynalite
 * (DynamoDB) in a worker thread of its own (local/dynalite-worker.ts), both in this process on free
 * loopback ports. Tests, the local runner and `npm start` all go through this one module so that
 * every run binds, reports and releases its ports the same way.
 */

import { Worker } from 'node:worker_threads';
import { type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { buildApp } from 'fauxqs';
// fauxqs exports only its entry point; our patch (patches/fauxqs+2.4.1.patch) also exports dist/* so
// the stores can be built here (pinned version).
import { S3Store } from 'fauxqs/dist/s3/s3Store.js';
import { SnsStore } from 'fauxqs/dist/sns/snsStore.js';
import { SqsStore } from 'fauxqs/dist/sqs/sqsStore.js';
import {
  type AnsweredRequest,
  type CallObserver,
  CallObservers,
  CallTap,
  TableKeys,
} from './call-observer.ts';
import type { DynaliteStopMessage, DynaliteWorkerData, DynaliteWorkerMessage } from './dynalite-worker.ts';
import { LocalRuntimeError } from './errors.ts';
import { trackInFlight } from './http-shutdown.ts';

/** Region the emulators answer for; the local deployer builds ARNs with it. */
export const LOCAL_REGION = 'us-east-1';
/** Account id used in every locally built ARN (the value LocalStack and fauxqs use too). */
export const LOCAL_ACCOUNT_ID = '000000000000';
/** Dummy credentials: the emulators accept any signature, the SDK only needs something to sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/**
 * Waits until a table just created is ACTIVE (the SDK's waiter): CreateTable answers while the table
 * is still CREATING, and item calls before then fail. The emulator turns a table ACTIVE within
 * milliseconds, so polling starts at 50 ms instead of the 1 s a real table needs (at 1 s, every table
 * cost a whole second of each local deploy). The deadline is a hang guard.
 */
export async function waitForLocalTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await waitUntilTableExists(
    { client, maxWaitTime: 120, minDelay: 0.05, maxDelay: 2 },
    { TableName: tableName },
  );
}

/** Which emulated AWS service a client is for. */
export type EmulatedService = 'sns' | 'sqs' | 'dynamodb';

/** Endpoint of each emulated service, as `http://127.0.0.1:<port>`. */
export interface EmulatorEndpoints {
  readonly sns: string;
  readonly sqs: string;
  readonly dynamodb: string;
}

/** Constructor options for an AWS SDK v3 client pointed at an emulator. */
export interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Running emulators. `stop()` is idempotent and also runs on SIGINT/SIGTERM/exit. */
export interface Emulators {
  readonly endpoints: EmulatorEndpoints;
  readonly region: string;
  /**
   * Environment that points an unmodified AWS SDK v3 at the emulators (service-specific
   * `AWS_ENDPOINT_URL_*` variables, region, dummy credentials). Handlers get exactly this: no
   * "local mode" code paths.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Client options for `new SQSClient(emulators.clientConfig('sqs'))` and friends. */
  clientConfig(service: EmulatedService): LocalClientConfig;
  /** Closes both servers and their open connections. */
  stop(): Promise<void>;
}

/** Options of {@link startEmulators}. */
export interface StartEmulatorsOptions {
  /**
   * Start the DynamoDB emulator.
   * @default true
   */
  readonly dynamodb?: boolean;
  /**
   * Start the SNS/SQS emulator.
   * @default true
   */
  readonly snsSqs?: boolean;
  /**
   * Observers of every call the emulators answer, seen at the emulators themselves (no hop in
   * between): caller, sandbox, action, resources, `dynamodb:LeadingKeys`, status. `stop()` delivers
   * the calls still being recorded, then rejects with what the observers threw, if they threw.
   * @default none (nothing is recorded)
   */
  readonly observers?: readonly CallObserver[];
}

const LOOPBACK = '127.0.0.1';
const running = new Set<Emulators>();
let signalHandlersInstalled = false;

/**
 * Starts the emulators on free loopback ports.
 *
 * A service that is not started gets an endpoint on a closed port, so a client that reaches for
 * it fails fast with ECONNREFUSED instead of talking to real AWS.
 */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<Emulators> {
  const { dynamodb = true, snsSqs = true } = options;
  const closers: Array<() => Promise<void>> = [];
  const observers = options.observers === undefined ? undefined : new CallObservers(options.observers);
  // Created once DynamoDB listens (its key schemas are read from it); nothing is answered before.
  let tap: CallTap | undefined;
  const record = (request: AnsweredRequest): void => tap?.record(request);
  try {
    let snsSqsEndpoint = closedEndpoint();
    if (snsSqs) {
      const sqsStore = new SqsStore();
      // fauxqs names queues `sqs.<region>.localhost:<port>` by default, a host glibc does not resolve,
      // and the SDK sends to the QueueUrl's host. With no host set it echoes the request's Host
      // header, so queue URLs are `http://127.0.0.1:<port>/<account>/<name>`, reachable as they are.
      sqsStore.host = '';
      const app = buildApp({
        logger: false,
        defaultRegion: LOCAL_REGION,
        stores: { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() },
      });
      if (observers !== undefined) {
        app.addHook('onResponse', (request, reply, done) => {
          // fauxqs decoded the body already (JSON document, or query form as name → value).
          const body = request.body;
          record({
            headers: request.headers,
            body: typeof body === 'string' || isRecord(body) ? body : '',
            status: reply.statusCode,
          });
          done();
        });
      }
      // fauxqs' own startFauxqs() binds 0.0.0.0; listening ourselves keeps it on loopback.
      const address = await app.listen({ port: 0, host: LOOPBACK });
      const inFlight = trackInFlight(app.server);
      closers.push(async () => {
        // Stop accepting, let the requests being handled answer, then drop the keep-alive sockets.
        const closed = app.close();
        await inFlight.settled();
        app.server.closeAllConnections();
        await closed;
      });
      snsSqsEndpoint = `http://${LOOPBACK}:${new URL(address).port}`;
    }

    let dynamodbEndpoint = closedEndpoint();
    if (dynamodb) {
      const dynalite = await startDynaliteWorker(observers === undefined ? undefined : record);
      closers.push(dynalite.stop);
      dynamodbEndpoint = `http://${LOOPBACK}:${dynalite.port}`;
    }

    const endpoints: EmulatorEndpoints = {
      sns: snsSqsEndpoint,
      sqs: snsSqsEndpoint,
      dynamodb: dynamodbEndpoint,
    };
    let stopping: Promise<void> | undefined;
    const emulators: Emulators = {
      endpoints,
      region: LOCAL_REGION,
      env: {
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_SNS: endpoints.sns,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      },
      clientConfig: (service) => ({
        endpoint: endpoints[service],
        region: LOCAL_REGION,
        credentials: { ...LOCAL_CREDENTIALS },
      }),
      stop: () => {
        stopping ??= (async () => {
          running.delete(emulators);
          // Reverse order of start; every closer runs even when one fails.
          const results = await Promise.allSettled(closers.reverse().map((closeOne) => closeOne()));
          const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed.length > 0) {
            throw new AggregateError(
              failed.map((f) => f.reason),
              'failed to stop the embedded emulators',
            );
          }
        })();
        return stopping;
      },
    };
    if (observers !== undefined) {
      const tableKeys = new TableKeys(emulators.clientConfig('dynamodb'));
      const observing = new CallTap(
        observers,
        { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID },
        tableKeys,
      );
      tap = observing;
      // Runs first at stop (closers run in reverse): the calls answered so far are delivered while
      // DynamoDB still answers the key-schema lookups they may wait for.
      closers.push(async () => {
        await observing.settled();
        tableKeys.destroy();
        observers.rethrow('observers of the emulators threw');
      });
    }
    running.add(emulators);
    installSignalHandlers();
    return emulators;
  } catch (error) {
    await Promise.allSettled(closers.map((closeOne) => closeOne()));
    throw error;
  }
}

/** Stops every emulator this process started (on SIGINT / SIGTERM). */
async function stopAllEmulators(): Promise<void> {
  await Promise.allSettled([...running].map((emulators) => emulators.stop()));
}

/** The DynamoDB emulator could not start, failed, or did not stop cleanly in its worker thread. */
export class DynamoDbEmulatorError extends LocalRuntimeError {}

const DYNALITE_WORKER_FILE = new URL('./dynalite-worker.ts', import.meta.url);

/**
 * Starts dynalite in its own worker thread; resolves once it listens. `stop()` asks it to answer
 * the requests it is handling and close its store, then ends the thread.
 */
async function startDynaliteWorker(
  onAnswered?: (request: AnsweredRequest) => void,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const workerData: DynaliteWorkerData = { host: LOOPBACK, observe: onAnswered !== undefined };
  // No execArgv: the parent's loaders (tsx under the bench) are not needed, Node strips the types.
  const worker = new Worker(DYNALITE_WORKER_FILE, { workerData, execArgv: [] });
  let failure: Error | undefined;
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  // Without a listener an error in the thread would be an uncaught exception of this process; it is
  // reported by start (before listening) or by stop (after), and ends the thread.
  const errored = new Promise<never>((_, reject) =>
    worker.on('error', (error) => {
      failure ??= new DynamoDbEmulatorError(`dynalite worker failed: ${error.message}`, { cause: error });
      reject(failure);
    }),
  );
  errored.catch(() => undefined);
  const next = (type: DynaliteWorkerMessage['type']): Promise<DynaliteWorkerMessage> =>
    Promise.race([
      errored,
      exited.then((code) => {
        throw failure ?? new DynamoDbEmulatorError(`dynalite worker exited with code ${code}`);
      }),
      new Promise<DynaliteWorkerMessage>((resolve) => {
        const onMessage = (message: DynaliteWorkerMessage): void => {
          if (message.type !== type && message.type !== 'failed') return;
          worker.off('message', onMessage);
          resolve(message);
        };
        worker.on('message', onMessage);
      }),
    ]);
  if (onAnswered !== undefined) {
    worker.on('message', (message: DynaliteWorkerMessage) => {
      if (message.type === 'answered') onAnswered(message);
    });
  }
  let listening: DynaliteWorkerMessage;
  try {
    listening = await next('listening');
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  if (listening.type !== 'listening') {
    await worker.terminate();
    throw new DynamoDbEmulatorError(`dynalite worker failed to listen: ${JSON.stringify(listening)}`);
  }
  let stopping: Promise<void> | undefined;
  return {
    port: listening.port,
    stop: () => {
      stopping ??= (async () => {
        try {
          const reply = next('stopped');
          worker.postMessage({ type: 'stop' } satisfies DynaliteStopMessage);
          const stopped = await reply;
          if (stopped.type === 'failed') {
            throw new DynamoDbEmulatorError(`dynalite worker failed to stop: ${stopped.message}`);
          }
        } finally {
          // The store is closed and every request answered: nothing is left to lose in the thread.
          await worker.terminate();
        }
        if (failure !== undefined) throw failure;
      })();
      return stopping;
    },
  };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function closedEndpoint(): string {
  // Port 9 (discard) is closed on loopback in practice: connections are refused immediately.
  return `http://${LOOPBACK}:9`;
}

function installSignalHandlers(): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // Asked now, while the other listeners (e.g. the demo's) are still registered: by the time the
      // emulators have stopped, a `once` listener has removed itself and a re-raise would kill the
      // process in the middle of that listener's own shutdown.
      const othersHandleIt = process.listenerCount(signal) > 0;
      void stopAllEmulators().finally(() => {
        // Nobody else handles the signal: re-raise it so the exit status says "killed by signal".
        if (!othersHandleIt) process.kill(process.pid, signal);
      });
    });
  }
}
