/**
 * Write units per record of each service's effect (`node --import tsx bench/write-units.ts`): runs
 * every business function with its real DynamoDB adapter against the embedded DynamoDB (the patched
 * dynalite computes ConsumedCapacity with DynamoDB's rules, 2× per item in a transaction) for an order
 * of two SKUs with total ≥ 100, and sums the ConsumedCapacity of every request. The Powertools
 * idempotency record (PutItem + UpdateItem, 2 WCU) comes on top for every service; a rerun that finds
 * the marker costs its cancelled write (the emulator reports no capacity for it; DynamoDB charges a
 * failed conditional write). Figures are printed as a markdown table, never asserted.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDailyTotals } from '../lambdas/analytics/adapters.ts';
import { ANALYTICS_SERVICE, recordOrderTotals } from '../lambdas/analytics/analytics.ts';
import { dynamoOutbox, recordOnlyTransport } from '../lambdas/email/adapters.ts';
import { EMAIL_SERVICE, sendOrderConfirmation } from '../lambdas/email/email.ts';
import { dynamoReviewPort } from '../lambdas/high-value/adapters.ts';
import { HIGH_VALUE_SERVICE, openReviewCase } from '../lambdas/high-value/high-value.ts';
import { dynamoStockPort, stockKey } from '../lambdas/inventory/adapters.ts';
import { INVENTORY_SERVICE, reserveInventory } from '../lambdas/inventory/inventory.ts';
import type { OrderPlaced } from '../lambdas/shared/contract.ts';
import { startEmulators } from '../local/emulators.ts';
import { createEffectTable } from '../test/unit/helpers/aws.ts';
import { sampleEvent } from '../test/unit/helpers/orders.ts';

const emulators = await startEmulators();
const client = new DynamoDBClient(emulators.clientConfig('dynamodb'));
let units = 0;
// Ask every request for its consumed capacity and add it up (a cancelled write reports none).
client.middlewareStack.add(
  (next) => async (args) => {
    (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
    const result = await next(args);
    const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      units += (c as { CapacityUnits?: number }).CapacityUnits ?? 0;
    }
    return result;
  },
  { step: 'initialize', name: 'sumConsumedCapacity' },
);
const doc = DynamoDBDocumentClient.from(client);

async function table(): Promise<string> {
  const name = `wcu-${randomUUID().slice(0, 8)}`;
  await createEffectTable(client, name);
  return name;
}

// Two SKUs and a total >= 100, so every service (high-value too) writes its effect.
const event: OrderPlaced = sampleEvent({
  items: [
    { sku: 'SKU-A', quantity: 2, unitPrice: 50 },
    { sku: 'SKU-B', quantity: 1, unitPrice: 50 },
  ],
  total: 150,
});

const [emailTable, inventoryTable, analyticsTable, highValueTable] = [
  await table(),
  await table(),
  await table(),
  await table(),
];
for (const sku of ['SKU-A', 'SKU-B']) {
  await doc.send(new PutCommand({ TableName: inventoryTable, Item: { ...stockKey(sku), available: 100 } }));
}
const effects: Record<string, () => Promise<unknown>> = {
  [EMAIL_SERVICE]: () =>
    sendOrderConfirmation(event, { transport: recordOnlyTransport, outbox: dynamoOutbox(doc, emailTable) }),
  [INVENTORY_SERVICE]: () => reserveInventory(event, dynamoStockPort(doc, inventoryTable)),
  [ANALYTICS_SERVICE]: () => recordOrderTotals(event, dynamoDailyTotals(doc, analyticsTable)),
  [HIGH_VALUE_SERVICE]: () => openReviewCase(event, dynamoReviewPort(doc, highValueTable)),
};

const rows: string[] = [];
let total = 0;
for (const [service, run] of Object.entries(effects)) {
  units = 0;
  await run();
  total += units;
  rows.push(`| ${service} | ${units} |`);
}
console.log('| service | WCU per record (effect only) |');
console.log('|---|---:|');
for (const row of rows) console.log(row);
console.log(`| all four (order of 2 SKUs, total 150) | ${total} |`);
client.destroy();
await emulators.stop();
