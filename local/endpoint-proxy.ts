/**
 * A loopback HTTP proxy in front of the embedded emulators (DynamoDB, SQS, SNS), for two generic
 * hooks: observers see every call (caller, service, action, resources and the condition keys IAM
 * would evaluate), and a seeded fault plan injects throttling, 500s, outages, applied-then-500,
 * killed sandboxes and hung calls. The local runtime inserts it only when one of them is asked for,
 * so the normal path talks to the emulators directly and pays nothing.
 *
 * Callers are told apart by their SigV4 credential: the function host gives each function its
 * logical id as access key id, and each sandbox its id as session token.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AwsService, type ParsedRequest, parseAwsRequest } from './aws-request.ts';
import { type CallObserver, CallObservers, type ObservedCall, TableKeys } from './call-observer.ts';
import { type Emulators, LOCAL_ACCOUNT_ID } from './emulators.ts';
import { type FaultDecision, type FaultKind, FaultPlan, type FaultPlanOptions } from './fault-plan.ts';

/** Options of {@link startEndpointProxy}. */
export interface EndpointProxyOptions {
  /** Observers from the start (more can be added with `observe`). */
  readonly observers?: readonly CallObserver[];
  /** Seeded fault injection; none when absent. */
  readonly faults?: FaultPlanOptions;
  /**
   * Ends the sandbox `sandbox` of function `caller` (the `killSandbox` fault calls it after forwarding
   * the request and before answering). Without it, `killSandbox` faults are never injected.
   */
  readonly killSandbox?: (caller: string, sandbox: string) => Promise<void>;
}

