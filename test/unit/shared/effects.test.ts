/** writeEffectOnce against dynalite: all or nothing, the marker decides "already applied". */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EffectCancelledError,
  MAX_TRANSACT_ITEMS,
  scopedSortKey,
  type TransactItem,
  writeEffectOnce,
} from '../../../lambdas/shared/effects.ts';
import { OrderEventsError } from '../../../lambdas/shared/errors.ts';
import { type Emulators, startEmulators } from '../../../local/emulators.ts';
import { createEffectTable, type TestClients, testClients } from '../helpers/aws.ts';

let emulators: Emulators;
let clients: TestClients;
const table = `effects-${randomUUID().slice(0, 8)}`;
beforeAll(async () => {
  emulators = await startEmulators();
  clients = testClients(emulators);
  await createEffectTable(clients.dynamodb, table);
});
afterAll(async () => {
  await emulators?.stop();
});

const marker = (eventId: string) => ({ pk: `T#${eventId}`, sk: 'MARKER', eventId });
const counter = (pk: string, condition?: string): TransactItem => ({
  Update: {
    TableName: table,
    Key: { pk, sk: 'COUNTER' },
    UpdateExpression: 'ADD n :one',
    ExpressionAttributeValues: { ':one': 1 },
    ...(condition === undefined ? {} : { ConditionExpression: condition }),
  },
});
const read = async (key: { pk: string; sk: string }) =>
  (await clients.doc.send(new GetCommand({ TableName: table, Key: { pk: key.pk, sk: key.sk } }))).Item;

describe('writeEffectOnce', () => {
  it('applies marker and writes together once; a rerun is already-applied and changes nothing', async () => {
    const eventId = randomUUID();
    const pk = `C#${eventId}`;
    const effect = {
      service: 'test',
      eventId,
      tableName: table,
      marker: marker(eventId),
      writes: [counter(pk)],
    };
    expect(await writeEffectOnce(clients.doc, effect)).toBe('applied');
    expect(await writeEffectOnce(clients.doc, effect)).toBe('already-applied');
    expect((await read({ pk, sk: 'COUNTER' }))?.n).toBe(1);
  });

  it('names the write whose condition failed, and applies nothing (not even the marker)', async () => {
    const eventId = randomUUID();
    const ok = `C#${eventId}-ok`;
    const guarded = `C#${eventId}-guarded`;
    const effect = {
      service: 'test',
      eventId,
      tableName: table,
      marker: marker(eventId),
      writes: [counter(ok), counter(guarded, 'attribute_exists(n)')],
    };
    const error = await writeEffectOnce(clients.doc, effect).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EffectCancelledError);
    expect((error as EffectCancelledError).codes).toEqual(['None', 'ConditionalCheckFailed']);
    expect(await read({ pk: ok, sk: 'COUNTER' })).toBeUndefined();
    expect(await read(marker(eventId))).toBeUndefined();
  });

  it('reports already-applied when the marker exists, even if another condition would fail too', async () => {
    const eventId = randomUUID();
    await clients.doc.send(new PutCommand({ TableName: table, Item: marker(eventId) }));
    const effect = {
      service: 'test',
      eventId,
      tableName: table,
      marker: marker(eventId),
      writes: [counter(`C#${eventId}`, 'attribute_exists(n)')],
    };
    expect(await writeEffectOnce(clients.doc, effect)).toBe('already-applied');
  });

  it('writes a one-item effect (its own marker) with a conditional put', async () => {
    const eventId = randomUUID();
    const effect = { service: 'test', eventId, tableName: table, marker: marker(eventId) };
    expect(await writeEffectOnce(clients.doc, effect)).toBe('applied');
    expect(await writeEffectOnce(clients.doc, effect)).toBe('already-applied');
  });

  it('refuses an effect larger than one transaction before sending anything', async () => {
    const eventId = randomUUID();
    const writes = Array.from({ length: MAX_TRANSACT_ITEMS }, (_, i) => counter(`C#${eventId}-${i}`));
    const effect = { service: 'test', eventId, tableName: table, marker: marker(eventId), writes };
    await expect(writeEffectOnce(clients.doc, effect)).rejects.toThrow(OrderEventsError);
    await expect(writeEffectOnce(clients.doc, effect)).rejects.toThrow(
      /101 items does not fit one transaction/,
    );
    expect(await read(marker(eventId))).toBeUndefined();
  });
});

describe('scopedSortKey', () => {
  it('keeps the marker key of an ordinary delivery and gives each replay scope its own, under the same prefix', () => {
    expect(scopedSortKey('RESERVATION#e-1', undefined)).toBe('RESERVATION#e-1');
    expect(scopedSortKey('RESERVATION#e-1', 'r-1')).toBe('RESERVATION#e-1#REPLAY#r-1');
    expect(scopedSortKey('RESERVATION#e-1', 'r-2')).not.toBe(scopedSortKey('RESERVATION#e-1', 'r-1'));
  });

  it('makes a marker per scope: the same scope again is already-applied, a new scope applies', async () => {
    const eventId = randomUUID();
    const scoped = (scope: string | undefined) => ({
      service: 'test',
      eventId,
      tableName: table,
      marker: { pk: `T#${eventId}`, sk: scopedSortKey('MARKER', scope) },
      writes: [counter(`C#${eventId}`)],
    });
    const outcomes = [];
    for (const scope of [undefined, 'r-1', 'r-1', undefined, 'r-2'])
      outcomes.push(await writeEffectOnce(clients.doc, scoped(scope)));
    expect(outcomes).toEqual(['applied', 'applied', 'already-applied', 'already-applied', 'applied']);
    expect(await read({ pk: `C#${eventId}`, sk: 'COUNTER' })).toMatchObject({ n: 3 });
  });
});
