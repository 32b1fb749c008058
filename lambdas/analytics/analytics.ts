/** Analytics service: daily order count and revenue. */
import type { OrderPlaced } from '../shared/contract.ts';
import type { EffectOutcome } from '../shared/effects.ts';

/**
 * This service's name: its SERVICE_NAME, idempotency key prefix, metrics dimension and stack output
 * prefix. infra/config.ts deploys the service under it; the handler checks SERVICE_NAME against it.
 */
export const ANALYTICS_SERVICE = 'analytics';

/** Storage of per-day counters. */
export interface DailyTotalsPort {
  /**
   * Adds `orders` and `revenue` to the counters of `day` (YYYY-MM-DD) once per `eventId` and
   * `replayScope`: a second call for the same event and scope changes nothing and answers
   * `already-applied`; a call in a new replay scope adds again.
   */
  add(
    eventId: string,
    day: string,
    orders: number,
    revenue: number,
    replayScope?: string,
  ): Promise<EffectOutcome>;
}

/** The UTC day (YYYY-MM-DD) an event occurred on. */
export function eventDay(event: OrderPlaced): string {
  return new Date(event.occurredAt).toISOString().slice(0, 10);
}

/**
 * Adds the order to its day's totals, once per event (the port guarantees it), and once more per
 * `replayScope` of a `replay --reprocess` (the day then counts the order again).
 */
export async function recordOrderTotals(
  event: OrderPlaced,
  totals: DailyTotalsPort,
  replayScope?: string,
): Promise<{ outcome: EffectOutcome; day: string; revenue: number }> {
  const day = eventDay(event);
  const outcome = await totals.add(event.eventId, day, 1, event.data.total, replayScope);
  return { outcome, day, revenue: event.data.total };
}
