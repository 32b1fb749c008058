/**
 * The chaos run (`npm run chaos`, and a smaller seeded run in `npm test`): orders published straight
 * to the topic, some published again, some poison, while the endpoint proxy injects every fault
 * class into the functions' and pollers' calls. Then every order's effects are counted per service
 * with the integration suite's own observation helpers, and every DLQ message is accounted for.
 * Application-specific on purpose: the generic parts live in local (endpoint proxy, fault plan).
 */

import { PublishCommand } from '@aws-sdk/client-sns';
import type { Message } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { effectsOf, ORDER_EFFECT_SERVICES, queueDepth } from '../cli/observe.ts';
import { HIGH_VALUE_SERVICE, HIGH_VALUE_THRESHOLD } from '../lambdas/high-value/high-value.ts';
import { stockKey } from '../lambdas/inventory/adapters.ts';
import { INVENTORY_SERVICE } from '../lambdas/inventory/inventory.ts';
import { POISON_ATTRIBUTE } from '../lambdas/shared/consumer.ts';
import type { OrderPlaced } from '../lambdas/shared/contract.ts';
import { publishOrderPlaced, toPublishInput } from '../lambdas/shared/publisher.ts';
import { LOCAL_CREDENTIALS } from '../local/emulators.ts';
import {
  type ChaosRates,
  chaosFaultRules,
  FAULT_KINDS,
  type FaultKind,
  mulberry32,
} from '../local/fault-plan.ts';
import { drainVisible, orderEvent } from '../test/integration/helpers/observe.ts';
import { openTarget, type ServiceName, type TestTarget } from '../test/integration/helpers/target.ts';

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  /** Unique orders. */
  readonly orders: number;
  /** Seed of the fault plan (and of which orders are duplicated / poisoned). */
  readonly seed: number;
  /** Share of orders published a second time (same event). */
  readonly duplicateRate: number;
  /** Poison messages, as a share of `orders`. */
  readonly poisonRate: number;
  /** Fault rates (defaults: {@link DEFAULT_CHAOS_RATES}). */
  readonly rates?: ChaosRates;
  /** Give up waiting for the queues to drain after this long (a hang guard; the rest is reported as stuck). */
  readonly drainTimeoutMs: number;
  /** Called now and then with a one-line progress summary. */
  readonly onProgress?: (progress: ChaosProgress) => void;
}

/** What the run has done so far. */
export interface ChaosProgress {
  readonly phase: 'publishing' | 'draining' | 'counting';
  readonly published: number;
  readonly toPublish: number;
  /** Messages still in the source queues (visible + in flight + delayed), per service. */
  readonly backlog: Readonly<Record<ServiceName, number>>;
}

/** One service's line of the report. */
export interface ServiceOutcome {
  readonly service: ServiceName;
  /** Effects the orders call for (one per order; high-value: one per order with total >= 100). */
  readonly expected: number;
  /** Effects found for the run's orders, duplicates included. */
  readonly effects: number;
  /** Orders with fewer effects than expected, no message parked for them and none stuck that could be theirs. */
  readonly lost: number;
  /** Orders with more effects than expected. */
  readonly doubled: number;
  /** Valid orders whose message is in the DLQ, by reason. */
  readonly parked: Readonly<Record<string, number>>;
  /** Poison messages in the DLQ (distinct), of those published. */
  readonly poisonInDlq: number;
  readonly poisonExpected: number;
  /** Poison reasons seen (first clause, see `shorten`), with counts. */
  readonly poisonReasons: Readonly<Record<string, number>>;
  /** Messages left in the source queue when the run gave up waiting. */
  readonly stuck: number;
}

/** Everything {@link runChaos} measured. */
export interface ChaosReport {
  readonly options: Omit<ChaosOptions, 'onProgress'>;
  readonly published: { readonly orders: number; readonly duplicates: number; readonly poison: number };
  readonly services: readonly ServiceOutcome[];
  /** Stock units taken beyond what the orders reserved (inventory), summed over SKUs; 0 when exact. */
  readonly stockDrift: number;
  readonly injected: Record<FaultKind, number>;
  readonly proxiedCalls: number;
  readonly elapsedMs: number;
  /** Whether the run shows no loss, no double, nothing stuck and every poison message parked. */
  readonly ok: boolean;
}

