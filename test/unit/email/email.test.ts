import { describe, expect, it } from 'vitest';
import {
  confirmationEmail,
  type EmailMessage,
  type EmailTransport,
  type NotificationRecord,
  sendOrderConfirmation,
} from '../../../lambdas/email/email.ts';
import { sampleEvent } from '../helpers/orders.ts';

const memoryTransport = (): EmailTransport & { sent: EmailMessage[] } => {
  const sent: EmailMessage[] = [];
  return { name: 'ses', sent, send: async (m) => void sent.push(m) };
};

describe('sendOrderConfirmation', () => {
  it('sends the confirmation and records the send', async () => {
    const transport = memoryTransport();
    const records: NotificationRecord[] = [];
    const event = sampleEvent();
    const now = new Date('2026-03-01T10:00:00.000Z');
    const result = await sendOrderConfirmation(event, {
      transport,
      log: { record: async (n) => void records.push(n) },
      now: () => now,
    });
    expect(transport.sent).toEqual([confirmationEmail(event)]);
    expect(transport.sent[0]?.to).toBe('buyer@example.com');
    expect(transport.sent[0]?.text).toContain('Total: 28.99 EUR');
    expect(records).toEqual([
      {
        orderId: event.data.orderId,
        eventId: event.eventId,
        to: 'buyer@example.com',
        subject: `Order ${event.data.orderId} confirmed`,
        transport: 'ses',
        sentAt: '2026-03-01T10:00:00.000Z',
      },
    ]);
    expect(result).toEqual(records[0]);
  });

  it('records nothing when sending fails (so a retry sends and records once)', async () => {
    const records: NotificationRecord[] = [];
    const failing: EmailTransport = {
      name: 'ses',
      send: async () => {
        throw new Error('Throttling');
      },
    };
    await expect(
      sendOrderConfirmation(sampleEvent(), {
        transport: failing,
        log: { record: async (n) => void records.push(n) },
      }),
    ).rejects.toThrow('Throttling');
    expect(records).toEqual([]);
  });
});
