/**
 * Exactly-once effects under the faults that used to double them, for every consumer service: each
 * consumer is composed like its handler.ts (createSqsConsumer + its real DynamoDB adapter) against
 * dynalite, with faults injected into the adapter's DynamoDB client. Each case counts the effect
 * itself (stock moved, counters added, cases opened, emails sent), not a proxy for it.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE } from '../../../infra/config.ts';
import { countedKey, dynamoDailyTotals, readDayTotals } from '../../../lambdas/analytics/adapters.ts';
import { recordOrderTotals } from '../../../lambdas/analytics/analytics.ts';
import { dynamoOutbox, emailKey } from '../../../lambdas/email/adapters.ts';
import {
  type EmailMessage,
  type EmailTransport,
  sendOrderConfirmation,
} from '../../../lambdas/email/email.ts';
import { dynamoReviewPort, reviewKey } from '../../../lambdas/high-value/adapters.ts';
import { openReviewCase } from '../../../lambdas/high-value/high-value.ts';
import { dynamoStockPort, reservationKey, stockKey } from '../../../lambdas/inventory/adapters.ts';
import { reserveInventory } from '../../../lambdas/inventory/inventory.ts';
import { type ConsumerConfig, DEFAULT_RECORD_CONCURRENCY } from '../../../lambdas/shared/config.ts';
import { createSqsConsumer, type HandledRecord, type SqsHandler } from '../../../lambdas/shared/consumer.ts';
import type { OrderPlaced } from '../../../lambdas/shared/contract.ts';
import { type Emulators, startEmulators } from '../../../local/emulators.ts';
import {
  createEffectTable,
  createIdempotencyTable,
  createQueue,
  itemsOf,
  scanAll,
  type TestClients,
  testClients,
} from '../helpers/aws.ts';
import { captureMetrics, type MetricCapture } from '../helpers/emf.ts';
import { sampleEvent } from '../helpers/orders.ts';
import { eventRecord, lambdaContext, sqsEvent } from '../helpers/sqs-event.ts';

/** Faults the adapter's DynamoDB client injects into its next write(s). */
type FaultKind =
  /** The write is applied, then the sandbox dies before anything else (error outside the SDK's retries). */
  | 'crash-after-write'
  /** The write is applied, then DynamoDB answers 500: the SDK retries the same request. */
  | 'applied-then-500';

interface FaultPlan {
  kind?: FaultKind;
  /** How many writes still get the fault. */
  remaining: number;
  /** How many were injected. */
  injected: number;
}

const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
]);

/** A document client whose writes apply and then fail as `plan` says. */
function faultyClient(emulators: Emulators, plan: FaultPlan): DynamoDBDocumentClient {
  const client = new DynamoDBClient(emulators.clientConfig('dynamodb'));
  const inject = (kind: FaultKind, commandName: string): boolean => {
    if (plan.kind !== kind || plan.remaining <= 0 || !WRITES.has(commandName)) return false;
    plan.remaining -= 1;
    plan.injected += 1;
    return true;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (inject('crash-after-write', context.commandName ?? '')) {
        throw new Error('sandbox killed right after the write was applied');
      }
      return result;
    },
    { step: 'initialize', name: 'crashAfterWrite' },
  );
  // Inside the SDK's retry loop (deserialize runs per attempt): the retry resends the same request.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (inject('applied-then-500', context.commandName ?? '')) {
        throw Object.assign(new Error('We encountered an internal error. Please try again.'), {
          name: 'InternalServerError',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        });
      }
      return result;
    },
    { step: 'deserialize', name: 'appliedThen500' },
  );
  return DynamoDBDocumentClient.from(client);
}

let emulators: Emulators;
let clients: TestClients;
let metrics: MetricCapture;
let idempotencyTable: string;
let dlqUrl: string;
const plan: FaultPlan = { remaining: 0, injected: 0 };
let faulty: DynamoDBDocumentClient;

beforeAll(async () => {
  emulators = await startEmulators();
  clients = testClients(emulators);
  metrics = captureMetrics();
  process.env.POWERTOOLS_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'SILENT';
  process.env.POWERTOOLS_METRICS_NAMESPACE = METRICS_NAMESPACE;
  idempotencyTable = `idem-${randomUUID().slice(0, 8)}`;
  await createIdempotencyTable(clients.dynamodb, idempotencyTable);
  dlqUrl = (await createQueue(clients.sqs, `dlq-${randomUUID().slice(0, 8)}`)).url;
  faulty = faultyClient(emulators, plan);
});
afterAll(async () => {
  metrics?.restore();
  await emulators?.stop();
});

