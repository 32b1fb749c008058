/**
 * The demo's scenario, driven through the public interfaces (the order API, the topic): ten normal
 * orders, the duplicate publish of one of them, a poison message straight to the topic, five
 * high-value orders and a burst. It states what every service must end up with
 * ({@link expectedEffects}) and decides when the consumers are done ({@link consumersDone}) from
 * the handlers' own metrics; the progress display only shows them.
 */
import { randomUUID } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { SERVICES, type ServiceName } from '../infra/config.ts';
import { HIGH_VALUE_SERVICE, HIGH_VALUE_THRESHOLD } from '../lambdas/high-value/high-value.ts';
import { stockKey } from '../lambdas/inventory/adapters.ts';
import { INVENTORY_SERVICE } from '../lambdas/inventory/inventory.ts';
import { METRIC } from '../lambdas/shared/consumer.ts';
import type { OrderInput } from '../lambdas/shared/contract.ts';
import { OrderEventsError } from '../lambdas/shared/errors.ts';
import { type ObserveTarget, ORDER_EFFECT_SERVICES, type OrderEffectService, queueDepth } from './observe.ts';

/** The scenario could not be driven (not a mismatch: those are collected and reported). */
export class DemoError extends OrderEventsError {}

/** The SKUs the demo orders, each seeded with {@link INITIAL_STOCK} units. */
export const SKUS = ['SKU-RED', 'SKU-GREEN', 'SKU-BLUE'] as const;
export const INITIAL_STOCK = 100_000;

/** Orders in each step before the burst. */
const NORMAL_ORDERS = 10;
const HIGH_VALUE_ORDERS = 5;
/** One burst order in this many is high-value. */
const BURST_HIGH_VALUE_EVERY = 10;
/** Concurrent API clients during the burst. */
const BURST_CLIENTS = 16;
/** Attempts of one order when the API answers 5xx (a client's retry; the eventId stays the same). */
const POST_ATTEMPTS = 5;

/** What the scenario drives against: the running stack's outputs and clients. */
export interface DemoTarget extends ObserveTarget {
  readonly sns: SNSClient;
  /** A stack output; throws a {@link DemoError} naming it when missing. */
  output(name: string): string;
}

/** What the scenario did. */
export interface Scenario {
  /** Unique orders accepted by the API (the duplicate counts once). */
  readonly orders: readonly OrderInput[];
  /** The body published straight to the topic, which every service must park in its DLQ. */
  readonly poisonBody: string;
}

/** Steps of the scenario, reported as they happen. */
export interface ScenarioHooks {
  step(text: string): void;
  /** Called once before the burst: every unique order of the scenario (the burst's included), and the burst's size. */
  burstStarted(orders: readonly OrderInput[], burstSize: number): void;
  /** Called after each burst order is accepted. */
  burstPosted(): void;
}

/** Puts {@link INITIAL_STOCK} units of every SKU in the inventory table. */
export async function seedStock(target: DemoTarget): Promise<void> {
  const table = target.serviceOutput(INVENTORY_SERVICE, 'EffectTableName');
  for (const sku of SKUS) {
    await target.doc.send(
      new PutCommand({ TableName: table, Item: { ...stockKey(sku), available: INITIAL_STOCK } }),
    );
  }
}

