/**
 * Starts the emulators and points a consumer handler at them. The environment is set BEFORE the
 * handler module is imported, because handlers create their clients and read config at load.
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { METRICS_NAMESPACE } from '../../../infra/config.ts';
import { type Emulators, startEmulators } from '../../../local/emulators.ts';
import {
  createEffectTable,
  createIdempotencyTable,
  createQueue,
  type TestClients,
  testClients,
} from './aws.ts';
import { captureMetrics, type MetricCapture } from './emf.ts';
import { lambdaContext } from './sqs-event.ts';

/** A running consumer under test and everything around it. */
export interface ConsumerUnderTest extends TestClients {
  readonly emulators: Emulators;
  readonly effectTable: string;
  readonly idempotencyTable: string;
  readonly dlqUrl: string;
  /** EMF metrics the handler wrote (captured for the whole file; `reset()` before an action). */
  readonly metrics: MetricCapture;
  /** Invokes the handler once with a fresh Lambda context. */
  invoke(event: SQSEvent): Promise<SQSBatchResponse>;
  stop(): Promise<void>;
}

type HandlerModule = {
  handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;
};

/** Sets up tables, a DLQ and the environment, then imports `lambdas/<service>/handler.ts`. */
export async function startConsumer(
  service: string,
  extraEnv: Record<string, string> = {},
): Promise<ConsumerUnderTest> {
  const emulators = await startEmulators();
  const clients = testClients(emulators);
  const suffix = randomUUID().slice(0, 8);
  const effectTable = `${service}-effects-${suffix}`;
  const idempotencyTable = `idempotency-${suffix}`;
  await createEffectTable(clients.dynamodb, effectTable);
  await createIdempotencyTable(clients.dynamodb, idempotencyTable);
  const dlq = await createQueue(clients.sqs, `${service}-dlq-${suffix}`);
  Object.assign(process.env, emulators.env, {
    SERVICE_NAME: service,
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
    IDEMPOTENCY_TABLE_NAME: idempotencyTable,
    IDEMPOTENCY_EXPIRY_SECONDS: '3600',
    EFFECT_TABLE_NAME: effectTable,
    DLQ_URL: dlq.url,
    ...extraEnv,
  });
  const metrics = captureMetrics();
  const mod = (await import(`../../../lambdas/${service}/handler.ts`)) as HandlerModule;
  return {
    ...clients,
    emulators,
    effectTable,
    idempotencyTable,
    dlqUrl: dlq.url,
    metrics,
    invoke: (event) => mod.handler(event, lambdaContext(`${service}-fn`)),
    stop: async () => {
      metrics.restore();
      clients.dynamodb.destroy();
      clients.sqs.destroy();
      await emulators.stop();
    },
  };
}
