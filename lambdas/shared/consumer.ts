/**
 * The SQS consumer plumbing every service shares, so each handler.ts is a few lines:
 * parse + validate → Powertools idempotency (DynamoDB, key = the fact, plus the replay scope of a
 * `replay --reprocess` delivery) → business function, with partial batch responses, a poison fast
 * path to the DLQ, structured logs and EMF metrics. On a FIFO queue the records of a batch run in
 * order and a failure holds back the rest of its message group only (Powertools
 * SqsFifoPartialProcessorAsync with skipGroupOnError).
 */
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { type ConsumerConfig, readConsumerConfig } from './config.ts';
import { type OrderPlaced, parseOrderPlaced } from './contract.ts';
import type { RecordOutcome } from './effects.ts';
import { ConfigurationError, ContractViolationError, TransientError } from './errors.ts';

/** What a business function gets besides the event. */
export interface RecordScope {
  /** Logger with correlationId, eventId, orderId and messageId already appended. */
  readonly logger: Logger;
  /**
   * The replay id of a `replay --reprocess` delivery ({@link REPLAY_SCOPE_ATTRIBUTE}), undefined for
   * every other delivery. The business function keys its effect's per-event marker with it, so the
   * event is applied once more per replay id, and once in total per replay id.
   */
  readonly replayScope?: string;
}

/** Options of {@link createSqsConsumer}. */
export interface SqsConsumerOptions {
  /** Service name; must equal SERVICE_NAME (it prefixes idempotency keys, which IAM scopes). */
  readonly service: string;
  /**
   * The business function. Its result must be JSON-serialisable (it is stored as the idempotent
   * response); its `outcome` decides the record's metric: `applied` → processed, `already-applied`
   * → duplicate, `skipped` → skipped.
   */
  readonly handle: (event: OrderPlaced, scope: RecordScope) => Promise<HandledRecord>;
  /** Overrides the configuration read from the environment. */
  readonly config?: ConsumerConfig;
  /** Overrides the SQS client used for the poison fast path. */
  readonly sqs?: SQSClient;
  /** Overrides the DynamoDB client of the idempotency store. */
  readonly dynamodb?: DynamoDBClient;
}

/** What a business function reports about a record. */
export interface HandledRecord {
  readonly outcome: RecordOutcome;
}

/** A Lambda handler for SQS events with partial batch responses. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Metric names (Count, dimension `service`). */
export const METRIC = {
  processed: 'processed',
  duplicate: 'duplicate',
  skipped: 'skipped',
  failed: 'failed',
  poisoned: 'poisoned',
} as const;

/** Names of the message attributes set on a message parked by the poison fast path. */
export const POISON_ATTRIBUTE = {
  reason: 'error-reason',
  type: 'error-type',
  originalMessageId: 'original-message-id',
  receiveCount: 'approximate-receive-count',
  service: 'service',
} as const;

/**
 * Name of the message attribute that scopes a delivery to one replay: only `order-events replay
 * --reprocess` sets it (publishes never do). Its value, a replay id, joins the idempotency key and
 * every effect's per-event marker, so the event is applied once more per replay id, and a delivery
 * with a malformed value is poison (never treated as unscoped).
 */
export const REPLAY_SCOPE_ATTRIBUTE = 'replay-scope';

/** Longest replay id (it becomes part of marker sort keys). */
export const MAX_REPLAY_ID_LENGTH = 64;
// No `#`: the id is appended to `#`-separated sort keys, whose prefixes must stay unambiguous.
const REPLAY_ID_CHARACTERS = /^[A-Za-z0-9_-]+$/;

/**
 * Why `value` is not a replay id, or undefined when it is one: 1 to {@link MAX_REPLAY_ID_LENGTH}
 * characters of `A-Z a-z 0-9 _ -`. The CLI checks `--replay-id` with it, the consumer the attribute.
 */
export function replayIdProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_REPLAY_ID_LENGTH) {
    return `is ${value.length} characters long (at most ${MAX_REPLAY_ID_LENGTH})`;
  }
  if (!REPLAY_ID_CHARACTERS.test(value)) return 'may contain only A-Z, a-z, 0-9, "_" and "-"';
  return undefined;
}

/**
 * The replay scope of a record: undefined when it has no {@link REPLAY_SCOPE_ATTRIBUTE}.
 *
 * @throws ContractViolationError when the attribute is there but not a String holding a replay id
 *   (poison: ignoring it would apply the replay as a plain duplicate, or not at all)
 */
export function replayScopeOf(record: Pick<SQSRecord, 'messageAttributes'>): string | undefined {
  const attribute = record.messageAttributes?.[REPLAY_SCOPE_ATTRIBUTE];
  if (attribute === undefined) return undefined;
  const invalid = (message: string) =>
    new ContractViolationError([{ path: `messageAttributes.${REPLAY_SCOPE_ATTRIBUTE}`, message }], {
      summary: 'invalid replay scope',
    });
  if (attribute.dataType !== 'String' || attribute.stringValue === undefined) {
    throw invalid(`must be a String attribute holding a replay id (got ${attribute.dataType})`);
  }
  const problem = replayIdProblem(attribute.stringValue);
  if (problem !== undefined) {
    throw invalid(`${JSON.stringify(attribute.stringValue.slice(0, 100))} ${problem}`);
  }
  return attribute.stringValue;
}

