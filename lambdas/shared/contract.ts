/**
 * OrderPlaced v1: the one event contract of order-events, validated at the producer and at every
 * consumer. Built on `zod/mini` (tree-shakable, ~10x smaller in a bundle than full zod).
 */
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { type ContractIssue, ContractViolationError } from './errors.ts';

// zod/mini ships without messages ("Invalid input"); the English locale names the expected shape.
z.config(en());

/** Value of `eventType` for OrderPlaced. */
export const ORDER_PLACED_EVENT_TYPE = 'order.placed';
/** Current (and only) major version of the OrderPlaced contract. */
export const ORDER_PLACED_EVENT_VERSION = 1;
/**
 * Fixed UUID namespace for eventIds. Never change it: eventIds of already published orders would
 * stop matching and every consumer would treat a republished order as new.
 */
export const ORDER_EVENTS_NAMESPACE = '6f1c1b0e-5a3d-4f7e-9c2a-8d4b0e3f1a27';
/**
 * Maximum number of line items in one order. Inventory reserves every SKU of an order in ONE
 * DynamoDB transaction (at most 100 items) together with the event's marker: 99 SKUs + 1.
 */
export const MAX_ITEMS = 99;

/** True when `n` has at most two decimal places (money in a currency with cents). */
function isCents(n: number): boolean {
  return Number.isFinite(n) && Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;
}

/** Converts a 2-decimal amount to integer cents, so sums are exact. */
export function toCents(n: number): number {
  return Math.round(n * 100);
}

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
const money = z
  .number()
  .check(z.gte(0), z.lte(1e12), z.refine(isCents, { message: 'must have at most 2 decimal places' }));

/** One order line: `quantity` units of `sku` at `unitPrice` each. */
export const orderItemSchema = z.object({
  sku: text(64),
  quantity: z.int().check(z.positive(), z.lte(1_000_000)),
  unitPrice: money,
});

/** Where the order ships to; `country` is ISO 3166-1 alpha-2. */
export const shippingAddressSchema = z.object({
  line1: text(200),
  line2: z.optional(text(200)),
  city: text(100),
  postalCode: text(20),
  country: z
    .string()
    .check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code (2 upper-case letters)')),
});

const isValidLine = (i: { quantity: unknown; unitPrice: unknown }): boolean =>
  Number.isSafeInteger(i.quantity) &&
  (i.quantity as number) > 0 &&
  typeof i.unitPrice === 'number' &&
  i.unitPrice >= 0 &&
  isCents(i.unitPrice);

const isComparable = (o: { total: unknown; items: unknown }): boolean =>
  typeof o.total === 'number' &&
  o.total >= 0 &&
  isCents(o.total) &&
  Array.isArray(o.items) &&
  o.items.every(isValidLine);

/** Sum of quantity × unitPrice in integer cents. */
export function itemsTotalCents(items: readonly { quantity: number; unitPrice: number }[]): number {
  return items.reduce((sum, i) => sum + i.quantity * toCents(i.unitPrice), 0);
}

const orderIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 of A-Z a-z 0-9 . _ : -'));

/**
 * The order itself (`data` of the event) and the order API's input. `total` must equal the sum of
 * quantity × unitPrice to the cent: the producer states it, and the contract checks it.
 */
export const orderInputSchema = z
  .object({
    orderId: orderIdSchema,
    customerId: text(128),
    email: z.email(),
    items: z.array(orderItemSchema).check(z.minLength(1), z.maxLength(MAX_ITEMS)),
    total: money,
    currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code (3 upper-case letters)')),
    shippingAddress: shippingAddressSchema,
  })
  .check(
    // zod still runs refinements when fields have (non-fatal) issues: compare totals only when
    // the total and every line are valid, so one bad field is not reported twice.
    z.refine((o) => !isComparable(o) || toCents(o.total) === itemsTotalCents(o.items), {
      message: 'must equal the sum of quantity × unitPrice',
      path: ['total'],
    }),
  );

/**
 * The OrderPlaced v1 event: the raw SNS message body. `eventId` must be the canonical id of the fact
 * ({@link orderPlacedEventId} of `data.orderId`, lower case): the same order published with another
 * id (a random UUID, the right one in upper case) is rejected, so it can never take effect twice.
 */
