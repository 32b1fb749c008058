import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildOrderPlaced,
  MAX_ITEMS,
  ORDER_EVENTS_NAMESPACE,
  orderInputSchema,
  orderPlacedAttributes,
  orderPlacedEventId,
  parseOrderInput,
  parseOrderPlaced,
} from '../../../lambdas/shared/contract.ts';
import { ContractViolationError } from '../../../lambdas/shared/errors.ts';
import { thrownMessage } from '../helpers/errors.ts';
import { sampleEvent, sampleOrder } from '../helpers/orders.ts';

/** The issues a call throws, or fails the test if it does not throw a ContractViolationError. */
function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ContractViolationError);
    return [...(error as ContractViolationError).issues];
  }
  throw new Error('expected a ContractViolationError');
}

describe('buildOrderPlaced', () => {
  it('builds a valid v1 event that round-trips through parseOrderPlaced', () => {
    const order = sampleOrder();
    const event = buildOrderPlaced(order, {
      source: 'cli',
      correlationId: 'corr-1',
      occurredAt: '2026-01-02T03:04:05.000Z',
    });
    expect(event).toMatchObject({
      eventType: 'order.placed',
      eventVersion: 1,
      source: 'cli',
      correlationId: 'corr-1',
      occurredAt: '2026-01-02T03:04:05.000Z',
      data: order,
    });
    expect(parseOrderPlaced(JSON.stringify(event))).toEqual(event);
  });

  it('gives the same order the same eventId, whatever the envelope', () => {
    const order = sampleOrder();
    const a = buildOrderPlaced(order, { correlationId: 'a', occurredAt: new Date(0) });
    const b = buildOrderPlaced(structuredClone(order), { correlationId: 'b' });
    expect(a.eventId).toBe(b.eventId);
    expect(a.eventId).toBe(orderPlacedEventId(order.orderId));
    expect(buildOrderPlaced(sampleOrder()).eventId).not.toBe(a.eventId);
  });

  it('derives eventId as UUID v5 of order.placed:<orderId> in the fixed namespace', () => {
    // Pinned value: changing the namespace or the name format would break deduplication of republished orders.
    expect(ORDER_EVENTS_NAMESPACE).toBe('6f1c1b0e-5a3d-4f7e-9c2a-8d4b0e3f1a27');
    expect(orderPlacedEventId('ord-1')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(orderPlacedEventId('ord-1')).toBe(orderPlacedEventId('ord-1'));
    // The documented example in docs/contract.md.
    expect(orderPlacedEventId('ord-1001')).toBe('6c7e989e-8405-57a1-aea2-b3a70f2fea49');
  });

  it('rejects a total that is not the exact sum of quantity × unitPrice', () => {
    expect(issuesOf(() => buildOrderPlaced(sampleOrder({ total: 29 })))).toEqual([
      { path: 'total', message: 'must equal the sum of quantity × unitPrice' },
    ]);
  });

  it('sums in cents, so float artefacts do not break exact totals', () => {
    const items = [
      { sku: 'A', quantity: 3, unitPrice: 0.1 },
      { sku: 'B', quantity: 1, unitPrice: 0.2 },
    ];
    expect(() => buildOrderPlaced(sampleOrder({ items, total: 0.5 }))).not.toThrow();
    expect(issuesOf(() => buildOrderPlaced(sampleOrder({ items, total: 0.51 })))[0]?.path).toBe('total');
  });
});

describe('orderInputSchema', () => {
  it('names every bad field with its reason', () => {
    const bad = {
      orderId: '',
      customerId: 'c',
      email: 'not-an-email',
      items: [{ sku: 'A', quantity: 0, unitPrice: 1.234 }],
      total: 1,
      currency: 'eur',
      shippingAddress: { line1: 'x', city: 'y', postalCode: 'z', country: 'Portugal' },
    };
    const issues = issuesOf(() => parseOrderInput(bad));
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'currency',
        'email',
        'items.0.quantity',
        'items.0.unitPrice',
        'orderId',
        'shippingAddress.country',
      ].sort(),
    );
    expect(issues.find((i) => i.path === 'items.0.unitPrice')?.message).toBe(
      'must have at most 2 decimal places',
    );
    expect(issues.find((i) => i.path === 'items.0.quantity')?.message).toMatch(/>0/);
    expect(issues.find((i) => i.path === 'currency')?.message).toMatch(/ISO 4217/);
  });

  it('reports missing fields and wrong types', () => {
    const issues = issuesOf(() => parseOrderInput({ orderId: 'o-1', items: 'many', total: '10' }));
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['customerId', 'email', 'items', 'total', 'currency', 'shippingAddress']),
    );
    expect(issues.find((i) => i.path === 'total')?.message).toMatch(/expected number/);
  });

  it('enforces 1..MAX_ITEMS (99) items and a positive integer quantity', () => {
    expect(MAX_ITEMS).toBe(99);
    expect(issuesOf(() => parseOrderInput(sampleOrder({ items: [], total: 0 })))[0]?.path).toBe('items');
    const line = (i: number) => ({ sku: `S${i}`, quantity: 1, unitPrice: 1 });
    const many = Array.from({ length: MAX_ITEMS + 1 }, (_, i) => line(i));
    expect(issuesOf(() => parseOrderInput(sampleOrder({ items: many, total: MAX_ITEMS + 1 })))[0]?.path).toBe(
      'items',
    );
    const max = many.slice(0, MAX_ITEMS);
    expect(parseOrderInput(sampleOrder({ items: max, total: MAX_ITEMS })).items).toHaveLength(MAX_ITEMS);
    const fractional = [{ sku: 'A', quantity: 1.5, unitPrice: 2 }];
    expect(issuesOf(() => parseOrderInput(sampleOrder({ items: fractional, total: 3 })))[0]?.path).toBe(
      'items.0.quantity',
    );
  });

  it('accepts an optional line2 and drops unknown fields', () => {
    const order = { ...sampleOrder(), extra: true };
    order.shippingAddress = { ...order.shippingAddress, line2: 'Apt 4' };
    const parsed = orderInputSchema.parse(order);
    expect(parsed.shippingAddress.line2).toBe('Apt 4');
    expect('extra' in parsed).toBe(false);
  });
});