/** The `index`-th order of the scenario: two lines of cheap items, or (high value) one line above the threshold. */
export function makeOrder(index: number, highValue: boolean): OrderInput {
  const sku = SKUS[index % SKUS.length] ?? 'SKU-RED';
  const items = highValue
    ? [{ sku, quantity: 2, unitPrice: HIGH_VALUE_THRESHOLD / 2 + 10 + (index % 7) }]
    : [
        { sku, quantity: 1 + (index % 3), unitPrice: 9.99 },
        { sku: SKUS[(index + 1) % SKUS.length] ?? 'SKU-GREEN', quantity: 1, unitPrice: 4.5 },
      ];
  const cents = items.reduce((sum, i) => sum + Math.round(i.unitPrice * 100) * i.quantity, 0);
  return {
    orderId: `demo-${index}-${randomUUID().slice(0, 8)}`,
    customerId: `cust-${index % 17}`,
    email: `customer${index % 17}@example.com`,
    items,
    total: cents / 100,
    currency: 'EUR',
    shippingAddress: { line1: `${index} Demo Street`, city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
  };
}

/** Whether `order` reaches the high-value service (the subscription filter and the function agree). */
export function isHighValue(order: OrderInput): boolean {
  return order.total >= HIGH_VALUE_THRESHOLD;
}

/** Effects each order-effect service must produce: one per unique order (high-value: its orders only). */
export function expectedEffects(orders: readonly OrderInput[]): Record<OrderEffectService, number> {
  const counts = Object.fromEntries(ORDER_EFFECT_SERVICES.map((s) => [s, orders.length])) as Record<
    OrderEffectService,
    number
  >;
  counts[HIGH_VALUE_SERVICE] = orders.filter(isHighValue).length;
  return counts;
}

/** Reads a handler metric of a service (the runner's EMF counters). */
export type MetricReader = (service: ServiceName, metric: string) => number;

/**
 * Whether the consumers are done with the scenario: every order-effect service processed its
 * expected effects, and every service parked the poison and (where the duplicate reaches it) saw
 * the duplicate.
 */
export function consumersDone(read: MetricReader, expected: Record<OrderEffectService, number>): boolean {
  const effectsDone = ORDER_EFFECT_SERVICES.every((s) => read(s, METRIC.processed) >= expected[s]);
  const poisonAndDuplicateSeen = SERVICES.every(
    (s) =>
      read(s.name, METRIC.poisoned) >= 1 &&
      // The duplicate is a normal order: below the threshold, it never reaches high-value.
      (s.name === HIGH_VALUE_SERVICE || read(s.name, METRIC.duplicate) >= 1),
  );
  return effectsDone && poisonAndDuplicateSeen;
}

/** Whether every service's queue is empty (visible, in flight, delayed). */
export async function queuesEmpty(target: DemoTarget): Promise<boolean> {
  const depths = await Promise.all(
    SERVICES.map((s) => queueDepth(target, target.serviceOutput(s.name, 'QueueUrl'))),
  );
  return depths.every((d) => d === 0);
}

/** Options of {@link waitForConsumers}. */
export interface WaitOptions {
  readonly timeoutMs: number;
  /**
   * Also done once the queues stay empty (under faults a record whose effect was applied before its
   * sandbox died is a duplicate when redelivered, so `processed` may never reach the count; the
   * tables are checked afterwards either way).
   */
  readonly orDrained: boolean;
}

/** Polls until {@link consumersDone} (or drained queues, see options); false when the time ran out. */
export async function waitForConsumers(
  target: DemoTarget,
  read: MetricReader,
  expected: Record<OrderEffectService, number>,
  options: WaitOptions,
): Promise<boolean> {
  let emptyPolls = 0;
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (consumersDone(read, expected)) return true;
    // Two empty polls in a row: fauxqs' counters settle on the next receive.
    emptyPolls = options.orDrained && (await queuesEmpty(target)) ? emptyPolls + 1 : 0;
    if (emptyPolls >= 2) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

/** Drives the scenario; `burst` orders in the burst. Returns the unique orders and the poison. */
export async function runScenario(
  target: DemoTarget,
  burst: number,
  hooks: ScenarioHooks,
): Promise<Scenario> {
  const url = `${target.output('OrderApiUrl').replace(/\/$/, '')}/orders`;
  const post = async (order: OrderInput): Promise<void> => {
    let response: Response;
    // A client retries a 5xx (under --chaos the API's publish can fail past the SDK's retries); the
    // same order keeps its eventId, so a retry that follows a publish that did happen is a duplicate.
    for (let attempt = 1; ; attempt++) {
      response = await fetch(url, {
        method: 'POST',
        body: JSON.stringify(order),
        headers: { 'content-type': 'application/json' },
      });
      if (response.status < 500 || attempt >= POST_ATTEMPTS) break;
      await response.body?.cancel();
    }
    if (response.status !== 202)
      throw new DemoError(`order API answered ${response.status}: ${await response.text()}`);
  };
  const orders: OrderInput[] = [];
  let index = 0;

  const normal = Array.from({ length: NORMAL_ORDERS }, () => makeOrder(index++, false));
  for (const order of normal) await post(order);
  orders.push(...normal);
  hooks.step(`${NORMAL_ORDERS} normal orders placed through the API (${url})`);

  const duplicate = normal[0] as OrderInput;
  await post(duplicate);
  hooks.step(`duplicate publish: order ${duplicate.orderId} placed again (same eventId)`);

  // JSON that every subscription's body filter admits (a high-value total) but the contract rejects.
  const poisonTotal = HIGH_VALUE_THRESHOLD * 10 - 1;
  const poisonBody = JSON.stringify({
    eventType: 'order.placed',
    data: { total: poisonTotal },
    broken: randomUUID(),
  });
  await target.sns.send(
    new PublishCommand({
      TopicArn: target.output('TopicArn'),
      Message: poisonBody,
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'order.placed' },
        total: { DataType: 'Number', StringValue: String(poisonTotal) },
      },
    }),
  );
  hooks.step('poison: a body that breaks the contract published straight to the topic');

  const high = Array.from({ length: HIGH_VALUE_ORDERS }, () => makeOrder(index++, true));
  for (const order of high) await post(order);
  orders.push(...high);
  hooks.step(`${HIGH_VALUE_ORDERS} high-value orders (total >= ${HIGH_VALUE_THRESHOLD})`);

  const burstOrders = Array.from({ length: burst }, (_, i) =>
    makeOrder(index++, i % BURST_HIGH_VALUE_EVERY === 0),
  );
  hooks.burstStarted([...orders, ...burstOrders], burstOrders.length);
  const pending = [...burstOrders];
  await Promise.all(
    Array.from({ length: BURST_CLIENTS }, async () => {
      for (let order = pending.shift(); order !== undefined; order = pending.shift()) {
        await post(order);
        hooks.burstPosted();
      }
    }),
  );
  orders.push(...burstOrders);
  return { orders, poisonBody };
}
