/**
 * Lifecycle of the embedded AWS emulators: fauxqs (SNS + SQS) and dynalite (DynamoDB), started
 * in this process on free loopback ports. Tests, the local runner and `npm start` all go through
 * this one module so that every run binds, reports and releases its ports the same way.
 */

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
// fauxqs exports only its entry point; our patch (patches/fauxqs+2.4.1.patch) also exports dist/* so
// the stores can be built here (pinned version).
import { S3Store } from 'fauxqs/dist/s3/s3Store.js';
import { SnsStore } from 'fauxqs/dist/sns/snsStore.js';
import { SqsStore } from 'fauxqs/dist/sqs/sqsStore.js';

/** Region the emulators answer for; the local deployer builds ARNs with it. */
export const LOCAL_REGION = 'us-east-1';
/** Account id used in every locally built ARN (the value LocalStack and fauxqs use too). */
export const LOCAL_ACCOUNT_ID = '000000000000';
/** Dummy credentials: the emulators accept any signature, the SDK only needs something to sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

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
      const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
      const port = await listen(server);
      const inFlight = trackInFlight(server);
      closers.push(() => close(server, inFlight));
      dynamodbEndpoint = `http://${LOOPBACK}:${port}`;
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

function closedEndpoint(): string {
  // Port 9 (discard) is closed on loopback in practice: connections are refused immediately.
  return `http://${LOOPBACK}:9`;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Hang guard of a shutdown waiting for the requests an emulator is still handling. Not a timing:
 * the callers stop every client first, so this only bounds a request that never answers.
 */
const IN_FLIGHT_GRACE_MS = 10_000;

/** Counts the requests a server is handling: a request is done once its response has been ended. */
function trackInFlight(server: Server): { settled(): Promise<void> } {
  let count = 0;
  const waiters: Array<() => void> = [];
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    count++;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      count--;
      if (count === 0) for (const wake of waiters.splice(0)) wake();
    };
    // `end` rather than the socket's `close`: a client that went away (a terminated sandbox) closes
    // the socket while the emulator is still working on its request, and may still touch its store.
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => {
      finish();
      return end(...args);
    }) as ServerResponse['end'];
  });
  return {
    settled: () =>
      count === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, IN_FLIGHT_GRACE_MS);
            waiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
  };
}

/**
 * Stops accepting connections, waits for the requests being handled (dynalite closes its database
 * once the HTTP server has closed: a request still running would then fail with "Database is
 * closed"), then drops the idle keep-alive sockets that would otherwise hold close() open.
 */
async function close(server: Server, inFlight: { settled(): Promise<void> }): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
  await inFlight.settled();
  server.closeAllConnections();
  await closed;
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