describe('parseOrderPlaced', () => {
  it('rejects unparseable JSON as a contract violation of the whole body', () => {
    const issues = issuesOf(() => parseOrderPlaced('{not json'));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('');
    expect(issues[0]?.message).toMatch(/not valid JSON/);
  });

  it('names envelope fields: eventId, eventType, eventVersion, occurredAt', () => {
    const event = {
      ...sampleEvent(),
      eventId: 'x',
      eventType: 'order.cancelled',
      eventVersion: 2,
      occurredAt: 'yesterday',
    };
    const paths = issuesOf(() => parseOrderPlaced(JSON.stringify(event))).map((i) => i.path);
    expect(paths.sort()).toEqual(['eventId', 'eventType', 'eventVersion', 'occurredAt']);
  });

  it('rejects an eventId that is not the canonical one of the order (a random UUID, or upper case)', () => {
    const event = sampleEvent();
    expect(event.eventId).toBe(orderPlacedEventId(event.data.orderId));
    for (const eventId of [randomUUID(), event.eventId.toUpperCase()]) {
      const issues = issuesOf(() => parseOrderPlaced(JSON.stringify({ ...event, eventId })));
      expect(issues).toEqual([
        { path: 'eventId', message: expect.stringMatching(/canonical eventId of the order.*UUID v5/) },
      ]);
    }
    expect(parseOrderPlaced(JSON.stringify(event)).eventId).toBe(event.eventId);
  });

  it('names nested data fields with dotted paths', () => {
    const event = sampleEvent();
    const broken = { ...event, data: { ...event.data, items: [{ sku: 'A', quantity: -1, unitPrice: 1 }] } };
    const issues = issuesOf(() => parseOrderPlaced(JSON.stringify(broken)));
    expect(issues.map((i) => i.path)).toEqual(['data.items.0.quantity']);
  });

  it('puts the field and reason in the error message', () => {
    expect(() => parseOrderPlaced(JSON.stringify({ ...sampleEvent(), source: '' }))).toThrow(
      /source: Too small/,
    );
  });
});

describe('orderPlacedAttributes', () => {
  it('exposes eventType (String) and total (Number) for filter policies', () => {
    const event = sampleEvent();
    expect(orderPlacedAttributes(event)).toEqual({
      eventType: { DataType: 'String', StringValue: 'order.placed' },
      total: { DataType: 'Number', StringValue: '28.99' },
    });
  });
});

