import { describe, expect, it } from 'vitest';
import { eventDay, recordOrderTotals } from '../../../lambdas/analytics/analytics.ts';
import { sampleEvent } from '../helpers/orders.ts';

describe('recordOrderTotals', () => {
  it('adds one order and its total to the UTC day it occurred on', async () => {
    const adds: [string, string, number, number, string?][] = [];
    const event = sampleEvent({}, { occurredAt: '2026-05-31T23:30:00-02:00' });
    const result = await recordOrderTotals(event, {
      add: async (...a) => {
        adds.push(a);
        return 'applied';
      },
    });
    expect(adds).toEqual([[event.eventId, '2026-06-01', 1, 28.99, undefined]]);
    expect(result).toEqual({ outcome: 'applied', day: '2026-06-01', revenue: 28.99 });
  });

  it('hands the replay scope of a reprocess to the port', async () => {
    const scopes: (string | undefined)[] = [];
    await recordOrderTotals(
      sampleEvent(),
      {
        add: async (_eventId, _day, _orders, _revenue, replayScope) => {
          scopes.push(replayScope);
          return 'applied';
        },
      },
      'r-1',
    );
    expect(scopes).toEqual(['r-1']);
  });

  it('uses the event time, not the processing time', () => {
    expect(eventDay(sampleEvent({}, { occurredAt: '2020-01-02T00:00:00.000Z' }))).toBe('2020-01-02');
  });
});