const SKUS = Array.from({ length: 50 }, (_, i) => `SKU-CHAOS-${String(i).padStart(2, '0')}`);
const INITIAL_STOCK = 1_000_000;
/** Seconds added to function timeout + batching window for the chaos run's visibility timeout. */
const VISIBILITY_HEADROOM_SECONDS = 2;

/** Deterministic choices of the scenario (which orders duplicate, poison placement), from the seed. */
function scenarioRandom(seed: number): () => number {
  // Its own stream, apart from the fault plan's (which uses the seed as it is).
  return mulberry32(seed ^ 0x9e3779b9);
}

/** Runs the scenario on a fresh embedded runtime; always stops it. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const target = await openTarget({
    embedded: {
      queueAttributeOverrides: ({ eventSource }) =>
        eventSource === undefined
          ? undefined
          : {
              // Longer than the function timeout: a hung invocation ends before its batch reappears.
              VisibilityTimeout: String(
                eventSource.functionTimeoutSeconds +
                  eventSource.batchingWindowSeconds +
                  VISIBILITY_HEADROOM_SECONDS,
              ),
            },
      endpointProxy: {
        faults: {
          seed: options.seed,
          // The harness (publisher, observer) signs as LOCAL_CREDENTIALS and is never faulted.
          rules: chaosFaultRules(options.rates, [LOCAL_CREDENTIALS.accessKeyId]),
        },
      },
    },
  });
  try {
    return await scenario(target, options, started);
  } finally {
    await target.close();
  }
}

async function scenario(target: TestTarget, options: ChaosOptions, started: number): Promise<ChaosReport> {
  const random = scenarioRandom(options.seed);
  const services = ORDER_EFFECT_SERVICES;
  const inventoryTable = target.serviceOutput(INVENTORY_SERVICE, 'EffectTableName');
  for (const sku of SKUS) {
    await target.doc.send(
      new PutCommand({ TableName: inventoryTable, Item: { ...stockKey(sku), available: INITIAL_STOCK } }),
    );
  }

  // One line per order (one effect item per order, whatever the inventory layout); the stock check
  // below catches a decrement that has no reservation.
  const orders: OrderPlaced[] = Array.from({ length: options.orders }, (_, i) => {
    const total = i % 4 === 0 ? 150 : 40;
    // Quantities that divide both totals, so the line adds up to the total exactly.
    const quantity = [1, 2, 4, 5][Math.floor(i / 4) % 4] ?? 1;
    const sku = SKUS[Math.floor(random() * SKUS.length)] ?? 'SKU-CHAOS-00';
    return orderEvent(total, { items: [{ sku, quantity, unitPrice: total / quantity }] });
  });
  const duplicates = orders.filter(() => random() < options.duplicateRate);
  const poisonCount = Math.round(options.orders * options.poisonRate);
  // Poison: a well-formed envelope that breaks the contract (no items), with a total every
  // subscription's filter accepts, so every service must park it with its reason.
  const poison = Array.from({ length: poisonCount }, () => {
    const event = orderEvent(HIGH_VALUE_THRESHOLD + 50);
    return { ...event, data: { ...event.data, items: [] } } as unknown as OrderPlaced;
  });

  // Interleaved: originals, their duplicates a little later, poison spread through.
  const queue: Array<{ kind: 'order' | 'poison'; event: OrderPlaced }> = [];
  const dupSet = new Set(duplicates);
  const poisonEvery =
    poison.length === 0 ? Number.POSITIVE_INFINITY : Math.ceil(orders.length / poison.length);
  const pendingDups: OrderPlaced[] = [];
  orders.forEach((order, i) => {
    queue.push({ kind: 'order', event: order });
    if (dupSet.has(order)) pendingDups.push(order);
    if (pendingDups.length > 0 && i % 7 === 0)
      queue.push({ kind: 'order', event: pendingDups.shift() as OrderPlaced });
    if (i % poisonEvery === 0 && poison.length > 0)
      queue.push({ kind: 'poison', event: poison.shift() as OrderPlaced });
  });
  for (const d of pendingDups) queue.push({ kind: 'order', event: d });
  for (const p of poison.splice(0)) queue.push({ kind: 'poison', event: p });
  const poisonEvents = queue.filter((q) => q.kind === 'poison').map((q) => q.event);

  const topicArn = target.output('TopicArn');
  const backlog = async (): Promise<Record<ServiceName, number>> => {
    const depths = await Promise.all(
      services.map((s) => queueDepth(target, target.serviceOutput(s, 'QueueUrl'))),
    );
    return Object.fromEntries(services.map((s, i) => [s, depths[i] ?? 0])) as Record<ServiceName, number>;
  };
  let published = 0;
  let lastReport = 0;
  const report = async (phase: ChaosProgress['phase'], force = false): Promise<void> => {
    if (options.onProgress === undefined || (!force && Date.now() - lastReport < 1000)) return;
    lastReport = Date.now();
    options.onProgress({ phase, published, toPublish: queue.length, backlog: await backlog() });
  };

  // Publish in batches of 10 (the real publisher), poison one by one through the same request shape.
  const pending = [...queue];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (;;) {
        const chunk: typeof queue = [];
        while (chunk.length < 10 && pending.length > 0 && pending[0]?.kind === 'order')
          chunk.push(pending.shift() as (typeof queue)[number]);
        if (chunk.length === 0) {
          const next = pending.shift();
          if (next === undefined) return;
          await target.sns.send(new PublishCommand(toPublishInput(topicArn, next.event)));
          published++;
        } else {
          await publishOrderPlaced(
            target.sns,
            topicArn,
            chunk.map((c) => c.event),
          );
          published += chunk.length;
        }
        await report('publishing');
      }
    }),
  );

  // Wait until every source queue is empty (processed, parked or deleted), or give up: the rest is stuck.
  const deadline = Date.now() + options.drainTimeoutMs;
  let left = await backlog();
  let quietPolls = 0;
  while (Date.now() < deadline) {
    left = await backlog();
    await report('draining');
    // Two empty polls in a row: fauxqs' counters settle on the next receive (see docs/local.md).
    quietPolls = services.every((s) => left[s] === 0) ? quietPolls + 1 : 0;
    if (quietPolls >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await report('counting', true);

  // Effects per order and service (the suite's own observation), 16 orders at a time.
  const counts = new Map<OrderPlaced, Record<string, number>>();
  const toCount = [...orders];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let o = toCount.shift(); o !== undefined; o = toCount.shift())
        counts.set(o, await effectsOf(target, o));
    }),
  );

  const orderIds = new Map(orders.map((o) => [o.data.orderId, o]));
  const poisonIds = new Set(poisonEvents.map((p) => p.data.orderId));
  const outcomes: ServiceOutcome[] = [];
  for (const service of services) {
    const dlq = await drainVisible(target, target.serviceOutput(service, 'DlqUrl'), 300);
    const parkedValid = new Map<string, string>();
    const poisonFound = new Set<string>();
    const poisonReasons: Record<string, number> = {};
    for (const message of dlq) {
      const id = orderIdOf(message);
      const reason = message.MessageAttributes?.[POISON_ATTRIBUTE.reason]?.StringValue;
      if (id !== undefined && poisonIds.has(id)) {
        if (!poisonFound.has(id)) {
          poisonFound.add(id);
          const key = reason === undefined ? NO_REASON : shorten(reason);
          poisonReasons[key] = (poisonReasons[key] ?? 0) + 1;
        }
      } else {
        parkedValid.set(
          id ?? message.MessageId ?? '?',
          reason !== undefined
            ? `poison path: ${shorten(reason)}`
            : `redrive after ${message.Attributes?.ApproximateReceiveCount ?? '?'} receives`,
        );
      }
    }
    let expected = 0;
    let effects = 0;
    let missing = 0;
    let doubled = 0;
    for (const order of orders) {
      const want = service === HIGH_VALUE_SERVICE && order.data.total < HIGH_VALUE_THRESHOLD ? 0 : 1;
      const got = counts.get(order)?.[service] ?? 0;
      expected += want;
      effects += got;
      if (got > want) doubled++;
      if (got < want && !parkedValid.has(order.data.orderId)) missing++;
    }
    // A message still in the queue may be the missing order's: only what stuck messages cannot
    // explain is counted lost (and stuck alone fails the run).
    const lost = Math.max(0, missing - left[service]);
    const parked: Record<string, number> = {};
    for (const [id, why] of parkedValid) {
      const order = orderIds.get(id);
      // Whether the parked copy's effect exists says if the order was lost or only its message parked.
      const effect = order === undefined ? 0 : (counts.get(order)?.[service] ?? 0);
      const key =
        order === undefined
          ? `not an order of this run (${id}): ${why}`
          : `${why}, effect ${effect === 1 ? 'applied once' : effect === 0 ? 'missing' : `×${effect}`}`;
      parked[key] = (parked[key] ?? 0) + 1;
    }
    outcomes.push({
      service,
      expected,
      effects,
      lost,
      doubled,
      parked,
      poisonInDlq: poisonFound.size,
      poisonExpected: poisonIds.size,
      poisonReasons,
      stuck: left[service],
    });
  }

  // Stock: every SKU must have lost exactly what the orders reserved (no reservation-less decrement).
  const reserved = new Map<string, number>();
  for (const o of orders)
    for (const item of o.data.items) reserved.set(item.sku, (reserved.get(item.sku) ?? 0) + item.quantity);
  let stockDrift = 0;
  for (const sku of SKUS) {
    const item = await target.doc.send(
      new GetCommand({ TableName: inventoryTable, Key: stockKey(sku), ConsistentRead: true }),
    );
    stockDrift += Math.abs(INITIAL_STOCK - (reserved.get(sku) ?? 0) - Number(item.Item?.available ?? 0));
  }

  const stats = target.local?.proxy?.stats();
  const { onProgress: _ignored, ...reportedOptions } = options;
  const ok =
    stockDrift === 0 &&
    outcomes.every(
      (o) => o.lost === 0 && o.doubled === 0 && o.stuck === 0 && o.poisonInDlq === o.poisonExpected,
    );
  return {
    options: reportedOptions,
    published: { orders: orders.length, duplicates: duplicates.length, poison: poisonEvents.length },
    services: outcomes,
    stockDrift,
    injected:
      stats?.injected ?? (Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>),
    proxiedCalls: stats?.calls ?? 0,
    elapsedMs: Date.now() - started,
    ok,
  };
}

/** What a poison message without the reason attribute is listed as. */
export const NO_REASON = 'NO REASON';

