import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderOrderPlacedSchema, SCHEMA_PATH } from '../../../lambdas/shared/export-schema.ts';

describe('docs/schemas/order-placed.v1.schema.json', () => {
  it('is up to date with the zod schema (regenerate: npx tsx lambdas/shared/export-schema.ts)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderOrderPlacedSchema());
  });

  it('describes the envelope and the order', () => {
    const schema = JSON.parse(renderOrderPlacedSchema()) as {
      required: string[];
      properties: { data: { required: string[] } };
    };
    expect(schema.required).toEqual(
      expect.arrayContaining([
        'eventId',
        'eventType',
        'eventVersion',
        'occurredAt',
        'source',
        'correlationId',
        'data',
      ]),
    );
    expect(schema.properties.data.required).toEqual(
      expect.arrayContaining(['orderId', 'items', 'total', 'currency']),
    );
  });
});
