/** DynamoDB implementation of the archive port over the archive service's effect table. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { writeEffectOnce } from '../shared/effects.ts';
import { ARCHIVE_SERVICE, type ArchivedEvent, type EventArchivePort } from './archive.ts';

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

/**
 * {@link EventArchivePort} over the archive table: the archive item is its own per-event marker (a
 * conditional put), so an event is archived once whatever delivers it again.
 */
export function dynamoEventArchive(db: DynamoDBDocumentClient, tableName: string): EventArchivePort {
  return {
    put: (entry: ArchivedEvent) =>
      writeEffectOnce(db, {
        service: ARCHIVE_SERVICE,
        eventId: entry.eventId,
        tableName,
        marker: { ...archiveKey(entry.occurredAt, entry.eventId), ...entry },
      }),
  };
}
