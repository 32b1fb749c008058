/** AWS implementations of the email ports (item shape: see docs/contract.md). */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { scopedSortKey } from '../shared/effects.ts';
import { OrderEventsError } from '../shared/errors.ts';
import type { EmailTransport, Outbox, OutboxState } from './email.ts';

/** Sends through SESv2 SendEmail from `fromAddress`. */
export function sesTransport(ses: SESv2Client, fromAddress: string): EmailTransport {
  return {
    name: 'ses',
    async send(message) {
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: fromAddress,
          Destination: { ToAddresses: [message.to] },
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
            },
          },
        }),
      );
    },
  };
}

/** Sends nothing: the outbox record is the whole effect (no SES sender configured). */
export const recordOnlyTransport: EmailTransport = { name: 'record-only', send: async () => {} };

/**
 * Key of an event's outbox record (deterministic: one record per event and replay scope; a
 * `replay --reprocess` sends again under its own record).
 */
export const emailKey = (orderId: string, eventId: string, replayScope?: string) => ({
  pk: `ORDER#${orderId}`,
  sk: scopedSortKey(`EMAIL#${eventId}`, replayScope),
});

/** The `state` of the item DynamoDB returned with a failed condition (ReturnValuesOnConditionCheckFailure). */
function stateOf(error: ConditionalCheckFailedException): OutboxState {
  // Errors are not unmarshalled by the document client: the item is in AttributeValue form.
  const state = error.Item?.state?.S;
  if (state === 'pending' || state === 'sent') return state;
  throw new OrderEventsError(`outbox record has no valid state (${JSON.stringify(error.Item)})`, {
    cause: error,
  });
}

/** {@link Outbox} over the email effect table: one item per event, `pending` then `sent`. */
export function dynamoOutbox(db: DynamoDBDocumentClient, tableName: string): Outbox {
  return {
    async open(intent) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...emailKey(intent.orderId, intent.eventId, intent.replayScope),
              ...intent,
              state: 'pending',
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return 'recorded';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return stateOf(error);
        throw error;
      }
    },
    async markSent(intent, sentAt) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: emailKey(intent.orderId, intent.eventId, intent.replayScope),
            UpdateExpression: 'SET #state = :sent, sentAt = :at',
            ConditionExpression: '#state = :pending',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':sent': 'sent', ':pending': 'pending', ':at': sentAt },
          }),
        );
        return 'applied';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'already-applied';
        throw error;
      }
    },
  };
}
