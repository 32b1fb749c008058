/**
 * `publish`: one order from flags or a JSON file, or `count` synthetic orders at `rate` per second,
 * through the same producer path as the order API ({@link publishOrderPlaced}: validated first,
 * PublishBatch in tens, failed entries retried and reported).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  buildOrderPlaced,
  type OrderInput,
  type OrderPlaced,
  validateOrderPlaced,
} from '../lambdas/shared/contract.ts';
import { OrderEventsError, type PublishedEvent } from '../lambdas/shared/errors.ts';
import { PUBLISH_BATCH_SIZE, type PublishInput, publishOrderPlaced } from '../lambdas/shared/publisher.ts';

/** Bad command-line input (nothing was published). Exit code 2. */
export class UsageError extends OrderEventsError {}

/** Flags of `publish` that describe one order. */
export interface OrderFlags {
  readonly orderId?: string;
  readonly customerId?: string;
  readonly email?: string;
  /** `sku:quantity:unitPrice`, repeatable. */
  readonly item?: readonly string[];
  readonly currency?: string;
  /** `line1|city|postalCode|country`. */
  readonly shipTo?: string;
}

const DEFAULT_ADDRESS = { line1: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };

function cents(n: number): number {
  return Math.round(n * 100);
}

/** An order from flags; the contract (validated by the publisher) has the last word. */
export function orderFromFlags(flags: OrderFlags): OrderInput {
  const items = (flags.item ?? ['SKU-1:1:10']).map((spec) => {
    const [sku, quantity, unitPrice] = spec.split(':');
    if (sku === undefined || quantity === undefined || unitPrice === undefined) {
      throw new UsageError(`--item "${spec}" must be sku:quantity:unitPrice (e.g. SKU-1:2:9.99)`);
    }
    return { sku, quantity: Number(quantity), unitPrice: Number(unitPrice) };
  });
  let shippingAddress = DEFAULT_ADDRESS;
  if (flags.shipTo !== undefined) {
    const [line1, city, postalCode, country] = flags.shipTo.split('|');
    if (line1 === undefined || city === undefined || postalCode === undefined || country === undefined) {
      throw new UsageError(`--ship-to "${flags.shipTo}" must be line1|city|postalCode|country`);
    }
    shippingAddress = { line1, city, postalCode, country };
  }
  return {
    orderId: flags.orderId ?? `cli-${randomUUID()}`,
    customerId: flags.customerId ?? 'cust-cli',
    email: flags.email ?? 'customer@example.com',
    items,
    total: items.reduce((sum, i) => sum + cents(i.unitPrice) * i.quantity, 0) / 100,
    currency: flags.currency ?? 'EUR',
    shippingAddress,
  };
}

/** An order (or a whole OrderPlaced event) from a JSON file. */
export function orderFromFile(path: string): PublishInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read order file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${path} must hold one order (a JSON object)`);
  }
  return parsed as PublishInput;
}

/** Synthetic order number `index` (a tenth of them high-value, 17 customers). */
export function syntheticOrder(index: number, runId: string): OrderInput {
  const highValue = index % 10 === 0;
  const items = highValue
    ? [{ sku: 'SKU-RED', quantity: 2, unitPrice: 75 }]
    : [
        {
          sku: ['SKU-RED', 'SKU-GREEN', 'SKU-BLUE'][index % 3] ?? 'SKU-RED',
          quantity: 1 + (index % 3),
          unitPrice: 9.99,
        },
      ];
  return {
    orderId: `synthetic-${runId}-${index}`,
    customerId: `cust-${index % 17}`,
    email: `customer${index % 17}@example.com`,
    items,
    total: items.reduce((sum, i) => sum + cents(i.unitPrice) * i.quantity, 0) / 100,
    currency: 'EUR',
    shippingAddress: DEFAULT_ADDRESS,
  };
}

/**
 * Publishes `orders` in PublishBatch chunks of ten, at most `rate` per second (unpaced when
 * undefined). Every order is validated before the first is sent.
 */
export async function publishPaced(
  sns: SNSClient,
  topicArn: string,
  orders: readonly PublishInput[],
  options: { rate?: number; onProgress?: (published: number) => void } = {},
): Promise<PublishedEvent[]> {
  // All of them validated first: bad input publishes nothing.
  const events: OrderPlaced[] = orders.map((o) =>
    'eventType' in o ? validateOrderPlaced(o) : buildOrderPlaced(o, { source: 'cli' }),
  );
  // Below 10 per second, smaller batches keep the pace even instead of bursts of ten.
  const size =
    options.rate === undefined
      ? PUBLISH_BATCH_SIZE
      : Math.max(1, Math.min(PUBLISH_BATCH_SIZE, Math.floor(options.rate)));
  const published: PublishedEvent[] = [];
  const started = Date.now();
  for (let start = 0; start < events.length; start += size) {
    const chunk = events.slice(start, start + size);
    published.push(...(await publishOrderPlaced(sns, topicArn, chunk)));
    options.onProgress?.(published.length);
    if (options.rate !== undefined) {
      const due = (published.length / options.rate) * 1000 - (Date.now() - started);
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    }
  }
  return published;
}
