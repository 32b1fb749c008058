import { describe, expect, it } from 'vitest';
import { matchesFilterPolicy } from '../../../cli/replay.ts';
import { SERVICES } from '../../../infra/config.ts';
import { archiveKey } from '../../../lambdas/archive/adapters.ts';
import { ARCHIVE_RETENTION_DAYS, toArchivedEvent } from '../../../lambdas/archive/archive.ts';
import { sampleEvent } from '../helpers/orders.ts';

describe('archive entry', () => {
  it('keeps the raw body and the publisher attributes, keyed by occurredAt (UTC) and eventId', () => {
    const event = sampleEvent({}, { occurredAt: '2026-03-04T10:00:00+02:00' });
    const now = new Date('2026-03-04T08:00:05Z');
    const entry = toArchivedEvent(event, now);
    expect(JSON.parse(entry.body)).toEqual(event);
    expect(entry.occurredAt).toBe('2026-03-04T08:00:00.000Z');
    expect(entry.attributes).toEqual({
      eventType: { DataType: 'String', StringValue: 'order.placed' },
      total: { DataType: 'Number', StringValue: String(event.data.total) },
    });
    expect(entry.expiresAt).toBe(Math.floor(now.getTime() / 1000) + ARCHIVE_RETENTION_DAYS * 86_400);
    expect(archiveKey(entry.occurredAt, entry.eventId)).toEqual({
      pk: 'ARCHIVE#2026-03-04',
      sk: `2026-03-04T08:00:00.000Z#${event.eventId}`,
    });
  });
});

describe('replay filter (the subscription filter of infra/config.ts, on the event body)', () => {
  const highValue = SERVICES.find((s) => s.name === 'high-value')?.filterPolicy;
  const body = (total: number) =>
    JSON.stringify(sampleEvent({ items: [{ sku: 'A', quantity: 1, unitPrice: total }], total }));

  it('delivers what SNS would deliver: total >= 100 to high-value, everything without a policy', () => {
    expect(matchesFilterPolicy(highValue, body(100))).toBe(true);
    expect(matchesFilterPolicy(highValue, body(99.99))).toBe(false);
    expect(matchesFilterPolicy(undefined, body(1))).toBe(true);
    expect(
      matchesFilterPolicy({ eventType: { kind: 'string', allowlist: ['order.cancelled'] } }, body(500)),
    ).toBe(false);
    expect(matchesFilterPolicy(highValue, 'not json')).toBe(false);
  });
});