/** One consumer service as its handler.ts composes it, and how to count its effect for an event. */
interface ServiceCase {
  readonly service: string;
  /** A fresh event for this service (with whatever it needs, e.g. stock). */
  event(): Promise<OrderPlaced>;
  /** The business function over the real adapter (on the faulty client). */
  handle(event: OrderPlaced): Promise<HandledRecord>;
  /** How many times the effect happened, and how many effect records exist (both must be 1). */
  observe(event: OrderPlaced): Promise<{ effects: number; records: number }>;
}

async function serviceCases(): Promise<ServiceCase[]> {
  const table = async (service: string) => {
    const name = `${service}-${randomUUID().slice(0, 8)}`;
    await createEffectTable(clients.dynamodb, name);
    return name;
  };
  const [analyticsTable, emailTable, highValueTable, inventoryTable] = await Promise.all(
    ['analytics', 'email', 'high-value', 'inventory'].map(table),
  );
  const days = new Set<string>();
  const sent: EmailMessage[] = [];
  const transport: EmailTransport = { name: 'ses', send: async (m) => void sent.push(m) };
  const doc = clients.doc;
  const items = (t: string, pk: string) => itemsOf(doc, t, pk);
  return [
    {
      service: 'analytics',
      async event() {
        // A day of its own, so the counter of that day is this event's.
        let day: string;
        do day = new Date(Date.UTC(2000, 0, 1) + Math.floor(Math.random() * 9000) * 86_400_000).toISOString();
        while (days.has(day.slice(0, 10)));
        days.add(day.slice(0, 10));
        return sampleEvent({}, { occurredAt: day });
      },
      handle: (event) => recordOrderTotals(event, dynamoDailyTotals(faulty, analyticsTable as string)),
      async observe(event) {
        const day = event.occurredAt.slice(0, 10);
        const totals = await readDayTotals(doc, analyticsTable as string, day);
        const marker = await doc.send(
          new GetCommand({ TableName: analyticsTable, Key: countedKey(event.eventId) }),
        );
        expect(totals.revenueCents).toBe(totals.orders * Math.round(event.data.total * 100));
        return { effects: totals.orders, records: marker.Item === undefined ? 0 : 1 };
      },
    },
    {
      service: 'email',
      event: async () => sampleEvent(),
      handle: (event) =>
        sendOrderConfirmation(event, { transport, outbox: dynamoOutbox(faulty, emailTable as string) }),
      async observe(event) {
        const records = await items(emailTable as string, emailKey(event.data.orderId, event.eventId).pk);
        return {
          effects: sent.filter((m) => m.subject.includes(event.data.orderId)).length,
          records: records.length,
        };
      },
    },
    {
      service: 'high-value',
      event: async () => sampleEvent({ items: [{ sku: 'TV', quantity: 1, unitPrice: 400 }], total: 400 }),
      handle: (event) => openReviewCase(event, dynamoReviewPort(faulty, highValueTable as string)),
      async observe(event) {
        const records = await items(
          highValueTable as string,
          reviewKey(event.data.orderId, event.eventId).pk,
        );
        return { effects: records.length, records: records.length };
      },
    },
    {
      service: 'inventory',
      async event() {
        // Two SKUs of their own with 10 units each; the order takes 3 + 2.
        const a = `SKU-${randomUUID().slice(0, 8)}`;
        const b = `SKU-${randomUUID().slice(0, 8)}`;
        for (const sku of [a, b]) {
          await doc.send(
            new PutCommand({ TableName: inventoryTable, Item: { ...stockKey(sku), available: 10 } }),
          );
        }
        return sampleEvent({
          items: [
            { sku: a, quantity: 3, unitPrice: 1 },
            { sku: b, quantity: 2, unitPrice: 1 },
          ],
          total: 5,
        });
      },
      handle: (event) => reserveInventory(event, dynamoStockPort(faulty, inventoryTable as string)),
      async observe(event) {
        const [a, b] = event.data.items.map((i) => i.sku) as [string, string];
        const level = async (sku: string) =>
          Number(
            (await doc.send(new GetCommand({ TableName: inventoryTable, Key: stockKey(sku) }))).Item
              ?.available,
          );
        const [la, lb] = [await level(a), await level(b)];
        // Times the order's stock movement happened: 3 units of A and 2 of B each time, never partial.
        expect((10 - la) / 3).toBe((10 - lb) / 2);
        const records = await items(
          inventoryTable as string,
          reservationKey(event.data.orderId, event.eventId).pk,
        );
        return { effects: (10 - la) / 3, records: records.length };
      },
    },
  ];
}

