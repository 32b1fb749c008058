/** AWS implementations of the email ports (item shape: see docs/contract.md). */
import { randomUUID } from 'node:crypto';
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EmailTransport, NotificationLog } from './email.ts';

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

/** Sends nothing: the notification record is the whole effect (no SES sender configured). */
export const recordOnlyTransport: EmailTransport = { name: 'record-only', send: async () => {} };

/** {@link NotificationLog} over the email effect table: one item per send. */
export function dynamoNotificationLog(db: DynamoDBDocumentClient, tableName: string): NotificationLog {
  return {
    async record(n) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: `ORDER#${n.orderId}`,
            sk: `EMAIL#${n.sentAt}#${randomUUID()}`,
            eventId: n.eventId,
            to: n.to,
            subject: n.subject,
            transport: n.transport,
            sentAt: n.sentAt,
          },
        }),
      );
    },
  };
}
