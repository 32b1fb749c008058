/** DynamoDB implementation of the analytics port (item shape: see docs/contract.md). */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DailyTotalsPort } from './analytics.ts';

/** Key of a day's totals item. */
export const dayKey = (day: string) => ({ pk: `DAY#${day}`, sk: 'TOTALS' });

/** {@link DailyTotalsPort} over the analytics effect table (ADD keeps concurrent updates exact). */
export function dynamoDailyTotals(db: DynamoDBDocumentClient, tableName: string): DailyTotalsPort {
  return {
    async add(day, orders, revenue) {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: dayKey(day),
          UpdateExpression: 'ADD orders :o, revenue :r',
          ExpressionAttributeValues: { ':o': orders, ':r': revenue },
        }),
      );
    },
  };
}