const cases = ['analytics', 'email', 'high-value', 'inventory'];

// Built on first use (the emulators start in beforeAll).
let built: Map<string, { c: ServiceCase; handler: SqsHandler }> | undefined;
async function consumerOf(service: string): Promise<{ c: ServiceCase; handler: SqsHandler }> {
  if (!built) {
    built = new Map();
    for (const c of await serviceCases()) {
      const config: ConsumerConfig = {
        serviceName: c.service,
        idempotencyTableName: idempotencyTable,
        idempotencyExpirySeconds: 3600,
        effectTableName: 'unused',
        dlqUrl,
        recordConcurrency: DEFAULT_RECORD_CONCURRENCY,
      };
      const handler = createSqsConsumer({
        service: c.service,
        config,
        // The idempotency store has a clean client: the faults are the effect's.
        dynamodb: clients.dynamodb,
        sqs: clients.sqs,
        handle: (event) => c.handle(event),
      });
      built.set(c.service, { c, handler });
    }
  }
  const found = built.get(service);
  if (!found) throw new Error(`no case for ${service}`);
  return found;
}

/** Deletes the service's idempotency records: a lock that expired, or a COMPLETED update that was lost. */
async function forgetIdempotency(service: string): Promise<void> {
  const records = await scanAll(clients.doc, idempotencyTable);
  for (const r of records.filter((i) => String(i.id).startsWith(`${service}#`))) {
    await clients.doc.send(new DeleteCommand({ TableName: idempotencyTable, Key: { id: r.id } }));
  }
}

const invoke = (handler: SqsHandler, event: OrderPlaced, receiveCount = 1) =>
  handler(sqsEvent(eventRecord(event, { receiveCount })), lambdaContext());

describe.each(cases)('%s: one effect per event', (service) => {
  it('when the idempotency record is lost between two deliveries (expired lock, lost COMPLETED update)', async () => {
    const { c, handler } = await consumerOf(service);
    const event = await c.event();
    expect(await invoke(handler, event)).toEqual({ batchItemFailures: [] });
    await forgetIdempotency(service);
    metrics.reset();
    expect(await invoke(handler, event, 2)).toEqual({ batchItemFailures: [] });
    expect(metrics.sums()).toEqual({ duplicate: 1 });
    expect(await c.observe(event)).toEqual({ effects: 1, records: 1 });
  });

  it('when the sandbox dies right after the first write was applied, and the message is redelivered', async () => {
    const { c, handler } = await consumerOf(service);
    const event = await c.event();
    Object.assign(plan, { kind: 'crash-after-write', remaining: 1, injected: 0 });
    const first = await invoke(handler, event);
    expect(plan.injected).toBe(1);
    expect(first.batchItemFailures).toHaveLength(1);
    // Lambda would leave the lock to expire; Powertools here deletes it on the error: either way it reruns.
    await forgetIdempotency(service);
    expect(await invoke(handler, event, 2)).toEqual({ batchItemFailures: [] });
    expect(await c.observe(event)).toEqual({ effects: 1, records: 1 });
  });

  it('when an applied write is answered 500 and the SDK retries it', async () => {
    const { c, handler } = await consumerOf(service);
    const event = await c.event();
    Object.assign(plan, { kind: 'applied-then-500', remaining: 1, injected: 0 });
    expect(await invoke(handler, event)).toEqual({ batchItemFailures: [] });
    expect(plan.injected).toBe(1);
    expect(await c.observe(event)).toEqual({ effects: 1, records: 1 });
  });

  it('when two deliveries of the event run at once (and the loser is redelivered)', async () => {
    const { c, handler } = await consumerOf(service);
    const event = await c.event();
    const responses = await Promise.all([invoke(handler, event), invoke(handler, event)]);
    const failed = responses.flatMap((r) => r.batchItemFailures);
    expect(failed.length).toBeLessThanOrEqual(1);
    if (failed.length > 0) expect(await invoke(handler, event, 2)).toEqual({ batchItemFailures: [] });
    expect(await c.observe(event)).toEqual({ effects: 1, records: 1 });
  });
});

describe.each(cases.filter((s) => s !== 'email'))('%s: the effect write alone', (service) => {
  it('applies once when two attempts run at once with no idempotency lock in front', async () => {
    const { c } = await consumerOf(service);
    const event = await c.event();
    const outcomes = await Promise.all([c.handle(event), c.handle(event), c.handle(event)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['already-applied', 'already-applied', 'applied']);
    expect(await c.observe(event)).toEqual({ effects: 1, records: 1 });
  });
});