export const orderPlacedSchema = z
  .object({
    eventId: z.uuid(),
    eventType: z.literal(ORDER_PLACED_EVENT_TYPE),
    eventVersion: z.literal(ORDER_PLACED_EVENT_VERSION),
    occurredAt: z.iso.datetime({ offset: true }),
    source: text(64),
    correlationId: text(128),
    data: orderInputSchema,
  })
  .check(
    z.refine(
      (e) => {
        const orderId = (e.data as { orderId?: unknown } | undefined)?.orderId;
        // Only comparable when the orderId itself is valid (otherwise that is the issue reported).
        if (typeof orderId !== 'string' || !orderIdSchema.safeParse(orderId).success) return true;
        return e.eventId === orderPlacedEventId(orderId);
      },
      {
        message: `must be the canonical eventId of the order: the lower-case UUID v5 of "${ORDER_PLACED_EVENT_TYPE}:<orderId>"`,
        path: ['eventId'],
      },
    ),
  );

/** A single order line. */
export type OrderItem = z.infer<typeof orderItemSchema>;
/** A shipping address. */
export type ShippingAddress = z.infer<typeof shippingAddressSchema>;
/** The order as the API accepts it and as `data` of the event carries it. */
export type OrderInput = z.infer<typeof orderInputSchema>;
/** A validated OrderPlaced v1 event. */
export type OrderPlaced = z.infer<typeof orderPlacedSchema>;

/** Envelope fields a producer may set; all have defaults. */
export interface OrderPlacedMeta {
  /** Producer name, e.g. `order-api`, `cli`. @default 'order-api' */
  readonly source?: string;
  /** Correlation id carried through every hop. @default a random UUID */
  readonly correlationId?: string;
  /** When the order was placed. @default now */
  readonly occurredAt?: Date | string;
}

/** Maps zod issues to `{ path, message }` with dotted paths (`data.items.0.quantity`). */
function toIssues(error: z.core.$ZodError): ContractIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** eventId of an order: UUID v5 of `order.placed:<orderId>`, so a re-placed order keeps its id. */
export function orderPlacedEventId(orderId: string): string {
  return uuidv5(`${ORDER_PLACED_EVENT_TYPE}:${orderId}`, ORDER_EVENTS_NAMESPACE);
}

/**
 * Validates an order with {@link orderInputSchema}.
 * @throws ContractViolationError listing every invalid field
 */
export function parseOrderInput(input: unknown): OrderInput {
  const result = orderInputSchema.safeParse(input);
  if (!result.success) throw new ContractViolationError(toIssues(result.error), { summary: 'invalid order' });
  return result.data;
}

/**
 * Builds a validated OrderPlaced v1 event from an order.
 * @throws ContractViolationError if the order (or a meta field) is invalid
 */
export function buildOrderPlaced(input: unknown, meta: OrderPlacedMeta = {}): OrderPlaced {
  const data = parseOrderInput(input);
  const occurredAt =
    meta.occurredAt instanceof Date
      ? meta.occurredAt.toISOString()
      : (meta.occurredAt ?? new Date().toISOString());
  const candidate = {
    eventId: orderPlacedEventId(data.orderId),
    eventType: ORDER_PLACED_EVENT_TYPE,
    eventVersion: ORDER_PLACED_EVENT_VERSION,
    occurredAt,
    source: meta.source ?? 'order-api',
    correlationId: meta.correlationId ?? randomUUID(),
    data,
  };
  return validateOrderPlaced(candidate);
}

/**
 * Validates an already-parsed value as OrderPlaced v1 (unknown fields are dropped, so a newer
 * producer's additive fields do not break this consumer).
 * @throws ContractViolationError listing every invalid field
 */
export function validateOrderPlaced(value: unknown): OrderPlaced {
  const result = orderPlacedSchema.safeParse(value);
  if (!result.success)
    throw new ContractViolationError(toIssues(result.error), { summary: 'invalid OrderPlaced' });
  return result.data;
}

/**
 * Parses an SQS/SNS message body as OrderPlaced v1.
 * @throws ContractViolationError for unparseable JSON or any schema failure (listing every field)
 */
export function parseOrderPlaced(body: string): OrderPlaced {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ContractViolationError([{ path: '', message: `not valid JSON (${reason})` }], {
      summary: 'invalid OrderPlaced',
      cause: error,
    });
  }
  return validateOrderPlaced(value);
}

/** SNS message attributes of an event: what subscription filter policies match on. */
export function orderPlacedAttributes(event: OrderPlaced): {
  eventType: { DataType: 'String'; StringValue: string };
  total: { DataType: 'Number'; StringValue: string };
} {
  return {
    eventType: { DataType: 'String', StringValue: event.eventType },
    total: { DataType: 'Number', StringValue: String(event.data.total) },
  };
}
