import { describe, expect, it } from 'vitest';
import {
  confirmationEmail,
  type EmailIntent,
  type EmailMessage,
  type EmailTransport,
  type Outbox,
  type OutboxState,
  sendOrderConfirmation,
} from '../../../lambdas/email/email.ts';
import { sampleEvent } from '../helpers/orders.ts';

const memoryTransport = (): EmailTransport & { sent: EmailMessage[] } => {
  const sent: EmailMessage[] = [];
  return { name: 'ses', sent, send: async (m) => void sent.push(m) };
};

/** In-memory outbox with the adapter's semantics (one record per event, pending → sent). */
class MemoryOutbox implements Outbox {
  readonly records = new Map<string, EmailIntent & { state: OutboxState; sentAt?: string }>();
  async open(intent: EmailIntent) {
    const existing = this.records.get(intent.eventId);
    if (existing) return existing.state;
    this.records.set(intent.eventId, { ...intent, state: 'pending' });
    return 'recorded' as const;
  }
  async markSent(intent: EmailIntent, sentAt: string) {
    const record = this.records.get(intent.eventId);
    if (record?.state !== 'pending') return 'already-applied' as const;
    this.records.set(intent.eventId, { ...record, state: 'sent', sentAt });
    return 'applied' as const;
  }
}

describe('sendOrderConfirmation', () => {
  it('records the intent, sends the confirmation, then marks it sent', async () => {
    const transport = memoryTransport();
    const outbox = new MemoryOutbox();
    const event = sampleEvent();
    const now = new Date('2026-03-01T10:00:00.000Z');
    const result = await sendOrderConfirmation(event, { transport, outbox, now: () => now });
    expect(transport.sent).toEqual([confirmationEmail(event)]);
    expect(transport.sent[0]?.to).toBe('buyer@example.com');
    expect(transport.sent[0]?.text).toContain('Total: 28.99 EUR');
    const intent = {
      orderId: event.data.orderId,
      eventId: event.eventId,
      to: 'buyer@example.com',
      subject: `Order ${event.data.orderId} confirmed`,
      transport: 'ses',
    };
    expect([...outbox.records.values()]).toEqual([
      { ...intent, state: 'sent', sentAt: '2026-03-01T10:00:00.000Z' },
    ]);
    expect(result).toEqual({ ...intent, outcome: 'applied', sentAt: '2026-03-01T10:00:00.000Z' });
  });

  it('never sends again when the record says sent', async () => {
    const transport = memoryTransport();
    const outbox = new MemoryOutbox();
    const event = sampleEvent();
    await sendOrderConfirmation(event, { transport, outbox });
    const again = await sendOrderConfirmation(event, { transport, outbox });
    expect(again.outcome).toBe('already-applied');
    expect(transport.sent).toHaveLength(1);
  });

  it('leaves the record pending when sending fails, and the next attempt sends and marks it', async () => {
    const outbox = new MemoryOutbox();
    const event = sampleEvent();
    const failing: EmailTransport = {
      name: 'ses',
      send: async () => {
        throw new Error('Throttling');
      },
    };
    await expect(sendOrderConfirmation(event, { transport: failing, outbox })).rejects.toThrow('Throttling');
    expect(outbox.records.get(event.eventId)?.state).toBe('pending');
    const transport = memoryTransport();
    expect((await sendOrderConfirmation(event, { transport, outbox })).outcome).toBe('applied');
    expect(transport.sent).toHaveLength(1);
    expect(outbox.records.get(event.eventId)?.state).toBe('sent');
  });
});

describe('confirmationEmail', () => {
  it('tells the buyer the order, one line per item with its price, and the total', () => {
    const event = sampleEvent({
      orderId: 'ord-7',
      items: [
        { sku: 'SKU-A', quantity: 2, unitPrice: 12.5 },
        { sku: 'SKU-B', quantity: 1, unitPrice: 3.99 },
      ],
    });
    expect(confirmationEmail(event)).toEqual({
      to: 'buyer@example.com',
      subject: 'Order ord-7 confirmed',
      text: [
        'Thank you for your order ord-7.',
        '',
        '  2 × SKU-A @ 12.50 EUR',
        '  1 × SKU-B @ 3.99 EUR',
        '',
        'Total: 28.99 EUR',
      ].join('\n'),
    });
  });
});
