/** High-value service: opens a manual review case for large orders. */
import type { OrderPlaced } from '../shared/contract.ts';

/**
 * Orders with a total at or above this amount are reviewed. The subscription filter policy
 * (total >= 100) already selects them; the function checks again so a loosened filter cannot open
 * cases for small orders.
 */
export const HIGH_VALUE_THRESHOLD = 100;

/** A review case to open. */
export interface ReviewCase {
  readonly orderId: string;
  readonly eventId: string;
  readonly customerId: string;
  readonly total: number;
}

/** Storage of review cases. */
export interface ReviewPort {
  open(reviewCase: ReviewCase): Promise<void>;
}

/**
 * Opens a review case for an order at or above {@link HIGH_VALUE_THRESHOLD}; smaller orders are
 * skipped. Not idempotent by itself (each call opens another case): run it behind the idempotency layer.
 */
export async function openReviewCase(
  event: OrderPlaced,
  reviews: ReviewPort,
): Promise<{ opened: boolean; total: number }> {
  const { orderId, customerId, total } = event.data;
  if (total < HIGH_VALUE_THRESHOLD) return { opened: false, total };
  await reviews.open({ orderId, eventId: event.eventId, customerId, total });
  return { opened: true, total };
}
