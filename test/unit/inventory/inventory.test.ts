import { describe, expect, it } from 'vitest';
import { type OrderRef, reserveInventory, type StockPort } from '../../../lambdas/inventory/inventory.ts';
import { sampleEvent } from '../helpers/orders.ts';

/** In-memory stock with the same semantics as the DynamoDB adapter (unknown SKU = not available). */
class MemoryStock implements StockPort {
  readonly reservations: { ref: OrderRef; sku: string; quantity: number }[] = [];
  readonly backorders: { ref: OrderRef; sku: string; quantity: number }[] = [];
  constructor(readonly available: Map<string, number>) {}
  async tryReserve(sku: string, quantity: number) {
    const level = this.available.get(sku);
    if (level === undefined || level < quantity) return false;
    this.available.set(sku, level - quantity);
    return true;
  }
  async recordReservation(ref: OrderRef, sku: string, quantity: number) {
    this.reservations.push({ ref, sku, quantity });
  }
  async recordBackorder(ref: OrderRef, sku: string, quantity: number) {
    this.backorders.push({ ref, sku, quantity });
  }
}

describe('reserveInventory', () => {
  it('decrements stock per SKU and records each reservation', async () => {
    const stock = new MemoryStock(
      new Map([
        ['SKU-A', 10],
        ['SKU-B', 1],
      ]),
    );
    const event = sampleEvent();
    const result = await reserveInventory(event, stock);
    expect(result).toEqual({
      reserved: [
        { sku: 'SKU-A', quantity: 2 },
        { sku: 'SKU-B', quantity: 1 },
      ],
      backordered: [],
    });
    expect(stock.available).toEqual(
      new Map([
        ['SKU-A', 8],
        ['SKU-B', 0],
      ]),
    );
    expect(stock.reservations.map((r) => r.ref)).toEqual([
      { orderId: event.data.orderId, eventId: event.eventId },
      { orderId: event.data.orderId, eventId: event.eventId },
    ]);
  });

  it('backorders short and unknown SKUs without touching their stock', async () => {
    const stock = new MemoryStock(new Map([['SKU-A', 1]]));
    const result = await reserveInventory(sampleEvent(), stock);
    expect(result.reserved).toEqual([]);
    expect(result.backordered).toEqual([
      { sku: 'SKU-A', quantity: 2 },
      { sku: 'SKU-B', quantity: 1 },
    ]);
    expect(stock.available.get('SKU-A')).toBe(1);
    expect(stock.backorders).toHaveLength(2);
  });

  it('sums repeated SKUs into one decrement', async () => {
    const stock = new MemoryStock(new Map([['SKU-A', 3]]));
    const items = [
      { sku: 'SKU-A', quantity: 2, unitPrice: 1 },
      { sku: 'SKU-A', quantity: 2, unitPrice: 1 },
    ];
    const result = await reserveInventory(sampleEvent({ items, total: 4 }), stock);
    // 2 + 2 = 4 > 3: the whole SKU line is backordered, not half-reserved.
    expect(result).toEqual({ reserved: [], backordered: [{ sku: 'SKU-A', quantity: 4 }] });
  });

  it('is not idempotent by itself: a second call reserves again', async () => {
    const stock = new MemoryStock(
      new Map([
        ['SKU-A', 10],
        ['SKU-B', 10],
      ]),
    );
    const event = sampleEvent();
    await reserveInventory(event, stock);
    await reserveInventory(event, stock);
    expect(stock.available.get('SKU-A')).toBe(6);
  });
});
