/** DynamoDB implementation of the analytics port (item shapes: see docs/contract.md). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scopedSortKey, writeEffectOnce } from '../shared/effects.ts';
import { ANALYTICS_SERVICE, type DailyTotalsPort } from './analytics.ts';

/** Key of a day's totals item. */
export const dayKey = (day: string) => ({ pk: `DAY#${day}`, sk: 'TOTALS' });

/** Key of the per-event marker: the event has been counted (in the totals of `day`), in a replay scope. */
export const countedKey = (eventId: string, replayScope?: string) => ({
  pk: `EVENT#${eventId}`,
  sk: scopedSortKey('COUNTED', replayScope),
});

/**
 * {@link DailyTotalsPort} over the analytics effect table: the marker and the `ADD` commit in one
 * transaction, so an event is counted once whatever runs it again (ADD keeps concurrent updates exact).
 */
export function dynamoDailyTotals(db: DynamoDBDocumentClient, tableName: string): DailyTotalsPort {
  return {
    add: (eventId, day, orders, revenue, replayScope) =>
      writeEffectOnce(db, {
        service: ANALYTICS_SERVICE,
        eventId,
        tableName,
        // No `orders`/`revenue` attributes here: readers sum those over the table.
        marker: {
          ...countedKey(eventId, replayScope),
          eventId,
          day,
          total: revenue,
          ...(replayScope === undefined ? {} : { replayScope }),
        },
        writes: [
          {
            Update: {
              TableName: tableName,
              Key: dayKey(day),
              UpdateExpression: 'ADD orders :o, revenue :r',
              ExpressionAttributeValues: { ':o': orders, ':r': revenue },
            },
          },
        ],
      }),
  };
}
