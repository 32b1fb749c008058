import { describe, expect, it } from 'vitest';
import {
  HIGH_VALUE_THRESHOLD,
  openReviewCase,
  type ReviewCase,
} from '../../../lambdas/high-value/high-value.ts';
import { sampleEvent } from '../helpers/orders.ts';

const bigItems = [{ sku: 'TV', quantity: 1, unitPrice: 100 }];

describe('openReviewCase', () => {
  it('opens a case for an order at the threshold', async () => {
    const cases: ReviewCase[] = [];
    const event = sampleEvent({ items: bigItems, total: HIGH_VALUE_THRESHOLD });
    expect(
      await openReviewCase(event, {
        open: async (c) => {
          cases.push(c);
          return 'applied';
        },
      }),
    ).toEqual({
      outcome: 'applied',
      total: 100,
    });
    expect(cases).toEqual([
      { orderId: event.data.orderId, eventId: event.eventId, customerId: 'cust-1', total: 100 },
    ]);
  });

  it('skips orders below the threshold even if the filter let them through', async () => {
    const cases: ReviewCase[] = [];
    const result = await openReviewCase(sampleEvent(), {
      open: async (c) => {
        cases.push(c);
        return 'applied';
      },
    });
    expect(result).toEqual({ outcome: 'skipped', total: 28.99 });
    expect(cases).toEqual([]);
  });
});