/** A reason for the table: its first clause (up to the first `;`), at most 100 characters. */
function shorten(reason: string): string {
  const first = reason.split(';')[0] ?? reason;
  return first.length > 100 ? `${first.slice(0, 99)}…` : first;
}

function orderIdOf(message: Message): string | undefined {
  try {
    const body = JSON.parse(message.Body ?? '') as { data?: { orderId?: unknown } };
    return typeof body.data?.orderId === 'string' ? body.data.orderId : undefined;
  } catch {
    return undefined;
  }
}

/** The report as markdown tables. */
export function formatChaosReport(report: ChaosReport): string {
  const lines: string[] = [];
  const o = report.options;
  lines.push(
    `chaos run: seed ${o.seed}, ${report.published.orders} orders, ${report.published.duplicates} published again, ${report.published.poison} poison; ${(report.elapsedMs / 1000).toFixed(1)} s`,
  );
  lines.push('');
  lines.push(
    '| service | expected | effects | lost | doubled | parked in DLQ (why) | poison in DLQ (reason) | stuck |',
  );
  lines.push('|---|---:|---:|---:|---:|---|---|---:|');
  for (const s of report.services) {
    const parked = Object.entries(s.parked);
    const parkedText = parked.length === 0 ? '0' : parked.map(([why, n]) => `${n}: ${why}`).join('; ');
    const reasons = Object.entries(s.poisonReasons)
      .map(([why, n]) => `${n}× ${why}`)
      .join('; ');
    lines.push(
      `| ${s.service} | ${s.expected} | ${s.effects} | ${s.lost} | ${s.doubled} | ${parkedText} | ${s.poisonInDlq}/${s.poisonExpected}${reasons ? ` (${reasons})` : ''} | ${s.stuck} |`,
    );
  }
  lines.push('');
  lines.push(`inventory stock drift (units taken without a reservation, or missing): ${report.stockDrift}`);
  lines.push(
    `faults injected (${report.proxiedCalls} proxied calls): ${FAULT_KINDS.map((k) => `${k} ${report.injected[k]}`).join(', ')}`,
  );
  lines.push(
    report.ok
      ? 'RESULT: ok — nothing lost, nothing doubled, nothing stuck, every poison message parked'
      : 'RESULT: FAILED',
  );
  return lines.join('\n');
}
