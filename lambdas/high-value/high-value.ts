/** High-value service: opens a manual review case for large orders. */
import type { OrderPlaced } from '../shared/contract.ts';
import type { EffectOutcome, RecordOutcome } from '../shared/effects.ts';

/**
 * This service's name: its SERVICE_NAME, idempotency key prefix, metrics dimension and stack output
 * prefix. infra/config.ts deploys the service under it; the handler checks SERVICE_NAME against it.
 */
export const HIGH_VALUE_SERVICE = 'high-value';

/**
 * Orders with a total at or above this amount are reviewed. The subscription filter policy built
 * from it (infra/config.ts: `data.total >=` this, on the message body) already selects them; the function checks again so a
 * loosened filter cannot open cases for small orders.
 */
export const HIGH_VALUE_THRESHOLD = 100;

/** A review case to open. */
export interface ReviewCase {
  readonly orderId: string;
  readonly eventId: string;
  readonly customerId: string;
  readonly total: number;
  /** The replay id of a `replay --reprocess` that opens this case again (undefined: the first case). */
  readonly replayScope?: string;
}

/** Storage of review cases. */
export interface ReviewPort {
  /**
   * Opens the case of `reviewCase.eventId` once per `replayScope`: a second call answers
   * `already-applied`.
   */
  open(reviewCase: ReviewCase): Promise<EffectOutcome>;
}

/**
 * Opens a review case for an order at or above {@link HIGH_VALUE_THRESHOLD}, once per event (the
 * port guarantees it), and one more case per `replayScope` of a `replay --reprocess`; smaller
 * orders are `skipped`.
 */
export async function openReviewCase(
  event: OrderPlaced,
  reviews: ReviewPort,
  replayScope?: string,
): Promise<{ outcome: RecordOutcome; total: number }> {
  const { orderId, customerId, total } = event.data;
  if (total < HIGH_VALUE_THRESHOLD) return { outcome: 'skipped', total };
  const outcome = await reviews.open({
    orderId,
    eventId: event.eventId,
    customerId,
    total,
    ...(replayScope === undefined ? {} : { replayScope }),
  });
  return { outcome, total };
}
