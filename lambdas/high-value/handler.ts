/** Lambda entry of the high-value consumer: SQS → idempotent {@link openReviewCase}. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConsumerConfig } from '../shared/config.ts';
import { createSqsConsumer } from '../shared/consumer.ts';
import { dynamoReviewPort } from './adapters.ts';
import { HIGH_VALUE_SERVICE, openReviewCase } from './high-value.ts';

const config = readConsumerConfig();
const dynamodb = new DynamoDBClient({});
const reviews = dynamoReviewPort(DynamoDBDocumentClient.from(dynamodb), config.effectTableName);

/** SQS event source handler (ReportBatchItemFailures). */
export const handler = createSqsConsumer({
  service: HIGH_VALUE_SERVICE,
  config,
  dynamodb,
  handle: (event, { replayScope }) => openReviewCase(event, reviews, replayScope),
});
