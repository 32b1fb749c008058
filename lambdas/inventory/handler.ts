/** Lambda entry of the inventory consumer: SQS → idempotent {@link reserveInventory}. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConsumerConfig } from '../shared/config.ts';
import { createSqsConsumer } from '../shared/consumer.ts';
import { dynamoStockPort } from './adapters.ts';
import { INVENTORY_SERVICE, reserveInventory } from './inventory.ts';

const config = readConsumerConfig();
const dynamodb = new DynamoDBClient({});
const stock = dynamoStockPort(DynamoDBDocumentClient.from(dynamodb), config.effectTableName);

/** SQS event source handler (ReportBatchItemFailures). */
export const handler = createSqsConsumer({
  service: INVENTORY_SERVICE,
  config,
  dynamodb,
  handle: (event, { replayScope }) => reserveInventory(event, stock, replayScope),
});
