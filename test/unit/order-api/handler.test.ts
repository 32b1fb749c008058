/** The order API handler against fauxqs SNS/SQS (a raw-delivery queue subscribed to the topic). */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE } from '../../../infra/config.ts';
import { orderPlacedEventId, parseOrderPlaced } from '../../../lambdas/shared/contract.ts';
import { type Emulators, startEmulators } from '../../../local/emulators.ts';
import { drainQueue, type TestClients, testClients } from '../helpers/aws.ts';
import { captureMetrics, type MetricCapture } from '../helpers/emf.ts';
import { httpEvent } from '../helpers/http-event.ts';
import { sampleOrder } from '../helpers/orders.ts';
import { type SubscribedTopic, subscribedTopic } from '../helpers/sns.ts';
import { lambdaContext } from '../helpers/sqs-event.ts';

const MAX_BODY_BYTES = 4096;
let emulators: Emulators;
let clients: TestClients;
let topic: SubscribedTopic;
let metrics: MetricCapture;
let invoke: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  emulators = await startEmulators({ dynamodb: false });
  clients = testClients(emulators);
  topic = await subscribedTopic(emulators, clients);
  Object.assign(process.env, emulators.env, {
    TOPIC_ARN: topic.topicArn,
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    POWERTOOLS_SERVICE_NAME: 'order-api',
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  metrics = captureMetrics();
  invoke = await loadHandler();
});

/**
 * Imports the handler fresh, after the environment is set: it reads TOPIC_ARN and creates its
 * client at load.
 */
async function loadHandler(): Promise<typeof invoke> {
  vi.resetModules();
  const mod = (await import('../../../lambdas/order-api/handler.ts')) as {
    handler: (
      e: APIGatewayProxyEventV2,
      c: ReturnType<typeof lambdaContext>,
    ) => Promise<APIGatewayProxyStructuredResultV2>;
  };
  return (event) => mod.handler(event, lambdaContext('order-api'));
}
afterAll(async () => {
  metrics?.restore();
  await emulators?.stop();
});

const json = (r: APIGatewayProxyStructuredResultV2) => JSON.parse(String(r.body)) as Record<string, unknown>;

