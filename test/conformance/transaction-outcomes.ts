/** Names and shapes of DynamoDB transaction outcomes, as the conformance tests expect them. */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** The `TransactItems` of a document-client `TransactWriteCommand`. */
export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** Cancellation reason of an item whose own condition held. */
export const NONE = { Code: 'None' } as const;
/** Cancellation reason of an item whose condition failed (plus `Item` when `ALL_OLD` asked for it). */
export const CONDITION_FAILED = {
  Code: 'ConditionalCheckFailed',
  Message: 'The conditional request failed',
} as const;
/** Cancellation reason of an item held by another in-flight transaction. */
export const CONFLICT = {
  Code: 'TransactionConflict',
  Message: 'Transaction is ongoing for the item',
} as const;

/** DynamoDB's TransactionCanceledException message for these reason codes, in item order. */
export function cancelledMessage(...codes: string[]): string {
  return `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`;
}
