/**
 * Inventory service: reserves stock for every SKU of an order. Short stock is a business outcome
 * (a backorder), not an error, so it is recorded and never retried.
 */
import type { OrderPlaced } from '../shared/contract.ts';

/** A reference to the order a stock movement belongs to. */
export interface OrderRef {
  readonly orderId: string;
  readonly eventId: string;
}

/** Storage of stock levels and of reservation/backorder records. */
export interface StockPort {
  /** Decrements `available` of `sku` by `quantity` only if enough is available; false otherwise (incl. unknown SKU). */
  tryReserve(sku: string, quantity: number): Promise<boolean>;
  /** Records a successful reservation. */
  recordReservation(ref: OrderRef, sku: string, quantity: number): Promise<void>;
  /** Records a backorder for stock that was not available. */
  recordBackorder(ref: OrderRef, sku: string, quantity: number): Promise<void>;
}

/** Outcome per SKU (quantities of repeated SKUs are summed). */
export interface ReservationResult {
  readonly reserved: { sku: string; quantity: number }[];
  readonly backordered: { sku: string; quantity: number }[];
}

/** Sums the quantities of repeated SKUs so each SKU is decremented once, atomically. */
export function quantitiesBySku(event: OrderPlaced): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const item of event.data.items) bySku.set(item.sku, (bySku.get(item.sku) ?? 0) + item.quantity);
  return bySku;
}

/**
 * Reserves stock for each SKU of the order (one conditional decrement per SKU); a SKU that is short
 * gets a backorder record instead. Not idempotent by itself: run it behind the idempotency layer.
 */
export async function reserveInventory(event: OrderPlaced, stock: StockPort): Promise<ReservationResult> {
  const ref: OrderRef = { orderId: event.data.orderId, eventId: event.eventId };
  const result: ReservationResult = { reserved: [], backordered: [] };
  for (const [sku, quantity] of quantitiesBySku(event)) {
    if (await stock.tryReserve(sku, quantity)) {
      await stock.recordReservation(ref, sku, quantity);
      result.reserved.push({ sku, quantity });
    } else {
      await stock.recordBackorder(ref, sku, quantity);
      result.backordered.push({ sku, quantity });
    }
  }
  return result;
}
