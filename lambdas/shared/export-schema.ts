/**
 * Writes the JSON Schema of OrderPlaced v1 to docs/schemas/order-placed.v1.schema.json, generated
 * from the zod schema so the two never drift (a unit test fails when the committed file is stale).
 *
 * Run: `npx tsx lambdas/shared/export-schema.ts`
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { ORDER_PLACED_EVENT_VERSION, orderPlacedSchema } from './contract.ts';

/** Repository-relative path of the generated schema. */
export const SCHEMA_PATH = 'docs/schemas/order-placed.v1.schema.json';

/** The JSON Schema document (2020-12) of OrderPlaced v1, as the text written to {@link SCHEMA_PATH}. */
export function renderOrderPlacedSchema(): string {
  const generated = z.toJSONSchema(orderPlacedSchema, { target: 'draft-2020-12', io: 'input' });
  const document = {
    ...generated,
    $id: 'https://github.com/order-events/order-events/docs/schemas/order-placed.v1.schema.json',
    title: `OrderPlaced v${ORDER_PLACED_EVENT_VERSION}`,
    description:
      'Raw SNS message body of the order.placed event. Not expressible here and checked by the zod ' +
      'schema: data.total equals the sum of quantity × unitPrice to the cent; eventId is UUID v5 of ' +
      '"order.placed:<orderId>" in the order-events namespace.',
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_PATH, renderOrderPlacedSchema());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
