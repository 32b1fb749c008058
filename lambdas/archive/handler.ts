/** Lambda entry of the archive consumer: SQS → idempotent {@link archiveEvent}. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConsumerConfig } from '../shared/config.ts';
import { createSqsConsumer } from '../shared/consumer.ts';
import { dynamoEventArchive } from './adapters.ts';
import { ARCHIVE_SERVICE, archiveEvent } from './archive.ts';

const config = readConsumerConfig();
const dynamodb = new DynamoDBClient({});
const archive = dynamoEventArchive(DynamoDBDocumentClient.from(dynamodb), config.effectTableName);

/** SQS event source handler (ReportBatchItemFailures). */
export const handler = createSqsConsumer({
  service: ARCHIVE_SERVICE,
  config,
  dynamodb,
  // No replay scope: the archive keeps one copy per event (the source `replay` reads), so a scoped
  // delivery finds that copy and is a duplicate (`replay archive --reprocess` is refused anyway).
  handle: (event) => archiveEvent(event, archive),
});
