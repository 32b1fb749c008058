/**
 * What the app's effects look like from outside: per service and order, the items its consumer
 * wrote (through the adapters' own key builders), the analytics totals, stock levels and queue
 * depths. The demo's verification (`npm start`) and the integration tests observe through these same
 * functions, so "the demo passed" and "the suite passed" mean the same thing.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, GetCommand, paginateScan, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ServiceName } from '../infra/config.ts';
import { readDayTotals } from '../lambdas/analytics/adapters.ts';
import { ANALYTICS_SERVICE, eventDay } from '../lambdas/analytics/analytics.ts';
import { emailKey } from '../lambdas/email/adapters.ts';
import { EMAIL_SERVICE } from '../lambdas/email/email.ts';
import { reviewKey } from '../lambdas/high-value/adapters.ts';
import { HIGH_VALUE_SERVICE } from '../lambdas/high-value/high-value.ts';
import { reservationKey, stockKey } from '../lambdas/inventory/adapters.ts';
import { INVENTORY_SERVICE } from '../lambdas/inventory/inventory.ts';
import type { OrderPlaced } from '../lambdas/shared/contract.ts';
import type { LocalDeployment } from '../local/deploy/deployment.ts';
import { queueDepth as readQueueDepth } from './dlq.ts';

/** The clients and stack outputs an observation needs (a test target, the demo's runtime). */
export interface ObserveTarget {
  readonly doc: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  /** An output of a service, e.g. `serviceOutput('inventory', 'EffectTableName')`. */
  serviceOutput(service: ServiceName, suffix: string): string;
}

/**
 * The services with one effect per order (the archive keeps events by day instead: `order-events
 * replay` reads it).
 */
export const ORDER_EFFECT_SERVICES = [
  EMAIL_SERVICE,
  INVENTORY_SERVICE,
  ANALYTICS_SERVICE,
  HIGH_VALUE_SERVICE,
] as const;

/** A service with one effect per order. */
export type OrderEffectService = (typeof ORDER_EFFECT_SERVICES)[number];

/** A service whose effect of an order is a record under the order (analytics' is a day counter). */
export type RecordEffectService = Exclude<OrderEffectService, typeof ANALYTICS_SERVICE>;

/** Key of the effect record of each service that writes one per event (the adapters' key builders). */
const EFFECT_RECORD_KEY: Readonly<
  Record<RecordEffectService, (orderId: string, eventId: string) => { pk: string; sk: string }>
> = {
  [EMAIL_SERVICE]: emailKey,
  [INVENTORY_SERVICE]: reservationKey,
  [HIGH_VALUE_SERVICE]: reviewKey,
};

/** An item as the document client returns it. */
export type EffectItem = Record<string, unknown>;

/**
 * The effect records `service` wrote for an order: every item of the order whose sort key has the
 * shape of this service's record (the key builder with an empty eventId is that prefix), whatever
 * eventId it was written for.
 */
export async function effectRecords(
  target: ObserveTarget,
  service: RecordEffectService,
  orderId: string,
): Promise<EffectItem[]> {
  const { pk, sk: prefix } = EFFECT_RECORD_KEY[service](orderId, '');
  const out = await target.doc.send(
    new QueryCommand({
      TableName: target.serviceOutput(service, 'EffectTableName'),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': pk, ':sk': prefix },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

/**
 * Number of effects `service` produced for `event`: its records of the order, or for analytics the
 * order count of the event's day. 0 while the table does not exist (a test deleted it to make the
 * effect fail).
 */
export async function effectCount(
  target: ObserveTarget,
  service: OrderEffectService,
  event: OrderPlaced,
): Promise<number> {
  try {
    if (service === ANALYTICS_SERVICE) {
      const totals = await readDayTotals(
        target.doc,
        target.serviceOutput(service, 'EffectTableName'),
        eventDay(event),
      );
      return totals.orders;
    }
    return (await effectRecords(target, service, event.data.orderId)).length;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return 0;
    throw error;
  }
}

/** Every item `service` keeps under the order of `event` (its effect records and what they hold). */
export async function effectItems(
  target: ObserveTarget,
  service: RecordEffectService,
  event: OrderPlaced,
): Promise<EffectItem[]> {
  const out = await target.doc.send(
    new QueryCommand({
      TableName: target.serviceOutput(service, 'EffectTableName'),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': EFFECT_RECORD_KEY[service](event.data.orderId, event.eventId).pk },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

/** Effect counts of every service for one event, e.g. `{ email: 1, inventory: 1, ... }`. */
export async function effectsOf(
  target: ObserveTarget,
  event: OrderPlaced,
  services: readonly OrderEffectService[] = ORDER_EFFECT_SERVICES,
): Promise<Record<string, number>> {
  const counts = await Promise.all(services.map((s) => effectCount(target, s, event)));
  return Object.fromEntries(services.map((s, i) => [s, counts[i] ?? 0]));
}

/** Orders and revenue (in cents) the analytics service counted, over every day. */
export async function analyticsTotals(
  target: ObserveTarget,
): Promise<{ orders: number; revenueCents: number }> {
  let orders = 0;
  let revenueCents = 0;
  const pages = paginateScan(
    { client: target.doc },
    { TableName: target.serviceOutput(ANALYTICS_SERVICE, 'EffectTableName'), ConsistentRead: true },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      orders += Number(item.orders ?? 0);
      revenueCents += Math.round(Number(item.revenue ?? 0) * 100);
    }
  }
  return { orders, revenueCents };
}

/** Units of `sku` the inventory service holds as available (undefined: no stock item). */
export async function stockAvailable(target: ObserveTarget, sku: string): Promise<number | undefined> {
  const out = await target.doc.send(
    new GetCommand({
      TableName: target.serviceOutput(INVENTORY_SERVICE, 'EffectTableName'),
      Key: stockKey(sku),
      ConsistentRead: true,
    }),
  );
  return out.Item === undefined ? undefined : Number(out.Item.available);
}

/** Visible + in-flight + delayed messages of a queue (the CLI's own depth reading, summed). */
export async function queueDepth(target: Pick<ObserveTarget, 'sqs'>, queueUrl: string): Promise<number> {
  const depth = await readQueueDepth(target.sqs, queueUrl);
  return depth.visible + depth.inFlight + depth.delayed;
}

/**
 * The logical id of the event source mapping that feeds the function named `functionName` (a
 * `<Service>FunctionName` output) in a local deployment: the runner keys its stats and controls by
 * mapping, and knows nothing of services.
 */
export function mappingOf(
  deployment: Pick<LocalDeployment, 'functions' | 'eventSourceMappings'>,
  functionName: string,
): string {
  const fn = deployment.functions.find((f) => f.name === functionName);
  const mapping = deployment.eventSourceMappings.find((m) => m.functionLogicalId === fn?.logicalId);
  if (mapping === undefined) throw new Error(`no event source mapping feeds function ${functionName}`);
  return mapping.logicalId;
}
