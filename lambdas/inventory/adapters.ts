/** DynamoDB implementation of the inventory ports (item shapes: see docs/contract.md). */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderRef, StockPort } from './inventory.ts';

/** Partition key of a SKU's stock item. */
export const stockKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'STOCK' });

/** {@link StockPort} over the inventory effect table. */
export function dynamoStockPort(db: DynamoDBDocumentClient, tableName: string): StockPort {
  const put = async (ref: OrderRef, kind: 'RESERVED' | 'BACKORDER', sku: string, quantity: number) => {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `ORDER#${ref.orderId}`,
          sk: `${kind}#${sku}#${randomUUID()}`,
          eventId: ref.eventId,
          sku,
          quantity,
          createdAt: new Date().toISOString(),
        },
      }),
    );
  };
  return {
    async tryReserve(sku, quantity) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: stockKey(sku),
            UpdateExpression: 'SET available = available - :q',
            // attribute_exists keeps an unknown SKU from being created with a negative level.
            ConditionExpression: 'attribute_exists(available) AND available >= :q',
            ExpressionAttributeValues: { ':q': quantity },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    recordReservation: (ref, sku, quantity) => put(ref, 'RESERVED', sku, quantity),
    recordBackorder: (ref, sku, quantity) => put(ref, 'BACKORDER', sku, quantity),
  };
}
