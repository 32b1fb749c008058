/** The order every bench run sends, built on the test fixture so the shape is written once. */
import { randomUUID } from 'node:crypto';
import type { OrderInput } from '../lambdas/shared/contract.ts';
import { sampleOrder } from '../test/unit/helpers/orders.ts';

/**
 * A high-value order (total 150 >= 100, so every service receives it) of one unit of the run's own
 * SKU (`SKU-<RUN>`), with ids prefixed by the run's name.
 */
export function highValueOrderInput(run: string): OrderInput {
  return sampleOrder({
    orderId: `${run}-${randomUUID()}`,
    customerId: run,
    email: `${run}@example.com`,
    items: [{ sku: `SKU-${run.toUpperCase()}`, quantity: 1, unitPrice: 150 }],
    total: 150,
  });
}
