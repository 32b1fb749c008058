/** HTTP plumbing of the order API: routing, body decoding and JSON responses for HTTP API v2 events. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Header carrying the correlation id in and out. */
export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A JSON response with the correlation id echoed. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  correlationId: string,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', [CORRELATION_HEADER]: correlationId, ...headers },
    body: JSON.stringify(body),
  };
}

/** The caller's correlation id if it is well-formed, otherwise a new one. */
export function correlationIdOf(event: APIGatewayProxyEventV2): string {
  const given = event.headers?.[CORRELATION_HEADER]?.trim();
  return given && CORRELATION_ID.test(given) ? given : randomUUID();
}

/** The request path without the stage prefix (named stages) and without a trailing slash. */
export function routePath(event: APIGatewayProxyEventV2): string {
  let path = event.rawPath || '/';
  const stage = event.requestContext?.stage;
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    path = path.slice(stage.length + 1) || '/';
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** The request body as bytes (decoding base64 when API Gateway encoded it). */
export function bodyBytes(event: APIGatewayProxyEventV2): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}
