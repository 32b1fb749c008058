/** Lambda entry of the analytics consumer: SQS → idempotent {@link recordOrderTotals}. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConsumerConfig } from '../shared/config.ts';
import { createSqsConsumer } from '../shared/consumer.ts';
import { dynamoDailyTotals } from './adapters.ts';
import { ANALYTICS_SERVICE, recordOrderTotals } from './analytics.ts';

const config = readConsumerConfig();
const dynamodb = new DynamoDBClient({});
const totals = dynamoDailyTotals(DynamoDBDocumentClient.from(dynamodb), config.effectTableName);

/** SQS event source handler (ReportBatchItemFailures). */
export const handler = createSqsConsumer({
  service: ANALYTICS_SERVICE,
  config,
  dynamodb,
  handle: (event, { replayScope }) => recordOrderTotals(event, totals, replayScope),
});
