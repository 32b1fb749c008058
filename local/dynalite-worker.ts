/**
 * Worker thread that runs the DynamoDB emulator (dynalite) off the main thread: dynalite parses and
 * evaluates every condition and update expression in JavaScript, and on the main thread it competed
 * with the SQS/SNS emulator, the event source mapping pollers and the endpoint proxy for one event
 * loop. A worker thread rather than a child process: it dies with the process (nothing to orphan),
 * and its CPU stays in the process's own accounting (process.cpuUsage, what the bench reports).
 * Loaded by Node's built-in type stripping: erasable syntax only.
 */
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import { closeServer, listen, trackInFlight } from './http-shutdown.ts';

/** Static options of the emulator, passed as `workerData`. */
export interface DynaliteWorkerData {
  /** Loopback address to listen on (a free port is chosen). */
  readonly host: string;
}

/** Parent → worker: stop accepting, answer the requests in flight, close the store. */
export interface DynaliteStopMessage {
  readonly type: 'stop';
}

/** Worker → parent. */
export type DynaliteWorkerMessage =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string };

const data = workerData as DynaliteWorkerData;
const port = parentPort;
if (port === null) throw new Error('dynalite-worker.ts runs as a worker thread');

// Tables are ACTIVE at once: the deployer and tests need no polling on a timer that only slows them.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const inFlight = trackInFlight(server);

port.on('message', (message: DynaliteStopMessage) => {
  if (message.type !== 'stop') return;
  closeServer(server, inFlight).then(
    () => port.postMessage({ type: 'stopped' } satisfies DynaliteWorkerMessage),
    (error: unknown) =>
      port.postMessage({ type: 'failed', message: (error as Error).message } satisfies DynaliteWorkerMessage),
  );
});

listen(server, data.host).then(
  (listening) => port.postMessage({ type: 'listening', port: listening } satisfies DynaliteWorkerMessage),
  (error: unknown) =>
    port.postMessage({ type: 'failed', message: (error as Error).message } satisfies DynaliteWorkerMessage),
);
