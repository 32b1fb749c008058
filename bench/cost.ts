/**
 * Cost arithmetic: billable units from what was counted at the emulators, and dollars from
 * {@link AWS_PRICES}. Pure functions (test/bench/cost.test.ts checks them by hand-computed cases).
 */
import { AWS_PRICES, type Price, type PriceTable } from './aws-prices.ts';

/** SQS and SNS bill each 64 KB chunk of a request's payload as one request. */
export const BILLING_CHUNK_BYTES = 64 * 1024;

/** Billable requests of one SQS/SNS call carrying `payloadBytes` (at least one). */
export function billableRequests(payloadBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / BILLING_CHUNK_BYTES));
}

/**
 * DynamoDB write request units of writing one item of `itemBytes` (1 per KB, rounded up, at least
 * one; doubled inside a transaction). A failed conditional write is charged the same.
 */
export function dynamodbWriteUnits(itemBytes: number, transactional: boolean): number {
  return Math.max(1, Math.ceil(itemBytes / 1024)) * (transactional ? 2 : 1);
}

/**
 * DynamoDB read request units of reading one item of `itemBytes` (per 4 KB, rounded up: 1 strongly
 * consistent, 0.5 eventually consistent, 2 transactional).
 */
export function dynamodbReadUnits(itemBytes: number, read: 'eventual' | 'strong' | 'transactional'): number {
  const blocks = Math.max(1, Math.ceil(itemBytes / 4096));
  return blocks * (read === 'eventual' ? 0.5 : read === 'strong' ? 1 : 2);
}

/** GB-seconds of one invocation: memory × duration, duration billed in whole milliseconds (rounded up). */
export function lambdaGbSeconds(memoryMb: number, durationMs: number): number {
  return (memoryMb / 1024) * (Math.ceil(durationMs) / 1000);
}

/** Seconds in the month the fixed costs are quoted for (30 days). */
export const MONTH_SECONDS = 30 * 24 * 3600;

/**
 * KMS requests a month of one SSE-KMS queue, by the formula the SQS developer guide gives
 * (`R = B / D × (2P + C)`): B the period, D the data key reuse period, P producing and C consuming
 * principals. Independent of the message volume once every principal is active in every period.
 */
export function sqsKmsRequestsPerMonth(
  reusePeriodSeconds: number,
  producers: number,
  consumers: number,
): number {
  return (MONTH_SECONDS / reusePeriodSeconds) * (2 * producers + consumers);
}

/** Billable quantities counted over `orders` orders. */
export interface Usage {
  readonly orders: number;
  readonly apiRequests: number;
  /** Billable SNS publish requests (64 KB chunks of each Publish / PublishBatch). */
  readonly snsPublishRequests: number;
  /** Billable SQS requests (64 KB chunks; empty receives count one each). */
  readonly sqsRequests: number;
  readonly lambdaInvocations: number;
  /** GB-s with the AWS duration assumption (in the total). */
  readonly lambdaGbSeconds: number;
  /** GB-s from the durations measured on the embedded runtime (shown, not in the total). */
  readonly lambdaGbSecondsLocal?: number;
  readonly dynamodbWriteUnits: number;
  readonly dynamodbReadUnits: number;
  /** Bytes the functions wrote to their logs (CloudWatch Logs ingestion). */
  readonly logBytes: number;
  /** KMS requests that scale with the volume (0 when data keys are reused for a period). */
  readonly kmsRequests: number;
}

/** One line of a cost table. */
export interface CostLine {
  readonly item: string;
  /** Quantity per order, in `unit`. */
  readonly perOrder: number;
  readonly unit: string;
  readonly usdPerMillionOrders: number;
  readonly price: Price;
}

/** Cost per million orders of `usage`, line by line, and the total. */
export function costPerMillionOrders(
  usage: Usage,
  prices: PriceTable = AWS_PRICES,
): { lines: CostLine[]; totalUsd: number } {
  if (usage.orders <= 0) throw new RangeError('usage covers no order');
  const perOrder = (n: number) => n / usage.orders;
  const million = 1_000_000;
  const line = (item: string, quantity: number, unit: string, price: Price, unitsPerPrice: number) => ({
    item,
    perOrder: perOrder(quantity),
    unit,
    usdPerMillionOrders: ((perOrder(quantity) * million) / unitsPerPrice) * price.usd,
    price,
  });
  const lines: CostLine[] = [
    line(
      'API Gateway HTTP API requests',
      usage.apiRequests,
      'requests',
      prices.apiGatewayHttpRequest,
      million,
    ),
    line('SNS publish requests', usage.snsPublishRequests, 'requests', prices.snsPublish, million),
    line('SQS requests', usage.sqsRequests, 'requests', prices.sqsRequest, million),
    line('Lambda invocations', usage.lambdaInvocations, 'invocations', prices.lambdaRequest, million),
    line('Lambda duration (arm64)', usage.lambdaGbSeconds, 'GB-s', prices.lambdaArmGbSecond, 1),
    line('DynamoDB write units', usage.dynamodbWriteUnits, 'WRU', prices.dynamodbWriteUnit, million),
    line('DynamoDB read units', usage.dynamodbReadUnits, 'RRU', prices.dynamodbReadUnit, million),
    line('CloudWatch Logs ingestion', usage.logBytes / 1e9, 'GB', prices.cloudwatchLogsIngestion, 1),
    line('KMS requests (volume-dependent)', usage.kmsRequests, 'requests', prices.kmsRequest, 10_000),
  ];
  return { lines, totalUsd: lines.reduce((sum, l) => sum + l.usdPerMillionOrders, 0) };
}

