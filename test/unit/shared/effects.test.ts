/** writeEffectOnce against dynalite: all or nothing, the marker decides "already applied". */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EffectCancelledError,
  inItemTurn,
  MAX_TRANSACT_ITEMS,
  scopedSortKey,
  type TransactItem,
  writeEffectOnce,
} from '../../../lambdas/shared/effects.ts';
import { OrderEventsError, TransientError } from '../../../lambdas/shared/errors.ts';
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

describe('writeEffectOnce when transactions collide', () => {
  // dynalite answers TransactionConflict only while another transaction holds the item, which
  // depends on timing; this client plays DynamoDB's part: it answers each TransactWriteItems from a
  // script.
  function scripted(answers: Array<Error | 'ok'>) {
    const tokens: string[] = [];
    const client = {
      send: async (command: TransactWriteCommand) => {
        tokens.push(command.input.ClientRequestToken ?? '');
        const answer = answers[tokens.length - 1] ?? new Error('no more answers');
        if (answer === 'ok') return {};
        throw answer;
      },
    };
    return { db: client as unknown as DynamoDBDocumentClient, tokens };
  }
  const cancelled = (...codes: string[]) =>
    new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: codes.map((Code) => ({ Code })),
    });
  const inProgress = () =>
    Object.assign(new Error('in progress'), { name: 'TransactionInProgressException' });
  const effect = {
    service: 'probe',
    eventId: 'ev-1',
    tableName: table,
    marker: marker('ev-1'),
    writes: [counter('C#collide')],
  };

  // No back-off wait: the retries are what is checked, not how long they wait.
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const noWait = () => vi.spyOn(Math, 'random').mockReturnValue(0);

  it('retries a conflict or a transaction in progress with a new request token each time', async () => {
    noWait();
    const { db, tokens } = scripted([cancelled('None', 'TransactionConflict'), inProgress(), 'ok']);
    expect(await writeEffectOnce(db, effect)).toBe('applied');
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(3);
  });

  it('gives up after 10 colliding attempts with a transient error naming the service and event', async () => {
    noWait();
    const conflict = cancelled('None', 'TransactionConflict');
    const { db, tokens } = scripted(Array.from({ length: 11 }, () => conflict));
    const error = await writeEffectOnce(db, effect).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(
      'probe effect of event ev-1 kept colliding with other transactions',
    );
    expect((error as Error).cause).toBe(conflict);
    expect(tokens).toHaveLength(10);
  });

  it('does not retry when the marker exists, even if another write collided', async () => {
    const { db, tokens } = scripted([cancelled('ConditionalCheckFailed', 'TransactionConflict')]);
    expect(await writeEffectOnce(db, effect)).toBe('already-applied');
    expect(tokens).toHaveLength(1);
  });

  it('passes on any other error, cancellation or not, without retrying', async () => {
    const validation = cancelled('None', 'ValidationError');
    const other = new Error('socket hang up');
    for (const failure of [validation, other]) {
      const { db, tokens } = scripted([failure]);
      expect(await writeEffectOnce(db, effect).catch((e: unknown) => e)).toBe(failure);
      expect(tokens).toHaveLength(1);
    }
  });

  it("names each write's cancellation code in order, keeping the cause", async () => {
    const failure = cancelled('None', 'None', 'ConditionalCheckFailed');
    const { db } = scripted([failure]);
    const error = (await writeEffectOnce(db, { ...effect, writes: [counter('a'), counter('b')] }).catch(
      (e: unknown) => e,
    )) as EffectCancelledError;
    expect(error).toBeInstanceOf(EffectCancelledError);
    expect(error.name).toBe('EffectCancelledError');
    expect(error.codes).toEqual(['None', 'ConditionalCheckFailed']);
    expect(error.message).toBe('effect cancelled: write 0: None, write 1: ConditionalCheckFailed');
    expect(error.cause).toBe(failure);
  });
});

