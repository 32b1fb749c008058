/** Lambda entry of the analytics consumer: SQS → idempotent {@link recordOrderTotals}. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConsumerConfig } from '../shared/config.ts';
import { createSqsConsumer } from '../shared/consumer.ts';
import { dynamoDailyTotals } from './adapters.ts';
import { recordOrderTotals } from './analytics.ts';

const config = readConsumerConfig();
const dynamodb = new DynamoDBClient({});
const totals = dynamoDailyTotals(DynamoDBDocumentClient.from(dynamodb), config.effectTableName);

/** SQS event source handler (ReportBatchItemFailures). */
export const handler = createSqsConsumer({
  service: 'analytics',
  config,
  dynamodb,
  handle: (event) => recordOrderTotals(event, totals),
  // Every record of a batch (up to 100) adds to the same day's totals item: in parallel their
  // transactions cancel each other (TransactionConflict) until some exhaust their retries and the
  // record goes back to the queue. One after the other, they never conflict within a batch.
  processInParallel: false,
});