describe('order API handler', () => {
  it('accepts a valid order with 202 and publishes it with its attributes', async () => {
    const order = sampleOrder();
    const response = await invoke(
      httpEvent({ body: JSON.stringify(order), headers: { 'x-correlation-id': 'corr-42' } }),
    );
    expect(response.statusCode).toBe(202);
    expect(json(response)).toEqual({ eventId: orderPlacedEventId(order.orderId), orderId: order.orderId });
    expect(response.headers?.['x-correlation-id']).toBe('corr-42');

    const [message, ...rest] = await drainQueue(clients.sqs, topic.queueUrl);
    expect(rest).toEqual([]);
    const event = parseOrderPlaced(message?.Body ?? '');
    expect(event).toMatchObject({ source: 'order-api', correlationId: 'corr-42', data: order });
    expect(message?.MessageAttributes?.eventType?.StringValue).toBe('order.placed');
    expect(message?.MessageAttributes?.total).toMatchObject({ DataType: 'Number', StringValue: '28.99' });
  });

  it('decodes base64 bodies and generates a correlation id when none is given', async () => {
    const order = sampleOrder();
    const response = await invoke(
      httpEvent({ body: JSON.stringify(order), base64: true, stage: 'prod', path: '/prod/orders/' }),
    );
    expect(response.statusCode).toBe(202);
    const generated = response.headers?.['x-correlation-id'];
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const [message] = await drainQueue(clients.sqs, topic.queueUrl);
    expect(parseOrderPlaced(message?.Body ?? '').correlationId).toBe(generated);
  });

  it('answers 400 with every field issue and publishes nothing for an invalid order', async () => {
    const response = await invoke(
      httpEvent({ body: JSON.stringify({ ...sampleOrder(), email: 'x', total: -1 }) }),
    );
    expect(response.statusCode).toBe(400);
    const body = json(response) as { error: string; issues: { path: string; message: string }[] };
    expect(body.error).toBe('invalid order');
    expect(body.issues.map((i) => i.path).sort()).toEqual(['email', 'total']);
    expect(await drainQueue(clients.sqs, topic.queueUrl)).toEqual([]);
  });

  it('answers 400 for malformed JSON and publishes nothing', async () => {
    const response = await invoke(httpEvent({ body: '{"orderId": ' }));
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ error: 'malformed JSON', issues: [{ path: '' }] });
    expect(await invoke(httpEvent({}))).toMatchObject({ statusCode: 400 });
    expect(await drainQueue(clients.sqs, topic.queueUrl)).toEqual([]);
  });

  it('answers 413 for a body over MAX_BODY_BYTES (counted in bytes, after base64 decoding)', async () => {
    const big = JSON.stringify({ ...sampleOrder(), note: 'é'.repeat(MAX_BODY_BYTES / 2) });
    expect((await invoke(httpEvent({ body: big }))).statusCode).toBe(413);
    expect((await invoke(httpEvent({ body: big, base64: true }))).statusCode).toBe(413);
    expect(await drainQueue(clients.sqs, topic.queueUrl)).toEqual([]);
  });

  it('answers 404 for other routes and 405 for other methods on /orders', async () => {
    expect((await invoke(httpEvent({ path: '/order' }))).statusCode).toBe(404);
    const wrongMethod = await invoke(httpEvent({ method: 'GET' }));
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers?.allow).toBe('POST');
  });

  it('answers 503 when the topic cannot take the event', async () => {
    const saved = process.env.TOPIC_ARN;
    process.env.TOPIC_ARN = `${topic.topicArn}-missing`;
    try {
      const broken = await loadHandler();
      const response = await broken(httpEvent({ body: JSON.stringify(sampleOrder()) }));
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('1');
    } finally {
      process.env.TOPIC_ARN = saved;
    }
  });

  it('accepts a body of exactly MAX_BODY_BYTES; one byte more is 413 naming the limit, and nothing is published', async () => {
    const order = JSON.stringify(sampleOrder());
    const exact = order + ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(order));
    expect((await invoke(httpEvent({ body: exact }))).statusCode).toBe(202);
    expect(await drainQueue(clients.sqs, topic.queueUrl)).toHaveLength(1);
    const over = await invoke(httpEvent({ body: `${exact} ` }));
    expect(over.statusCode).toBe(413);
    expect(json(over)).toEqual({ error: `body larger than ${MAX_BODY_BYTES} bytes` });
    expect(await drainQueue(clients.sqs, topic.queueUrl)).toEqual([]);
  });

  it('every answer is JSON and echoes the correlation id', async () => {
    const responses = [
      await invoke(httpEvent({ path: '/order', headers: { 'x-correlation-id': 'c-404' } })),
      await invoke(httpEvent({ method: 'GET', headers: { 'x-correlation-id': 'c-405' } })),
      await invoke(httpEvent({ body: '{', headers: { 'x-correlation-id': 'c-400' } })),
    ];
    expect(
      responses.map((r) => [r.statusCode, r.headers?.['x-correlation-id'], r.headers?.['content-type']]),
    ).toEqual([
      [404, 'c-404', 'application/json'],
      [405, 'c-405', 'application/json'],
      [400, 'c-400', 'application/json'],
    ]);
    expect(responses.map(json)).toEqual([
      { error: 'not found' },
      { error: 'method not allowed' },
      {
        error: 'malformed JSON',
        issues: [{ path: '', message: expect.stringMatching(/^not valid JSON \(.+\)$/) }],
      },
    ]);
  });

  it('keeps a correlation id of 1-128 of A-Z a-z 0-9 . _ : - (trimmed), and replaces any other', async () => {
    const echoed = async (id: string) =>
      (await invoke(httpEvent({ path: '/x', headers: { 'x-correlation-id': id } }))).headers?.[
        'x-correlation-id'
      ];
    const valid = `Az09._:-${'x'.repeat(120)}`;
    expect(await echoed(valid)).toBe(valid);
    expect(await echoed(`  c-1 `)).toBe('c-1');
    for (const invalid of [`${valid}x`, 'has space', 'semi;colon', '', '   ']) {
      const generated = await echoed(invalid);
      expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });

  it('counts accepted and rejected orders (EMF), and nothing for requests it does not route', async () => {
    metrics.reset();
    await invoke(httpEvent({ body: JSON.stringify(sampleOrder()) }));
    await invoke(httpEvent({ body: '{' }));
    await invoke(httpEvent({ body: JSON.stringify({ ...sampleOrder(), total: -1 }) }));
    await invoke(httpEvent({ path: '/other' }));
    await invoke(httpEvent({ method: 'PUT' }));
    expect(metrics.sums()).toEqual({ accepted: 1, rejected: 2 });
    await drainQueue(clients.sqs, topic.queueUrl);
  });
});
