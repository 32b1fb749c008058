/**
 * The whole embedded runtime in one call: emulators, local deploy of the synthesized stack, the
 * event source mapping runner and the local API server. Used by `npm start`, the integration
 * tests and the benchmarks, so all three exercise exactly the same path.
 */
import { type LocalApiServer, startApiServer } from './api-server.ts';
import type { CallObserver } from './call-observer.ts';
import { deployLocal } from './deploy/deploy-local.ts';
import type { DeployLocalOptions, LocalDeployment } from './deploy/deployment.ts';
import { type Emulators, startEmulators } from './emulators.ts';
import { type EndpointProxy, type EndpointProxyOptions, startEndpointProxy } from './endpoint-proxy.ts';
import { LocalRunner, type LocalRunnerOptions, type PrewarmReport } from './runner.ts';

/** Options of {@link startLocalRuntime}. */
export interface LocalRuntimeOptions extends Omit<DeployLocalOptions, 'apiEndpoint'>, LocalRunnerOptions {
  /** Start every enabled event source mapping at once. @default true */
  readonly startConsumers?: boolean;
  /**
   * Initialize the sandboxes of every function before the consumers start (see
   * {@link LocalRunner.prewarm}): the first events then meet warm sandboxes, and the cold starts are
   * reported apart in {@link LocalRuntime.prewarm}. Start-up takes longer by about one init.
   * @default false
   */
  readonly prewarm?: boolean;
  /**
   * Observers of every call the emulators answer, seen at the emulators (see `startEmulators`):
   * counting costs no extra hop, and clients still talk to the emulators directly.
   * @default none
   */
  readonly observers?: readonly CallObserver[];
  /**
   * Put an {@link EndpointProxy} between everything and the emulators, with these observers and
   * faults (see docs/local.md). Absent: no proxy, clients talk to the emulators directly.
   */
  readonly endpointProxy?: Omit<EndpointProxyOptions, 'killSandbox'>;
}

/** A running embedded deployment. `stop()` releases every worker, server and port. */
export interface LocalRuntime {
  /** The emulators, seen through the endpoint proxy when there is one. */
  readonly emulators: Emulators;
  /** The endpoint proxy, when `endpointProxy` was given. */
  readonly proxy: EndpointProxy | undefined;
  readonly deployment: LocalDeployment;
  readonly runner: LocalRunner;
  readonly api: LocalApiServer;
  /** Init durations of the pre-warmed sandboxes, when `prewarm` was set. */
  readonly prewarm: PrewarmReport | undefined;
  /** Resolved stack outputs (same keys as the outputs file). */
  readonly outputs: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Starts emulators, deploys the stack, starts consumers and the API server. */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const direct = await startEmulators(
    options.observers === undefined ? {} : { observers: options.observers },
  );
  let proxy: EndpointProxy | undefined;
  let emulators = direct;
  let api: LocalApiServer | undefined;
  let runner: LocalRunner | undefined;
  // In this order (no new invocations, then no requests, then no services), and every step runs
  // even when an earlier one fails, so no worker, socket or port is left behind.
  const stop = async (): Promise<void> => {
    const failures: unknown[] = [];
    for (const step of [
      () => runner?.close(),
      () => api?.close(),
      () => proxy?.close(),
      () => direct.stop(),
    ]) {
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw new AggregateError(failures, 'failed to stop the local runtime');
  };
  try {
    if (options.endpointProxy !== undefined) {
      proxy = await startEndpointProxy(direct, {
        ...options.endpointProxy,
        killSandbox: async (caller, sandbox) => {
          await runner?.host(caller).kill(sandbox);
        },
      });
      // Deployed through the proxy too: queue URLs then lead back to it (fauxqs echoes the host).
      emulators = proxy.emulators;
    }
    api = await startApiServer();
    const deployment = await deployLocal(emulators, { ...options, apiEndpoint: api.url });
    runner = new LocalRunner(deployment, emulators, options);
    const hostRunner = runner;
    api.attach(deployment.httpRoutes, (id) => hostRunner.host(id));
    const prewarm = options.prewarm === true ? await runner.prewarm() : undefined;
    if (options.startConsumers !== false) runner.startAll();
    let stopping: Promise<void> | undefined;
    return {
      emulators,
      proxy,
      deployment,
      runner,
      api,
      prewarm,
      outputs: deployment.outputs,
      stop: () => {
        stopping ??= stop();
        return stopping;
      },
    };
  } catch (error) {
    // The start-up error comes first; a failure to clean up after it is reported alongside.
    await stop().catch((stopError: unknown) => {
      throw new AggregateError([error, stopError], (error as Error).message);
    });
    throw error;
  }
}