/** A running proxy. */
export interface EndpointProxy {
  /** `http://127.0.0.1:<port>`: the endpoint of every proxied service. */
  readonly url: string;
  /**
   * The same emulators seen through the proxy: endpoints, `env` and `clientConfig` point at it.
   * Deploy with this view so queue URLs (fauxqs echoes the request's host) lead back to the proxy.
   */
  readonly emulators: Emulators;
  /** The fault plan, when faults are configured (its `injected()` counts what was injected). */
  readonly faults: FaultPlan | undefined;
  /** Adds an observer; returns a function that removes it. */
  observe(observer: CallObserver): () => void;
  /** Calls seen so far, and of those, how many got each fault. */
  stats(): { calls: number; injected: Record<FaultKind, number> | undefined };
  /** Closes the proxy (answers nothing more, drops held calls); rejects with observers' errors, if any. */
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

interface UpstreamResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Starts the proxy on a free loopback port in front of `emulators`. */
export async function startEndpointProxy(
  emulators: Emulators,
  options: EndpointProxyOptions = {},
): Promise<EndpointProxy> {
  const observers = new CallObservers(options.observers);
  const plan = options.faults === undefined ? undefined : new FaultPlan(options.faults);
  const agent = new Agent({ keepAlive: true });
  const tableKeys = new TableKeys(emulators.clientConfig('dynamodb'));
  const context = { region: emulators.region, accountId: LOCAL_ACCOUNT_ID };
  let seq = 0;

  const upstreamOf = (service: AwsService): URL =>
    new URL(service === 'dynamodb' ? emulators.endpoints.dynamodb : emulators.endpoints.sqs);

  const forward = (req: IncomingMessage, body: Buffer, service: AwsService): Promise<UpstreamResponse> =>
    new Promise((resolve, reject) => {
      const upstream = upstreamOf(service);
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          // The Host header stays the proxy's: fauxqs builds queue URLs from it.
          headers: { ...req.headers, 'content-length': String(body.length) },
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: Record<string, string | string[]> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
            }
            resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const send = (res: ServerResponse, answer: UpstreamResponse): void => {
    if (res.destroyed) return;
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const text = body.toString('utf8');
    let parsed = parseAwsRequest(req.headers, text, context, tableKeys.partitionKeyOf);
    if (observers.size > 0 && tableKeys.needs(parsed)) {
      await tableKeys.learn(parsed);
      parsed = parseAwsRequest(req.headers, text, context, tableKeys.partitionKeyOf);
    }
    const call = { ...parsed, seq: ++seq, caller: parsed.accessKeyId, sandbox: parsed.sessionToken };
    const decision: FaultDecision | undefined = plan?.decide(parsed);
    const fault = decision?.fault;
    let status = 0;
    let forwarded = false;
    let injected: FaultKind | undefined;
    try {
      if (fault === 'throttle' || fault === 'error500' || fault === 'outage') {
        injected = fault;
        status = errorResponseStatus(fault);
        send(res, errorResponse(parsed, fault));
        return;
      }
      const answer = await forward(req, body, parsed.service);
      forwarded = true;
      const applied = answer.status >= 200 && answer.status < 300;
      if (fault === undefined || !applied) {
        decision?.release();
        status = answer.status;
        send(res, answer);
        return;
      }
      injected = fault;
      if (fault === 'appliedThen500') {
        status = 500;
        send(res, errorResponse(parsed, 'error500'));
      } else if (fault === 'killSandbox' && options.killSandbox !== undefined && call.sandbox !== undefined) {
        await options.killSandbox(call.caller, call.sandbox);
        // The sandbox is gone with its socket; answer anyway for a caller that somehow survived.
        send(res, errorResponse(parsed, 'error500'));
      } else if (fault === 'killSandbox') {
        decision?.release();
        injected = undefined;
        status = answer.status;
        send(res, answer);
      } else {
        // hang: no answer. The sandbox's timeout ends it (its socket closes); close() drops the rest.
      }
    } catch (error) {
      decision?.release();
      injected = undefined;
      status = 502;
      send(res, {
        status: 502,
        headers: { 'content-type': 'text/plain' },
        body: Buffer.from(`endpoint proxy: upstream failed: ${(error as Error).message}`),
      });
    } finally {
      observers.notify({ ...call, status, forwarded, fault: injected } satisfies ObservedCall);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`endpoint proxy: ${(error as Error).message}`);
      }
    });
  });
  // Keep-alive sockets of SDK clients and held (hung) calls would otherwise hold close() open.
  server.keepAliveTimeout = 5_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  const url = `http://${LOOPBACK}:${port}`;
  const view: Emulators = {
    endpoints: { sns: url, sqs: url, dynamodb: url },
    region: emulators.region,
    env: {
      ...emulators.env,
      AWS_ENDPOINT_URL_SNS: url,
      AWS_ENDPOINT_URL_SQS: url,
      AWS_ENDPOINT_URL_DYNAMODB: url,
    },
    clientConfig: (service) => ({ ...emulators.clientConfig(service), endpoint: url }),
    stop: () => emulators.stop(),
  };
  let closing: Promise<void> | undefined;
  return {
    url,
    emulators: view,
    faults: plan,
    observe: (observer) => observers.add(observer),
    stats: () => ({ calls: seq, injected: plan?.injected() }),
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        });
        agent.destroy();
        tableKeys.destroy();
        observers.rethrow('endpoint proxy: observers threw');
      })();
      return closing;
    },
  };
}

function errorResponseStatus(fault: 'throttle' | 'error500' | 'outage'): number {
  return fault === 'throttle' ? 400 : fault === 'error500' ? 500 : 503;
}

/** The error each service answers for a fault, in its own protocol, so the SDK classifies it as AWS would. */
function errorResponse(parsed: ParsedRequest, fault: 'throttle' | 'error500' | 'outage'): UpstreamResponse {
  const status = errorResponseStatus(fault);
  const requestId = randomUUID();
  const message = `injected by the endpoint proxy (${fault})`;
  if (parsed.service === 'dynamodb') {
    const code =
      fault === 'throttle'
        ? 'ProvisionedThroughputExceededException'
        : fault === 'error500'
          ? 'InternalServerError'
          : 'ServiceUnavailable';
    return {
      status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
      body: Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${code}`, message })),
    };
  }
  const code =
    fault === 'throttle'
      ? 'ThrottlingException'
      : fault === 'error500'
        ? 'InternalError'
        : 'ServiceUnavailable';
  const party = fault === 'throttle' ? 'Sender' : 'Receiver';
  if (parsed.protocol === 'json') {
    return {
      status,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': requestId,
        'x-amzn-query-error': `${code};${party}`,
      },
      body: Buffer.from(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message })),
    };
  }
  const queryCode = fault === 'throttle' ? 'Throttling' : code;
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: Buffer.from(
      `<ErrorResponse><Error><Type>${party}</Type><Code>${queryCode}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    ),
  };
}
