/** DynamoDB implementation of the analytics port (item shapes: see docs/contract.md). */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toCents } from '../shared/contract.ts';
import { scopedSortKey, writeEffectOnce } from '../shared/effects.ts';
import { ANALYTICS_SERVICE, type DailyTotalsPort } from './analytics.ts';

/**
 * How many items hold one day's totals. Every event of a day adds to the day, and the records of a
 * batch run concurrently: on a single item their transactions collide (`TransactionConflict`) and
 * retry, and one item also caps the day at DynamoDB's per-item write rate. Spread over this many
 * items (each its own partition key), collisions become rare; readers sum the shards.
 */
export const DAY_SHARDS = 16;

/**
 * The shard an event adds to: the first hex digit of its eventId (a v5 UUID, so uniform). Fixed per
 * event, so every redelivery of an event targets the same item.
 */
export const dayShard = (eventId: string): number => Number.parseInt(eventId.charAt(0), 16) % DAY_SHARDS;

/** Key of one shard of a day's totals (`shard` from {@link dayShard}). */
export const dayKey = (day: string, shard: number) => ({ pk: `DAY#${day}#${shard}`, sk: 'TOTALS' });

/** A day's totals: the sum of its shards (`revenueCents` exact, in integer cents). */
export interface DayTotals {
  readonly orders: number;
  readonly revenueCents: number;
}

/** Reads every shard of `day` (one strongly consistent BatchGetItem) and sums them. */
export async function readDayTotals(
  db: DynamoDBDocumentClient,
  tableName: string,
  day: string,
): Promise<DayTotals> {
  const keys = Array.from({ length: DAY_SHARDS }, (_, shard) => dayKey(day, shard));
  let pending: Record<string, unknown>[] = keys;
  let orders = 0;
  let revenueCents = 0;
  // BatchGetItem may answer part of the keys (UnprocessedKeys); ask again for the rest.
  while (pending.length > 0) {
    const out = await db.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
    );
    for (const item of out.Responses?.[tableName] ?? []) {
      orders += Number(item.orders ?? 0);
      revenueCents += toCents(Number(item.revenue ?? 0));
    }
    pending = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
  return { orders, revenueCents };
}

/** Key of the per-event marker: the event has been counted (in the totals of `day`), in a replay scope. */
export const countedKey = (eventId: string, replayScope?: string) => ({
  pk: `EVENT#${eventId}`,
  sk: scopedSortKey('COUNTED', replayScope),
});

/**
 * {@link DailyTotalsPort} over the analytics effect table: the marker and the `ADD` to the event's
 * shard of the day commit in one transaction, so an event is counted once whatever runs it again (ADD
 * keeps concurrent updates exact).
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
              Key: dayKey(day, dayShard(eventId)),
              UpdateExpression: 'ADD orders :o, revenue :r',
              ExpressionAttributeValues: { ':o': orders, ':r': revenue },
            },
          },
        ],
      }),
  };
}
