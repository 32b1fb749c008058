/**
 * Local stand-in for the API Gateway HTTP API: an HTTP server on 127.0.0.1 that turns each request
 * into the payload-format-2.0 event of its route and invokes the bundled function through the
 * runner's sandbox pool, then maps the 2.0 response back (statusCode/headers/body, or a bare value
 * as a 200 JSON body, as API Gateway does).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LocalHttpRoute } from './deploy/deployment.ts';
import { LOCAL_ACCOUNT_ID } from './emulators.ts';
import type { FunctionHost } from './function-host.ts';

/** Resolves the function host that serves a route. */
export type HostLookup = (functionLogicalId: string) => FunctionHost;

/** A running local API server. */
export interface LocalApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Routes it serves; set once the deployment is known. */
  attach(routes: readonly LocalHttpRoute[], hosts: HostLookup): void;
  close(): Promise<void>;
}

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /**
   * Receives one line per failed invocation (the function, its error type and message), which
   * API Gateway would only show in the function's logs. @default a line on stderr
   */
  readonly logError?: (line: string) => void;
}

/** Largest request body accepted (API Gateway's own limit is 10 MB). */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/**
 * Starts listening first (so the deployer can resolve the API's `ApiEndpoint` to this URL); requests
 * get 503 until {@link LocalApiServer.attach} is called.
 */
export async function startApiServer(options: ApiServerOptions = {}): Promise<LocalApiServer> {
  let routes: readonly LocalHttpRoute[] = [];
  let hosts: HostLookup | undefined;
  const logError = options.logError ?? ((line: string) => console.error(line));
  const server: Server = createServer((request, response) => {
    void handle(request, response, routes, hosts, logError).catch((error: unknown) => {
      send(response, 500, { message: 'Internal Server Error', detail: (error as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    attach: (r, h) => {
      routes = r;
      hosts = h;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  routes: readonly LocalHttpRoute[],
  hosts: HostLookup | undefined,
  logError: (line: string) => void,
): Promise<void> {
  if (hosts === undefined) return send(response, 503, { message: 'Service Unavailable' });
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const method = request.method ?? 'GET';
  const route = matchRoute(routes, method, url.pathname);
  if (route === undefined) return send(response, 404, { message: 'Not Found' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return send(response, 413, { message: 'Request Entity Too Large' });
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const event = toEvent(request, url, method, route.routeKey, raw);
  let payload: unknown;
  try {
    payload = (await hosts(route.functionLogicalId).invoke(event)).payload;
  } catch (error) {
    // API Gateway answers a bare 500 and the cause is only in the function's logs. Locally there is
    // no log group to look in, so the cause is logged here and added to the body, marked local.
    const cause = error instanceof Error ? error.message : String(error);
    logError(`local API: ${method} ${url.pathname} → ${route.functionLogicalId} failed: ${cause}`);
    return send(response, 500, { message: 'Internal Server Error', localOnly: { cause } });
  }
  respond(response, payload);
}

function matchRoute(
  routes: readonly LocalHttpRoute[],
  method: string,
  path: string,
): LocalHttpRoute | undefined {
  const matches = (key: string): boolean => {
    if (key === '$default') return true;
    const [routeMethod, routePath = ''] = key.split(' ');
    if (routeMethod !== 'ANY' && routeMethod !== method) return false;
    const pattern = routePath
      .split('/')
      .map((segment) =>
        segment.endsWith('+}')
          ? '.+'
          : segment.startsWith('{')
            ? '[^/]+'
            : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    return new RegExp(`^${pattern}$`).test(path);
  };
  // Exact routes win over $default, as in API Gateway.
  return (
    routes.find((r) => r.routeKey !== '$default' && matches(r.routeKey)) ??
    routes.find((r) => matches(r.routeKey))
  );
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  method: string,
  routeKey: string,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const contentType = headers['content-type'] ?? '';
  const textual =
    body.length === 0 || /^(text\/|application\/(json|xml|x-www-form-urlencoded))/.test(contentType);
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !textual,
  };
}

function respond(response: ServerResponse, payload: unknown): void {
  const structured =
    payload !== null && typeof payload === 'object' && 'statusCode' in payload
      ? (payload as {
          statusCode: number;
          headers?: Record<string, string>;
          body?: string;
          isBase64Encoded?: boolean;
          cookies?: string[];
        })
      : undefined;
  if (structured === undefined) {
    // A response without statusCode is the body of a 200 (API Gateway's 2.0 inference).
    send(response, 200, payload);
    return;
  }
  const headers: Record<string, string | string[]> = { ...(structured.headers ?? {}) };
  if (structured.cookies !== undefined) headers['set-cookie'] = structured.cookies;
  const body = structured.body ?? '';
  response.writeHead(structured.statusCode, headers);
  response.end(structured.isBase64Encoded === true ? Buffer.from(body, 'base64') : body);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
