/** Email service: sends the order confirmation and records every send. */
import type { OrderPlaced } from '../shared/contract.ts';

/** An email to send. */
export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** How emails leave: SES, or nowhere (record-only) when no sender address is configured. */
export interface EmailTransport {
  readonly name: 'ses' | 'record-only';
  send(message: EmailMessage): Promise<void>;
}

/** One sent notification, as recorded. */
export interface NotificationRecord {
  readonly orderId: string;
  readonly eventId: string;
  readonly to: string;
  readonly subject: string;
  readonly transport: EmailTransport['name'];
  readonly sentAt: string;
}

/** Storage of sent notifications (one record per send). */
export interface NotificationLog {
  record(notification: NotificationRecord): Promise<void>;
}

/** Ports of {@link sendOrderConfirmation}. */
export interface EmailPorts {
  readonly transport: EmailTransport;
  readonly log: NotificationLog;
  /** Clock, injectable for tests. @default () => new Date() */
  readonly now?: () => Date;
}

/** The confirmation email of an order. */
export function confirmationEmail(event: OrderPlaced): EmailMessage {
  const { data } = event;
  const lines = data.items.map(
    (i) => `  ${i.quantity} × ${i.sku} @ ${i.unitPrice.toFixed(2)} ${data.currency}`,
  );
  return {
    to: data.email,
    subject: `Order ${data.orderId} confirmed`,
    text: [
      `Thank you for your order ${data.orderId}.`,
      '',
      ...lines,
      '',
      `Total: ${data.total.toFixed(2)} ${data.currency}`,
    ].join('\n'),
  };
}

/**
 * Sends the confirmation and records the send. Not idempotent by itself (each call sends and
 * records again): run it behind the idempotency layer.
 */
export async function sendOrderConfirmation(
  event: OrderPlaced,
  ports: EmailPorts,
): Promise<NotificationRecord> {
  const message = confirmationEmail(event);
  await ports.transport.send(message);
  const notification: NotificationRecord = {
    orderId: event.data.orderId,
    eventId: event.eventId,
    to: message.to,
    subject: message.subject,
    transport: ports.transport.name,
    sentAt: (ports.now ?? (() => new Date()))().toISOString(),
  };
  await ports.log.record(notification);
  return notification;
}
