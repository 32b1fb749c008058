/**
 * Email service: sends the order confirmation through an outbox. The intent is recorded (keyed by
 * the event) before the send and marked sent after it, so an event whose record says `sent` is never
 * sent again. The send itself leaves the system and cannot share a transaction with the record: a
 * crash after the send and before the mark sends once more on the rerun (see docs/architecture.md).
 */
import type { OrderPlaced } from '../shared/contract.ts';
import type { EffectOutcome } from '../shared/effects.ts';

/**
 * This service's name: its SERVICE_NAME, idempotency key prefix, metrics dimension and stack output
 * prefix. infra/config.ts deploys the service under it; the handler checks SERVICE_NAME against it.
 */
export const EMAIL_SERVICE = 'email';

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

/** The confirmation an event asks for, as the outbox records it. */
export interface EmailIntent {
  readonly orderId: string;
  readonly eventId: string;
  readonly to: string;
  readonly subject: string;
  readonly transport: EmailTransport['name'];
  /** The replay id of a `replay --reprocess` that sends it again (undefined: the first send). */
  readonly replayScope?: string;
}

/** State of an event's outbox record. */
export type OutboxState = 'pending' | 'sent';

/** The outbox: one record per event and replay scope, `pending` until the email has left, then `sent`. */
export interface Outbox {
  /**
   * Records `intent` as `pending` unless the event already has a record.
   * @returns `recorded` (new), or the state of the record that was there
   */
  open(intent: EmailIntent): Promise<'recorded' | OutboxState>;
  /**
   * Marks the event's record `sent` (only from `pending`).
   * @returns `applied`, or `already-applied` when it was already `sent` (another attempt sent too)
   */
  markSent(intent: EmailIntent, sentAt: string): Promise<EffectOutcome>;
}

/** Ports of {@link sendOrderConfirmation}. */
export interface EmailPorts {
  readonly transport: EmailTransport;
  readonly outbox: Outbox;
  /** Clock, injectable for tests. @default () => new Date() */
  readonly now?: () => Date;
}

/** What {@link sendOrderConfirmation} did. */
export interface ConfirmationResult extends EmailIntent {
  readonly outcome: EffectOutcome;
  /** When this attempt sent it; absent when the record already said sent. */
  readonly sentAt?: string;
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
 * Sends the order confirmation at most once per event as far as the outbox can tell: records the
 * intent, sends unless the record says `sent`, then marks it `sent`. A `pending` record left by an
 * attempt that died is sent by the next one. A `replayScope` (`replay --reprocess`) has its own
 * record: the customer gets the confirmation once more.
 */
export async function sendOrderConfirmation(
  event: OrderPlaced,
  ports: EmailPorts,
  replayScope?: string,
): Promise<ConfirmationResult> {
  const message = confirmationEmail(event);
  const intent: EmailIntent = {
    orderId: event.data.orderId,
    eventId: event.eventId,
    to: message.to,
    subject: message.subject,
    transport: ports.transport.name,
    ...(replayScope === undefined ? {} : { replayScope }),
  };
  if ((await ports.outbox.open(intent)) === 'sent') return { ...intent, outcome: 'already-applied' };
  await ports.transport.send(message);
  const sentAt = (ports.now ?? (() => new Date()))().toISOString();
  return { ...intent, outcome: await ports.outbox.markSent(intent, sentAt), sentAt };
}