/** What the stack costs a month whatever the volume. */
export interface FixedInventory {
  /** Metrics evaluated by all alarms (an alarm on metric math counts each metric of its expression). */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  /** Distinct EMF custom metrics (namespace + name + dimension values). */
  readonly customMetrics: number;
  /** KMS requests a month that do not depend on the volume (data key reuse periods). */
  readonly kmsRequestsPerMonth: number;
}

/** One line of the fixed monthly cost. */
export interface FixedLine {
  readonly item: string;
  readonly quantity: number;
  readonly usdPerMonth: number;
  readonly price: Price;
}

/** Fixed monthly cost of `inventory`, line by line, and the total. */
export function fixedMonthlyCost(
  inventory: FixedInventory,
  prices: PriceTable = AWS_PRICES,
): { lines: FixedLine[]; totalUsd: number } {
  const lines: FixedLine[] = [
    {
      item: 'CloudWatch alarm metrics',
      quantity: inventory.alarmMetrics,
      usdPerMonth: inventory.alarmMetrics * prices.cloudwatchAlarmMetric.usd,
      price: prices.cloudwatchAlarmMetric,
    },
    {
      item: 'CloudWatch dashboards',
      quantity: inventory.dashboards,
      usdPerMonth: inventory.dashboards * prices.cloudwatchDashboard.usd,
      price: prices.cloudwatchDashboard,
    },
    {
      item: 'CloudWatch custom metrics (EMF)',
      quantity: inventory.customMetrics,
      usdPerMonth: inventory.customMetrics * prices.cloudwatchCustomMetric.usd,
      price: prices.cloudwatchCustomMetric,
    },
    {
      item: 'KMS customer managed keys',
      quantity: inventory.kmsKeys,
      usdPerMonth: inventory.kmsKeys * prices.kmsKey.usd,
      price: prices.kmsKey,
    },
    {
      item: 'KMS requests (data key reuse periods)',
      quantity: inventory.kmsRequestsPerMonth,
      usdPerMonth: (inventory.kmsRequestsPerMonth / 10_000) * prices.kmsRequest.usd,
      price: prices.kmsRequest,
    },
  ];
  return { lines, totalUsd: lines.reduce((sum, l) => sum + l.usdPerMonth, 0) };
}

/** Formats dollars with enough digits for sub-cent figures. */
export function usd(amount: number): string {
  if (amount === 0) return '$0';
  if (amount >= 100) return `$${amount.toFixed(0)}`;
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  return `$${amount.toPrecision(2)}`;
}

/** Formats a per-order quantity. */
export function quantity(n: number): string {
  if (n === 0) return '0';
  if (n >= 100) return n.toFixed(0);
  if (n >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

/** A DynamoDB attribute value in the wire format (as a Scan returns it). */
export type WireAttributeValue = Readonly<Record<string, unknown>>;

/**
 * Size of an item as DynamoDB bills it: per attribute, the UTF-8 length of its name plus the size
 * of its value (strings: UTF-8 bytes; numbers: about one byte per two significant digits plus one;
 * binary: bytes; booleans and null: 1; lists and maps: 3 plus their elements, plus 1 per element).
 */
export function itemSizeBytes(item: Readonly<Record<string, WireAttributeValue>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: WireAttributeValue): number {
  const [type, v] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v));
    case 'N': {
      const digits = String(v).replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
      return Math.ceil(Math.max(1, digits.length) / 2) + 1;
    }
    case 'B':
      return typeof v === 'string'
        ? Buffer.from(v, 'base64').length
        : ((v as Uint8Array | undefined)?.length ?? 0);
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'NS':
    case 'BS':
      return (v as unknown[]).reduce<number>((sum, e) => sum + valueSize({ [type.slice(0, 1)]: e }), 0);
    case 'L':
      return 3 + (v as WireAttributeValue[]).reduce<number>((sum, e) => sum + 1 + valueSize(e), 0);
    case 'M':
      return (
        3 +
        Object.entries(v as Record<string, WireAttributeValue>).reduce<number>(
          (sum, [k, e]) => sum + 1 + Buffer.byteLength(k) + valueSize(e),
          0,
        )
      );
    default:
      return 0;
  }
}
