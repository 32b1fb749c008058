/** DynamoDB implementation of the high-value port (item shape: see docs/contract.md). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scopedSortKey, writeEffectOnce } from '../shared/effects.ts';
import { HIGH_VALUE_SERVICE, type ReviewPort } from './high-value.ts';

/**
 * Key of the review case an event opens (deterministic: the event can open only this one per replay
 * scope; a `replay --reprocess` opens a new case beside the first, never over it).
 */
export const reviewKey = (orderId: string, eventId: string, replayScope?: string) => ({
  pk: `ORDER#${orderId}`,
  sk: scopedSortKey(`REVIEW#${eventId}`, replayScope),
});

/**
 * {@link ReviewPort} over the high-value effect table: the case item is its own per-event marker
 * (written only if absent), so an event opens at most one case.
 */
export function dynamoReviewPort(db: DynamoDBDocumentClient, tableName: string): ReviewPort {
  return {
    open: (c) =>
      writeEffectOnce(db, {
        service: HIGH_VALUE_SERVICE,
        eventId: c.eventId,
        tableName,
        marker: {
          ...reviewKey(c.orderId, c.eventId, c.replayScope),
          eventId: c.eventId,
          ...(c.replayScope === undefined ? {} : { replayScope: c.replayScope }),
          total: c.total,
          customerId: c.customerId,
          status: 'open',
          openedAt: new Date().toISOString(),
        },
      }),
  };
}
