/** Order fixtures with unique ids per call, so tests never share effects. */
import { randomUUID } from 'node:crypto';
import {
  buildOrderPlaced,
  type OrderInput,
  type OrderPlaced,
  type OrderPlacedMeta,
} from '../../../lambdas/shared/contract.ts';

/** A valid order (total 2 × 12.50 + 1 × 3.99 = 28.99) with a fresh orderId. */
export function sampleOrder(overrides: Partial<OrderInput> = {}): OrderInput {
  return {
    orderId: `ord-${randomUUID()}`,
    customerId: 'cust-1',
    email: 'buyer@example.com',
    items: [
      { sku: 'SKU-A', quantity: 2, unitPrice: 12.5 },
      { sku: 'SKU-B', quantity: 1, unitPrice: 3.99 },
    ],
    total: 28.99,
    currency: 'EUR',
    shippingAddress: { line1: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
    ...overrides,
  };
}

/** A valid event for {@link sampleOrder}. */
export function sampleEvent(overrides: Partial<OrderInput> = {}, meta: OrderPlacedMeta = {}): OrderPlaced {
  return buildOrderPlaced(sampleOrder(overrides), { source: 'test', ...meta });
}
