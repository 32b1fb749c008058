/** Analytics service: daily order count and revenue. */
import type { OrderPlaced } from '../shared/contract.ts';

/** Storage of per-day counters. */
export interface DailyTotalsPort {
  /** Atomically adds `orders` and `revenue` to the counters of `day` (YYYY-MM-DD). */
  add(day: string, orders: number, revenue: number): Promise<void>;
}

/** The UTC day (YYYY-MM-DD) an event occurred on. */
export function eventDay(event: OrderPlaced): string {
  return new Date(event.occurredAt).toISOString().slice(0, 10);
}

/**
 * Adds the order to its day's totals. Not idempotent by itself (each call adds again): run it
 * behind the idempotency layer.
 */
export async function recordOrderTotals(
  event: OrderPlaced,
  totals: DailyTotalsPort,
): Promise<{ day: string; revenue: number }> {
  const day = eventDay(event);
  await totals.add(day, 1, event.data.total);
  return { day, revenue: event.data.total };
}