describe('effects of one sandbox that write a common item', () => {
  /** A document client that records how many TransactWriteItems it has in flight at most. */
  function measured() {
    const client = new DynamoDBClient(emulators.clientConfig('dynamodb'));
    const seen = { inFlight: 0, most: 0, sent: 0 };
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
        seen.sent++;
        seen.inFlight++;
        seen.most = Math.max(seen.most, seen.inFlight);
        try {
          return await next(args);
        } finally {
          seen.inFlight--;
        }
      },
      { step: 'initialize', name: 'inFlight' },
    );
    return { doc: DynamoDBDocumentClient.from(client), seen };
  }
  const effectOn = (...counters: string[]) => {
    const eventId = randomUUID();
    return {
      service: 'test',
      eventId,
      tableName: table,
      marker: marker(eventId),
      writes: counters.map((pk) => counter(pk)),
    };
  };

  it('take turns: a batch never has two transactions on one item in flight, so none collides', async () => {
    const { doc, seen } = measured();
    const pk = `C#${randomUUID()}`;
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => writeEffectOnce(doc, effectOn(pk))));
    expect(outcomes).toEqual(Array(10).fill('applied'));
    expect(seen).toEqual({ inFlight: 0, most: 1, sent: 10 });
    expect((await read({ pk, sk: 'COUNTER' }))?.n).toBe(10);
  });

  it('on different items run at once (turns are per item, not per sandbox)', async () => {
    const { doc, seen } = measured();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => writeEffectOnce(doc, effectOn(`C#${randomUUID()}`))),
    );
    expect(outcomes).toEqual(Array(10).fill('applied'));
    expect(seen.most).toBe(10);
  });

  it('on items of one key in different tables, and through every kind of operation, turns follow the item', async () => {
    const other = `effects-other-${randomUUID().slice(0, 8)}`;
    await createEffectTable(clients.dynamodb, other);
    const key = { pk: `C#${randomUUID()}`, sk: 'COUNTER' };
    const on = (write: TransactItem) => {
      const eventId = randomUUID();
      return { service: 'test', eventId, tableName: table, marker: marker(eventId), writes: [write] };
    };
    const update = (t: string): TransactItem => ({
      Update: {
        TableName: t,
        Key: key,
        UpdateExpression: 'ADD n :one',
        ExpressionAttributeValues: { ':one': 1 },
      },
    });
    const check = (t: string): TransactItem => ({
      ConditionCheck: { TableName: t, Key: key, ConditionExpression: 'attribute_not_exists(x)' },
    });
    const remove = (t: string): TransactItem => ({ Delete: { TableName: t, Key: { ...key, sk: 'GONE' } } });
    // The same key in two tables is two items: their effects run at once, whatever the operation.
    for (const op of [update, check, remove]) {
      const { doc, seen } = measured();
      await Promise.all([writeEffectOnce(doc, on(op(table))), writeEffectOnce(doc, on(op(other)))]);
      expect(seen.most).toBe(2);
    }
    // One item written by one effect and checked by another: they take turns.
    const { doc, seen } = measured();
    await Promise.all([writeEffectOnce(doc, on(update(table))), writeEffectOnce(doc, on(check(table)))]);
    expect(seen.most).toBe(1);
  });

  it('with crossing sets of items all complete (no two wait for each other), each applied once', async () => {
    const { doc, seen } = measured();
    const [a, b, c] = [`C#${randomUUID()}`, `C#${randomUUID()}`, `C#${randomUUID()}`];
    const effects = [effectOn(a, b), effectOn(b, a), effectOn(b, c), effectOn(c, a), effectOn(a, b, c)];
    const outcomes = await Promise.all(effects.map((e) => writeEffectOnce(doc, e)));
    expect(outcomes).toEqual(Array(5).fill('applied'));
    expect(seen.most).toBe(1);
    expect([(await read({ pk: a, sk: 'COUNTER' }))?.n, (await read({ pk: b, sk: 'COUNTER' }))?.n]).toEqual([
      4, 4,
    ]);
    expect((await read({ pk: c, sk: 'COUNTER' }))?.n).toBe(3);
  });

  it('a turn that fails releases its items to the next one', async () => {
    const order: string[] = [];
    const first = inItemTurn(['k'], async () => {
      order.push('first');
      throw new Error('write failed');
    });
    const second = inItemTurn(['k'], async () => {
      order.push('second');
      return 'ok';
    });
    await expect(first).rejects.toThrow('write failed');
    await expect(second).resolves.toBe('ok');
    expect(order).toEqual(['first', 'second']);
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
