/**
 * Orderly shutdown of an emulator's HTTP server: stop accepting, let the requests being handled
 * answer, then drop the idle keep-alive sockets that would otherwise hold `close()` open. Shared by
 * the emulators on the main thread and the DynamoDB emulator's worker thread, so both stop the same
 * way. Loaded by that worker through Node's built-in type stripping: erasable syntax, node: imports.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Hang guard of a shutdown waiting for the requests an emulator is still handling. Not a timing:
 * the callers stop every client first, so this only bounds a request that never answers.
 */
const IN_FLIGHT_GRACE_MS = 10_000;

/** Requests a server is handling; `settled()` resolves once none is (or after the hang guard). */
export interface InFlight {
  settled(): Promise<void>;
}

/** Counts the requests a server is handling: a request is done once its response has been ended. */
export function trackInFlight(server: Server): InFlight {
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
export async function closeServer(server: Server, inFlight: InFlight): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
  await inFlight.settled();
  server.closeAllConnections();
  await closed;
}

/** Listens on a free port of `host`; resolves with the port. */
export function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}
