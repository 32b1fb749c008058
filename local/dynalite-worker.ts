/**
 * Worker thread that runs the DynamoDB emulator (dynalite) off the main thread: dynalite parses and
 * evaluates every condition and update expression in JavaScript, and on the main thread it competed
 * with the SQS/SNS emulator, the event source mapping pollers and the endpoint proxy for one event
 * loop. A worker thread rather than a child process: it dies with the process (nothing to orphan),
 * and its CPU stays in the process's own accounting (process.cpuUsage, what the bench reports).
 * Loaded by Node's built-in type stripping: erasable syntax only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import { REQUEST_HEADERS_READ } from './aws-request.ts';
import { closeServer, listen, trackInFlight } from './http-shutdown.ts';

/** Static options of the emulator, passed as `workerData`. */
export interface DynaliteWorkerData {
  /** Loopback address to listen on (a free port is chosen). */
  readonly host: string;
  /** Post an `answered` message for every request answered (headers read, body, status). */
  readonly observe: boolean;
}

/** Parent → worker: stop accepting, answer the requests in flight, close the store. */
export interface DynaliteStopMessage {
  readonly type: 'stop';
}

/** Worker → parent. */
export type DynaliteWorkerMessage =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'stopped' }
  | {
      readonly type: 'answered';
      readonly headers: Readonly<Record<string, string | undefined>>;
      readonly body: string;
      readonly status: number;
    }
  | { readonly type: 'failed'; readonly message: string };

const data = workerData as DynaliteWorkerData;
const port = parentPort;
if (port === null) throw new Error('dynalite-worker.ts runs as a worker thread');

// Tables are ACTIVE at once: the deployer and tests need no polling on a timer that only slows them.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const inFlight = trackInFlight(server);

if (data.observe) {
  // First in line, so the body chunks reach this listener as well as dynalite's (both attach their
  // 'data' listener in the same tick, before the stream flows).
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('finish', () => {
      const headers: Record<string, string | undefined> = {};
      for (const name of REQUEST_HEADERS_READ) {
        const value = req.headers[name];
        headers[name] = Array.isArray(value) ? value[0] : value;
      }
      port.postMessage({
        type: 'answered',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status: res.statusCode,
      } satisfies DynaliteWorkerMessage);
    });
  });
}

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
