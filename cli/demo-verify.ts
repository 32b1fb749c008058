/**
 * The demo's verdict: compares what the services wrote with what the scenario calls for, through
 * the same observation functions as the integration tests (cli/observe.ts). Returns every mismatch,
 * one sentence each; none means the pattern did exactly what it promises.
 */
import { SERVICES } from '../infra/config.ts';
import { EMAIL_SERVICE } from '../lambdas/email/email.ts';
import { HIGH_VALUE_SERVICE } from '../lambdas/high-value/high-value.ts';
import { INVENTORY_SERVICE } from '../lambdas/inventory/inventory.ts';
import type { OrderInput } from '../lambdas/shared/contract.ts';
import { type DemoTarget, INITIAL_STOCK, isHighValue, type Scenario, SKUS } from './demo-scenario.ts';
import {
  analyticsTotals,
  effectRecords,
  queueDepth,
  type RecordEffectService,
  stockAvailable,
} from './observe.ts';

/** Effect records per order of a service, checked against `expected(order)` (0 = none allowed). */
async function checkRecords(
  target: DemoTarget,
  service: RecordEffectService,
  orders: readonly OrderInput[],
  expected: (order: OrderInput) => number,
  measure: (records: ReadonlyArray<Record<string, unknown>>) => number = (records) => records.length,
): Promise<string[]> {
  const problems: string[] = [];
  for (const order of orders) {
    const found = measure(await effectRecords(target, service, order.orderId));
    const want = expected(order);
    if (found !== want) problems.push(`${service}: order ${order.orderId} has ${found}, expected ${want}`);
  }
  return problems;
}

/** Every mismatch between the effect tables and DLQs and what `scenario` calls for. */
export async function verifyScenario(target: DemoTarget, scenario: Scenario): Promise<string[]> {
  const { orders } = scenario;
  const problems: string[] = [];

  // Exactly one confirmation per order, the duplicate included.
  problems.push(...(await checkRecords(target, EMAIL_SERVICE, orders, () => 1)));
  // One reservation record per order, listing every SKU of the order once (reserved or backordered).
  problems.push(
    ...(await checkRecords(
      target,
      INVENTORY_SERVICE,
      orders,
      (order) => new Set(order.items.map((i) => i.sku)).size,
      (records) =>
        records.reduce(
          (lines, r) => lines + [...(r.reserved as unknown[]), ...(r.backordered as unknown[])].length,
          0,
        ),
    )),
  );
  for (const sku of SKUS) {
    const reserved = orders
      .flatMap((o) => o.items)
      .filter((i) => i.sku === sku)
      .reduce((s, i) => s + i.quantity, 0);
    const available = await stockAvailable(target, sku);
    if (available !== INITIAL_STOCK - reserved) {
      problems.push(`inventory: ${sku} available ${String(available)}, expected ${INITIAL_STOCK - reserved}`);
    }
  }
  // Each order counted once, with its total.
  const totals = await analyticsTotals(target);
  const expectedCents = orders.reduce((s, o) => s + Math.round(o.total * 100), 0);
  if (totals.orders !== orders.length)
    problems.push(`analytics: ${totals.orders} orders counted, expected ${orders.length}`);
  if (totals.revenueCents !== expectedCents)
    problems.push(`analytics: revenue ${totals.revenueCents / 100}, expected ${expectedCents / 100}`);
  // A review case for each high-value order, none for the others.
  problems.push(...(await checkRecords(target, HIGH_VALUE_SERVICE, orders, (o) => (isHighValue(o) ? 1 : 0))));
  // The poison, and only the poison, in every service's DLQ.
  for (const s of SERVICES) {
    const depth = await queueDepth(target, target.serviceOutput(s.name, 'DlqUrl'));
    if (depth !== 1) problems.push(`${s.name}: DLQ holds ${depth} message(s), expected exactly the poison`);
  }
  return problems;
}
