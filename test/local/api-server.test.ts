/**
 * The local API server: API Gateway HTTP API payload format 2.0 in and out, only the template's
 * routes (everything else 404, as on AWS: no 405, no trailing-slash or stage-prefix variants), and a
 * failed function's cause logged and returned, locally only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApiServer, startApiServer } from '../../local/api-server.ts';
import { FunctionHost } from '../../local/function-host.ts';
import { localFunction } from './helpers/local-function.ts';

const HANDLER = `
export const handler = async (event) => {
  if (event.body === 'throw') { const e = new Error('cannot reach the topic'); e.name = 'PublishFailedError'; throw e; }
  if (event.rawPath === '/bare') return { bare: true };
  return { statusCode: 201, headers: { 'x-echo': 'yes', 'content-type': 'application/json' }, cookies: ['a=1', 'b=2'], body: JSON.stringify(event) };
};
`;

const fn = localFunction(HANDLER);
const host = new FunctionHost(fn, { baseEnv: {}, onOutput: () => undefined });
const logged: string[] = [];
let api: LocalApiServer;

beforeAll(async () => {
  api = await startApiServer({ logError: (line) => logged.push(line) });
});

afterAll(async () => {
  await api?.close();
  await host.close();
  fn.remove();
});

const routes = [
  { routeKey: 'POST /orders', functionLogicalId: 'Fn', payloadFormatVersion: '2.0' },
  { routeKey: 'GET /bare', functionLogicalId: 'Fn', payloadFormatVersion: '2.0' },
];

describe('local API server', () => {
  it('answers 503 until the deployment is attached', async () => {
    const response = await fetch(`${api.url}/orders`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(503);
    api.attach(routes, () => host);
  });

  it('turns a request into a payload 2.0 event and maps the structured response back', async () => {
    const response = await fetch(`${api.url}/orders?x=1&x=2&y=3`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'x-custom': 'h' },
      body: '{"orderId":"o-1"}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const event = (await response.json()) as Record<string, unknown>;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      rawQueryString: 'x=1&x=2&y=3',
      cookies: ['c1=v1', 'c2=v2'],
      headers: { 'content-type': 'application/json', 'x-custom': 'h' },
      queryStringParameters: { x: '1,2', y: '3' },
      requestContext: {
        http: { method: 'POST', path: '/orders' },
        routeKey: 'POST /orders',
        stage: '$default',
      },
      body: '{"orderId":"o-1"}',
      isBase64Encoded: false,
    });
    expect((event.headers as Record<string, string>).cookie).toBeUndefined();
  });

  it('passes a binary body base64-encoded', async () => {
    const bytes = Buffer.from([0, 1, 2, 250]);
    const response = await fetch(`${api.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const event = (await response.json()) as { body: string; isBase64Encoded: boolean };
    expect(event).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('returns a bare result as a 200 JSON body', async () => {
    const response = await fetch(`${api.url}/bare`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ bare: true });
  });

  it('answers 404 to anything but its routes: other methods, a trailing slash, a stage prefix', async () => {
    for (const [method, path] of [
      ['GET', '/orders'],
      ['PUT', '/orders'],
      ['POST', '/orders/'],
      ['POST', '/dev/orders'],
      ['POST', '/'],
      ['POST', '/orders/o-1'],
    ] as const) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        ...(method === 'GET' ? {} : { body: '{}' }),
      });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('allow'), `${method} ${path}`).toBeNull();
      expect(await response.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('logs a failed invocation and returns its cause, marked local only', async () => {
    logged.length = 0;
    const response = await fetch(`${api.url}/orders`, { method: 'POST', body: 'throw' });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      message: 'Internal Server Error',
      localOnly: { cause: 'Stack-Fn-ABC: PublishFailedError: cannot reach the topic' },
    });
    expect(logged).toEqual([
      'local API: POST /orders → Fn failed: Stack-Fn-ABC: PublishFailedError: cannot reach the topic',
    ]);
  });
});
