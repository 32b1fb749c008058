/** DynamoDB implementation of the inventory port (item shapes: see docs/contract.md). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EffectCancelledError, scopedSortKey, writeEffectOnce } from '../shared/effects.ts';
import { INVENTORY_SERVICE, type StockPort } from './inventory.ts';

/** Key of a SKU's stock item. */
export const stockKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'STOCK' });

/**
 * Key of an event's reservation record: what it reserved and backordered. It is also the event's
 * marker, so it exists exactly when the stock movements of the event have been applied (in that
 * replay scope: a `replay --reprocess` reserves again under its own record).
 */
export const reservationKey = (orderId: string, eventId: string, replayScope?: string) => ({
  pk: `ORDER#${orderId}`,
  sk: scopedSortKey(`RESERVATION#${eventId}`, replayScope),
});

/**
 * {@link StockPort} over the inventory effect table: ONE transaction holds the reservation record
 * (marker, written only if absent) and one conditional decrement per reserved SKU. A SKU whose
 * condition fails cancels the whole transaction; its position in the cancellation reasons names it.
 */
export function dynamoStockPort(db: DynamoDBDocumentClient, tableName: string): StockPort {
  return {
    async commit(ref, plan) {
      try {
        const outcome = await writeEffectOnce(db, {
          service: INVENTORY_SERVICE,
          eventId: ref.eventId,
          tableName,
          marker: {
            ...reservationKey(ref.orderId, ref.eventId, ref.replayScope),
            eventId: ref.eventId,
            ...(ref.replayScope === undefined ? {} : { replayScope: ref.replayScope }),
            reserved: plan.reserve,
            backordered: plan.backorder,
            createdAt: new Date().toISOString(),
          },
          writes: plan.reserve.map(({ sku, quantity }) => ({
            Update: {
              TableName: tableName,
              Key: stockKey(sku),
              UpdateExpression: 'SET available = available - :q',
              // attribute_exists keeps an unknown SKU from being created with a negative level.
              ConditionExpression: 'attribute_exists(available) AND available >= :q',
              ExpressionAttributeValues: { ':q': quantity },
            },
          })),
        });
        return { outcome };
      } catch (error) {
        if (!(error instanceof EffectCancelledError)) throw error;
        const skus = plan.reserve
          .filter((_, i) => error.codes[i] === 'ConditionalCheckFailed')
          .map((l) => l.sku);
        return { outcome: 'short', skus };
      }
    },
  };
}