// SQS allows 10 attributes per message; ours take 5, the original ones may use the rest.
const MAX_MESSAGE_ATTRIBUTES = 10;
const MAX_REASON_LENGTH = 1024;

/**
 * First argument of the idempotent function, which Powertools hashes: `key` is the idempotency key,
 * `event.data` the validated payload.
 */
interface Delivery {
  /**
   * The fact, `[eventType, orderId]`, exactly as before replay scopes existed (so the keys of every
   * ordinary delivery, and the records already stored, are unchanged), plus the replay scope.
   */
  readonly key: readonly string[];
  readonly event: OrderPlaced;
  readonly replayScope: string | undefined;
}

/** The idempotency key of a delivery (see {@link Delivery.key}). */
function idempotencyKey(event: OrderPlaced, replayScope: string | undefined): string[] {
  // The fact (one order placed), not the id a publisher chose: the contract also rejects any
  // eventId other than the canonical one derived from these two fields.
  const fact = [event.eventType, event.data.orderId];
  return replayScope === undefined ? fact : [...fact, replayScope];
}

/**
 * Second argument of the idempotent function. makeIdempotent hashes argument 0 unless
 * `dataIndexArgument` is set, and treats argument 1 as a Lambda context only when it has
 * `getRemainingTimeInMillis` (or `step`); this object has neither, so it is passed through untouched
 * and `ran` tells a real run from a replayed (duplicate) result.
 */
interface Invocation {
  ran: boolean;
  readonly logger: Logger;
}

/** The metric of a record, from what its business function reported (a replayed result is a duplicate). */
function metricOf(invocation: Invocation, result: HandledRecord): string {
  if (!invocation.ran || result.outcome === 'already-applied') return METRIC.duplicate;
  return result.outcome === 'skipped' ? METRIC.skipped : METRIC.processed;
}

/**
 * The Powertools Logger, with children that keep the sandbox's cold start: `createChild` builds a
 * fresh Logger whose own cold-start flag is still true, so every per-record child logged
 * `"cold_start": true`. A child takes the flag its parent reported for this invocation.
 */
class ConsumerLogger extends Logger {
  #invocationColdStart = false;

  override getColdStart(): boolean {
    this.#invocationColdStart = super.getColdStart();
    return this.#invocationColdStart;
  }

  protected override createLogger(options?: ConstructorParameters<typeof Logger>[0]): Logger {
    const child = new ConsumerLogger(options);
    child.coldStart = this.#invocationColdStart;
    return child;
  }
}

/**
 * Builds the Lambda handler of one consumer service.
 *
 * Per record: a body that breaks the contract, a malformed {@link REPLAY_SCOPE_ATTRIBUTE}, or an
 * eventId already processed with different `data` (IdempotencyValidationError), is poison: its
 * original body goes to DLQ_URL with reason attributes and the record counts as handled; if that
 * send fails the record is reported as failed so SQS keeps it. Any other error reports exactly
 * that record in `batchItemFailures`. A delivery with a replay scope is keyed, and applied, once
 * per replay id (see {@link RecordScope.replayScope}).
 *
 * @throws ConfigurationError at creation if the environment is incomplete or SERVICE_NAME differs
 */
