/** DynamoDB implementation of the high-value port (item shape: see docs/contract.md). */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReviewPort } from './high-value.ts';

/** {@link ReviewPort} over the high-value effect table: one item per opened case. */
export function dynamoReviewPort(db: DynamoDBDocumentClient, tableName: string): ReviewPort {
  return {
    async open(c) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: `ORDER#${c.orderId}`,
            sk: `REVIEW#${randomUUID()}`,
            eventId: c.eventId,
            total: c.total,
            customerId: c.customerId,
            status: 'open',
            openedAt: new Date().toISOString(),
          },
        }),
      );
    },
  };
}
