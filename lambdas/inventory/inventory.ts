/**
 * Inventory service: reserves stock for every SKU of an order, all SKUs in one atomic write. Short
 * stock is a business outcome (a backorder), not an error, so it is recorded and never retried.
 */
import type { OrderPlaced } from '../shared/contract.ts';
import type { EffectOutcome } from '../shared/effects.ts';
import { OrderEventsError } from '../shared/errors.ts';

/**
 * This service's name: its SERVICE_NAME, idempotency key prefix, metrics dimension and stack output
 * prefix. infra/config.ts deploys the service under it; the handler checks SERVICE_NAME against it.
 */
export const INVENTORY_SERVICE = 'inventory';

/** A reference to the order a stock movement belongs to. */
export interface OrderRef {
  readonly orderId: string;
  readonly eventId: string;
  /** The replay id of a `replay --reprocess` that reserves again (undefined: the first reservation). */
  readonly replayScope?: string;
}

/** A quantity of one SKU. */
export interface SkuQuantity {
  readonly sku: string;
  readonly quantity: number;
}

/** What to commit for an order: the SKUs to take from stock and the ones to backorder. */
export interface ReservationPlan {
  readonly reserve: readonly SkuQuantity[];
  readonly backorder: readonly SkuQuantity[];
}

/** Result of {@link StockPort.commit}: done (now or before), or nothing applied because SKUs were short. */
export type CommitResult =
  | { readonly outcome: EffectOutcome }
  | { readonly outcome: 'short'; readonly skus: readonly string[] };

/** Storage of stock levels and of the reservation record of each event. */
export interface StockPort {
  /**
   * All or nothing, once per `ref.eventId` and `ref.replayScope`: decrements `available` of every `reserve` SKU (only if
   * that much is available; an unknown SKU is never available) and records the plan.
   * `already-applied` if the event's reservation was committed before (nothing changes);
   * `short` (nothing applied) names the `reserve` SKUs that did not have enough stock.
   */
  commit(ref: OrderRef, plan: ReservationPlan): Promise<CommitResult>;
}

/** Outcome of {@link reserveInventory}. */
export type ReservationResult =
  | { readonly outcome: 'applied'; readonly reserved: SkuQuantity[]; readonly backordered: SkuQuantity[] }
  | { readonly outcome: 'already-applied' };

/** Sums the quantities of repeated SKUs so each SKU is decremented once, atomically. */
export function quantitiesBySku(event: OrderPlaced): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const item of event.data.items) bySku.set(item.sku, (bySku.get(item.sku) ?? 0) + item.quantity);
  return bySku;
}

/**
 * Reserves stock for every SKU of the order in one commit; a SKU that is short is backordered
 * instead and the commit is tried again with the rest (each try has fewer SKUs to reserve, so at
 * most one try per SKU plus one). Once per event: the port's commit carries the per-event marker.
 * A `replayScope` (`replay --reprocess`) reserves once more, against the stock as it is now.
 */
export async function reserveInventory(
  event: OrderPlaced,
  stock: StockPort,
  replayScope?: string,
): Promise<ReservationResult> {
  const ref: OrderRef = {
    orderId: event.data.orderId,
    eventId: event.eventId,
    ...(replayScope === undefined ? {} : { replayScope }),
  };
  let reserve: SkuQuantity[] = [...quantitiesBySku(event)].map(([sku, quantity]) => ({ sku, quantity }));
  const backorder: SkuQuantity[] = [];
  for (;;) {
    const result = await stock.commit(ref, { reserve, backorder });
    if (result.outcome !== 'short') {
      return result.outcome === 'applied'
        ? { outcome: 'applied', reserved: reserve, backordered: backorder }
        : { outcome: 'already-applied' };
    }
    const short = new Set(result.skus);
    const moved = reserve.filter((line) => short.has(line.sku));
    if (moved.length === 0) {
      throw new OrderEventsError(
        `stock port reported short SKUs that were not reserved: ${[...short].join(', ')}`,
      );
    }
    backorder.push(...moved);
    reserve = reserve.filter((line) => !short.has(line.sku));
  }
}