describe('contract issues, exactly', () => {
  const line = (quantity: number, unitPrice: number) => ({ sku: 'SKU-A', quantity, unitPrice });
  const address = { line1: '1 Main St', city: 'Lisbon', postalCode: '1000-001', country: 'PT' };

  // Each case breaks one rule; the issues are the whole list, so a rule that stops firing, fires
  // twice (a bad line also reported as a wrong total) or changes its words fails here.
  it.each([
    [
      'a country with more than two letters',
      { shippingAddress: { ...address, country: 'PRT' } },
      [
        {
          path: 'shippingAddress.country',
          message: 'must be an ISO 3166-1 alpha-2 code (2 upper-case letters)',
        },
      ],
    ],
    [
      'a country with a letter before the code',
      { shippingAddress: { ...address, country: 'xPT' } },
      [
        {
          path: 'shippingAddress.country',
          message: 'must be an ISO 3166-1 alpha-2 code (2 upper-case letters)',
        },
      ],
    ],
    [
      'a currency with more than three letters',
      { currency: 'EURO' },
      [{ path: 'currency', message: 'must be an ISO 4217 code (3 upper-case letters)' }],
    ],
    [
      'a currency with a letter before the code',
      { currency: 'xEUR' },
      [{ path: 'currency', message: 'must be an ISO 4217 code (3 upper-case letters)' }],
    ],
    [
      'an orderId starting with a dash',
      { orderId: '-ord-1' },
      [{ path: 'orderId', message: 'must be 1-128 of A-Z a-z 0-9 . _ : -' }],
    ],
    [
      'an orderId with a space at its end',
      { orderId: 'ord-1 x' },
      [{ path: 'orderId', message: 'must be 1-128 of A-Z a-z 0-9 . _ : -' }],
    ],
    [
      'a total that is not the sum',
      { items: [line(2, 10)], total: 21 },
      [{ path: 'total', message: 'must equal the sum of quantity × unitPrice' }],
    ],
    [
      'a total with three decimals (only that, not also a wrong sum)',
      { items: [line(1, 20)], total: 20.001 },
      [{ path: 'total', message: 'must have at most 2 decimal places' }],
    ],
    [
      'a negative total (only that, not also a wrong sum)',
      { items: [line(1, 0)], total: -1 },
      [{ path: 'total', message: 'Too small: expected number to be >=0' }],
    ],
    [
      'a negative unit price (only that, not also a wrong sum)',
      { items: [line(1, -5)], total: 0 },
      [{ path: 'items.0.unitPrice', message: 'Too small: expected number to be >=0' }],
    ],
    [
      'a zero quantity (only that, not also a wrong sum)',
      { items: [line(0, 10)], total: 10 },
      [{ path: 'items.0.quantity', message: 'Too small: expected number to be >0' }],
    ],
  ])('%s', (_what, override, issues) => {
    expect(issuesOf(() => parseOrderInput(sampleOrder(override as object)))).toEqual(issues);
  });

  it('accepts a free line (unit price 0) and a zero total', () => {
    expect(parseOrderInput(sampleOrder({ items: [line(3, 0)], total: 0 })).total).toBe(0);
  });

  it('accepts an occurredAt with a time-zone offset', () => {
    const event = sampleEvent();
    const shifted = { ...event, occurredAt: '2026-12-01T10:00:00+01:00' };
    expect(parseOrderPlaced(JSON.stringify(shifted)).occurredAt).toBe('2026-12-01T10:00:00+01:00');
  });

  it('reports a wrong eventId with its rule, and an invalid orderId only as the orderId', () => {
    const event = sampleEvent();
    expect(issuesOf(() => parseOrderPlaced(JSON.stringify({ ...event, eventId: randomUUID() })))).toEqual([
      {
        path: 'eventId',
        message:
          'must be the canonical eventId of the order: the lower-case UUID v5 of "order.placed:<orderId>"',
      },
    ]);
    const badId = { ...event, data: { ...event.data, orderId: '-bad' } };
    expect(issuesOf(() => parseOrderPlaced(JSON.stringify(badId)))).toEqual([
      { path: 'data.orderId', message: 'must be 1-128 of A-Z a-z 0-9 . _ : -' },
    ]);
  });

  it('summarises what was invalid: an order, an event, or a body that is not JSON', () => {
    expect(thrownMessage(() => parseOrderInput(sampleOrder({ currency: 'x' })))).toBe(
      'invalid order: currency: must be an ISO 4217 code (3 upper-case letters)',
    );
    expect(thrownMessage(() => parseOrderPlaced(JSON.stringify({ ...sampleEvent(), source: '' })))).toMatch(
      /^invalid OrderPlaced: source: /,
    );
    expect(thrownMessage(() => parseOrderPlaced('{'))).toMatch(
      /^invalid OrderPlaced: \(body\): not valid JSON \(/,
    );
  });
});
