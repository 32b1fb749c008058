/** Lambda entry of the email consumer: SQS → idempotent {@link sendOrderConfirmation}. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConsumerConfig } from '../shared/config.ts';
import { createSqsConsumer } from '../shared/consumer.ts';
import { dynamoOutbox, recordOnlyTransport, sesTransport } from './adapters.ts';
import { EMAIL_SERVICE, sendOrderConfirmation } from './email.ts';

const config = readConsumerConfig();
const dynamodb = new DynamoDBClient({});
const fromAddress = process.env.SES_FROM_ADDRESS?.trim();
const ports = {
  transport: fromAddress ? sesTransport(new SESv2Client({}), fromAddress) : recordOnlyTransport,
  outbox: dynamoOutbox(DynamoDBDocumentClient.from(dynamodb), config.effectTableName),
};

/** SQS event source handler (ReportBatchItemFailures). */
export const handler = createSqsConsumer({
  service: EMAIL_SERVICE,
  config,
  dynamodb,
  handle: (event, { replayScope }) => sendOrderConfirmation(event, ports, replayScope),
});
