/** DynamoDB implementation of the archive port over the archive service's effect table. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ArchivedEvent, EventArchivePort } from './archive.ts';

/** Name of the TTL attribute of archive items (epoch seconds). */
export const ARCHIVE_TTL_ATTRIBUTE = 'expiresAt';

/**
 * Key of an archived event: one partition per UTC day of `occurredAt`, sorted by time then eventId,
 * so a time range is one Query per day (`sk BETWEEN`).
 */
export function archiveKey(occurredAt: string, eventId: string): { pk: string; sk: string } {
  return { pk: archivePartition(occurredAt.slice(0, 10)), sk: `${occurredAt}#${eventId}` };
}

/** Partition key of one UTC day (`YYYY-MM-DD`). */
export function archivePartition(day: string): string {
  return `ARCHIVE#${day}`;
}

/** {@link EventArchivePort} over the archive table. */
export function dynamoEventArchive(db: DynamoDBDocumentClient, tableName: string): EventArchivePort {
  return {
    async put(entry: ArchivedEvent): Promise<boolean> {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...archiveKey(entry.occurredAt, entry.eventId), ...entry },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
