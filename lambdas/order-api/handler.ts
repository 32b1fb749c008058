/**
 * Lambda entry of the order API (API Gateway HTTP API v2): `POST /orders` → 202 { eventId, orderId }.
 * Malformed JSON or a contract failure → 400 with every field issue and nothing published; a body
 * over MAX_BODY_BYTES → 413. API Gateway routes only `POST /orders` here (everything else is its own
 * 404); the path and method checks below only matter when the function is invoked directly.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { readOrderApiConfig } from '../shared/config.ts';
import { ContractViolationError, PublishFailedError } from '../shared/errors.ts';
import { publishOrderPlaced } from '../shared/publisher.ts';
import { bodyBytes, correlationIdOf, jsonResponse, routePath } from './http.ts';
import { type EventPublisherPort, placeOrder } from './order-api.ts';

const config = readOrderApiConfig();
const logger = new Logger({ serviceName: 'order-api' });
const metrics = new Metrics({ serviceName: 'order-api' });
const sns = new SNSClient({});
const publisher: EventPublisherPort = {
  async publish(event) {
    const [published] = await publishOrderPlaced(sns, config.topicArn, event);
    return { messageId: published?.messageId ?? '' };
  },
};

async function route(
  event: APIGatewayProxyEventV2,
  correlationId: string,
  log: Logger,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (routePath(event) !== '/orders') return jsonResponse(404, { error: 'not found' }, correlationId);
  if (event.requestContext.http.method !== 'POST') {
    return jsonResponse(405, { error: 'method not allowed' }, correlationId, { allow: 'POST' });
  }
  const bytes = bodyBytes(event);
  if (bytes.length > config.maxBodyBytes) {
    return jsonResponse(413, { error: `body larger than ${config.maxBodyBytes} bytes` }, correlationId);
  }
  let input: unknown;
  try {
    input = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    const message = `not valid JSON (${(error as Error).message})`;
    metrics.addMetric('rejected', MetricUnit.Count, 1);
    return jsonResponse(400, { error: 'malformed JSON', issues: [{ path: '', message }] }, correlationId);
  }
  try {
    const placed = await placeOrder(input, { source: 'order-api', correlationId }, publisher);
    metrics.addMetric('accepted', MetricUnit.Count, 1);
    log.info('order accepted', { ...placed });
    return jsonResponse(202, { eventId: placed.eventId, orderId: placed.orderId }, correlationId);
  } catch (error) {
    if (error instanceof ContractViolationError) {
      metrics.addMetric('rejected', MetricUnit.Count, 1);
      return jsonResponse(400, { error: 'invalid order', issues: error.issues }, correlationId);
    }
    if (error instanceof PublishFailedError) {
      log.error('order could not be published', { error });
      return jsonResponse(503, { error: 'order could not be published, retry later' }, correlationId, {
        'retry-after': '1',
      });
    }
    throw error;
  }
}

/** HTTP API v2 handler. */
export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  logger.addContext(context);
  const correlationId = correlationIdOf(event);
  // A child logger per request: a local server may run requests concurrently in one process.
  const log = logger.createChild();
  log.appendKeys({ correlationId });
  try {
    return await route(event, correlationId, log);
  } catch (error) {
    log.error('unexpected error', { error: error as Error });
    return jsonResponse(500, { error: 'internal error' }, correlationId);
  } finally {
    // 404/405/413 add no metric; skip the empty-flush warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
