import { describe, expect, it } from 'vitest';
import {
  type OrderRef,
  type ReservationPlan,
  reserveInventory,
  type StockPort,
} from '../../../lambdas/inventory/inventory.ts';
import { sampleEvent } from '../helpers/orders.ts';

/** In-memory stock with the DynamoDB adapter's semantics: all or nothing, once per event. */
class MemoryStock implements StockPort {
  readonly commits: { ref: OrderRef; plan: ReservationPlan }[] = [];
  readonly attempts: ReservationPlan[] = [];
  constructor(readonly available: Map<string, number>) {}
  async commit(ref: OrderRef, plan: ReservationPlan) {
    this.attempts.push(plan);
    if (this.commits.some((c) => c.ref.eventId === ref.eventId))
      return { outcome: 'already-applied' as const };
    const short = plan.reserve
      .filter(({ sku, quantity }) => (this.available.get(sku) ?? -1) < quantity)
      .map((l) => l.sku);
    if (short.length > 0) return { outcome: 'short' as const, skus: short };
    for (const { sku, quantity } of plan.reserve)
      this.available.set(sku, (this.available.get(sku) ?? 0) - quantity);
    this.commits.push({ ref, plan });
    return { outcome: 'applied' as const };
  }
}

describe('reserveInventory', () => {
  it('reserves every SKU of the order in one commit', async () => {
    const stock = new MemoryStock(
      new Map([
        ['SKU-A', 10],
        ['SKU-B', 1],
      ]),
    );
    const event = sampleEvent();
    const result = await reserveInventory(event, stock);
    expect(result).toEqual({
      outcome: 'applied',
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
    expect(stock.commits).toEqual([
      { ref: { orderId: event.data.orderId, eventId: event.eventId }, plan: expect.anything() },
    ]);
  });

  it('backorders the short SKUs named by a refused commit and commits the rest', async () => {
    const stock = new MemoryStock(
      new Map([
        ['SKU-A', 1],
        ['SKU-B', 5],
      ]),
    );
    const result = await reserveInventory(sampleEvent(), stock);
    expect(result).toEqual({
      outcome: 'applied',
      reserved: [{ sku: 'SKU-B', quantity: 1 }],
      backordered: [{ sku: 'SKU-A', quantity: 2 }],
    });
    expect(stock.available).toEqual(
      new Map([
        ['SKU-A', 1],
        ['SKU-B', 4],
      ]),
    );
    expect(stock.attempts).toHaveLength(2);
  });

  it('backorders short and unknown SKUs without touching their stock', async () => {
    const stock = new MemoryStock(new Map([['SKU-A', 1]]));
    const result = await reserveInventory(sampleEvent(), stock);
    expect(result).toEqual({
      outcome: 'applied',
      reserved: [],
      backordered: [
        { sku: 'SKU-A', quantity: 2 },
        { sku: 'SKU-B', quantity: 1 },
      ],
    });
    expect(stock.available.get('SKU-A')).toBe(1);
  });

  it('sums repeated SKUs into one decrement', async () => {
    const stock = new MemoryStock(new Map([['SKU-A', 3]]));
    const items = [
      { sku: 'SKU-A', quantity: 2, unitPrice: 1 },
      { sku: 'SKU-A', quantity: 2, unitPrice: 1 },
    ];
    const result = await reserveInventory(sampleEvent({ items, total: 4 }), stock);
    // 2 + 2 = 4 > 3: the whole SKU line is backordered, not half-reserved.
    expect(result).toEqual({
      outcome: 'applied',
      reserved: [],
      backordered: [{ sku: 'SKU-A', quantity: 4 }],
    });
  });

  it('reports already-applied when the port finds the event committed', async () => {
    const stock = new MemoryStock(
      new Map([
        ['SKU-A', 10],
        ['SKU-B', 10],
      ]),
    );
    const event = sampleEvent();
    await reserveInventory(event, stock);
    expect(await reserveInventory(event, stock)).toEqual({ outcome: 'already-applied' });
    expect(stock.available.get('SKU-A')).toBe(8);
  });
});