export function createSqsConsumer(options: SqsConsumerOptions): SqsHandler {
  const config = options.config ?? readConsumerConfig();
  if (config.serviceName !== options.service) {
    throw new ConfigurationError(
      `SERVICE_NAME is "${config.serviceName}" but this handler is the "${options.service}" service`,
      ['SERVICE_NAME'],
    );
  }
  const logger = new ConsumerLogger({ serviceName: config.serviceName });
  const metrics = new Metrics({ serviceName: config.serviceName });
  const sqs = options.sqs ?? new SQSClient({});
  // A FIFO queue has a FIFO DLQ (SQS refuses anything else), so the DLQ tells the queue type.
  const fifo = config.dlqUrl.endsWith('.fifo');
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: config.idempotencyTableName,
    awsSdkV3Client: options.dynamodb ?? new DynamoDBClient({}),
  });

  const runBusiness = async (delivery: Delivery, invocation: Invocation): Promise<HandledRecord> => {
    invocation.ran = true;
    return await options.handle(delivery.event, {
      logger: invocation.logger,
      replayScope: delivery.replayScope,
    });
  };

  const parkPoison = async (record: SQSRecord, error: Error, recordLogger: Logger): Promise<void> => {
    const reason = (
      error instanceof IdempotencyValidationError
        ? 'eventId already processed with different data (payload validation failed)'
        : error.message
    ).slice(0, MAX_REASON_LENGTH);
    const attributes: Record<string, MessageAttributeValue> = {
      [POISON_ATTRIBUTE.reason]: { DataType: 'String', StringValue: reason },
      [POISON_ATTRIBUTE.type]: { DataType: 'String', StringValue: error.name },
      [POISON_ATTRIBUTE.originalMessageId]: { DataType: 'String', StringValue: record.messageId },
      [POISON_ATTRIBUTE.receiveCount]: {
        DataType: 'Number',
        StringValue: record.attributes.ApproximateReceiveCount || '1',
      },
      [POISON_ATTRIBUTE.service]: { DataType: 'String', StringValue: config.serviceName },
    };
    // Keep the original (SNS) attributes such as eventType and total, so a redrive still matches filters.
    for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
      if (Object.keys(attributes).length >= MAX_MESSAGE_ATTRIBUTES) break;
      if (name in attributes || value.stringValue === undefined) continue;
      attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
    }
    const fifoFields = fifo
      ? {
          MessageGroupId: record.attributes.MessageGroupId ?? config.serviceName,
          MessageDeduplicationId: record.messageId,
        }
      : {};
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: config.dlqUrl,
          MessageBody: record.body,
          MessageAttributes: attributes,
          ...fifoFields,
        }),
      );
    } catch (sendError) {
      metrics.addMetric(METRIC.failed, MetricUnit.Count, 1);
      recordLogger.error('poison message could not be parked in the DLQ; leaving it to SQS', {
        reason,
        error: sendError as Error,
      });
      throw new TransientError(`could not send poison message ${record.messageId} to the DLQ`, {
        cause: sendError,
      });
    }
    metrics.addMetric(METRIC.poisoned, MetricUnit.Count, 1);
    recordLogger.warn('poison message parked in the DLQ', { errorType: error.name, reason });
  };

  return async (event, context) => {
    logger.addContext(context);
    // A fresh config per invocation: registerLambdaContext lets a crashed attempt's in-progress lock
    // expire with the invocation's deadline instead of blocking redeliveries until the record expires.
    const idempotencyConfig = new IdempotencyConfig({
      // One expression for scoped and unscoped deliveries: the persistence layer takes its first
      // configuration only, so the key is computed in idempotencyKey() and only hashed here.
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'event.data',
      expiresAfterSeconds: config.idempotencyExpirySeconds,
      throwOnNoIdempotencyKey: true,
    });
    idempotencyConfig.registerLambdaContext(context);
    const idempotent = makeIdempotent(runBusiness, {
      persistenceStore,
      config: idempotencyConfig,
      keyPrefix: config.serviceName,
    });

    const recordHandler = async (record: SQSRecord): Promise<void> => {
      // A child logger per record: records run concurrently, so appendKeys on a shared logger would mix them.
      const recordLogger = logger.createChild();
      recordLogger.appendKeys({ messageId: record.messageId });
      let parsed: OrderPlaced;
      let replayScope: string | undefined;
      try {
        parsed = parseOrderPlaced(record.body);
        replayScope = replayScopeOf(record);
      } catch (error) {
        if (!(error instanceof ContractViolationError)) throw error;
        await parkPoison(record, error, recordLogger);
        return;
      }
      recordLogger.appendKeys({
        correlationId: parsed.correlationId,
        eventId: parsed.eventId,
        orderId: parsed.data.orderId,
        ...(replayScope === undefined ? {} : { replayScope }),
      });
      const invocation: Invocation = { ran: false, logger: recordLogger };
      let result: HandledRecord;
      try {
        result = await idempotent(
          { key: idempotencyKey(parsed, replayScope), event: parsed, replayScope },
          invocation,
        );
      } catch (error) {
        if (error instanceof IdempotencyValidationError) {
          await parkPoison(record, error, recordLogger);
          return;
        }
        metrics.addMetric(METRIC.failed, MetricUnit.Count, 1);
        if (error instanceof IdempotencyAlreadyInProgressError) {
          recordLogger.warn('another delivery of this event is in progress; SQS will redeliver this one');
        } else {
          recordLogger.error('record failed; SQS will redeliver it', { error: error as Error });
        }
        throw error;
      }
      const metric = metricOf(invocation, result);
      metrics.addMetric(metric, MetricUnit.Count, 1);
      recordLogger.info(metric, { outcome: invocation.ran ? result.outcome : 'replayed' });
    };

    try {
      // A processor per invocation keeps concurrent invocations (tests, local runner) apart.
      // For SQS, reporting every record is the same as failing the batch, without an error log storm.
      if (fifo) {
        // FIFO: records one after the other, in order; after a failure, every later record of the
        // SAME message group (customer) is reported failed unprocessed (skipGroupOnError), so SQS
        // redelivers them after the failed one and a customer's orders are never applied out of
        // order, while the other customers' records of the batch go on. BatchProcessor would run
        // them concurrently and delete the later records while the failed one waits for a retry.
        return await processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), {
          context,
          skipGroupOnError: true,
          throwOnFullBatchFailure: false,
        });
      }
      // At most recordConcurrency records at once (BatchProcessor alone would start all of them).
      const limit = pLimit(config.recordConcurrency);
      const limitedHandler = (record: SQSRecord): Promise<void> => limit(() => recordHandler(record));
      return await processPartialResponse(event, limitedHandler, new BatchProcessor(EventType.SQS), {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      // Concurrent invocations share the instance: another one may already have flushed our metrics.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
