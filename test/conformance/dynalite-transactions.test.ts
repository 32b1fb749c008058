/**
 * TransactWriteItems behaviour of the embedded DynamoDB (dynalite + patches/dynalite+4.0.0.patch) that
 * dynamodb.test.ts cannot compare with moto_server: moto handles one request at a time, so it never
 * reports a TransactionConflict and never interleaves writes. These tests assert the behaviour
 * DynamoDB documents, against the embedded emulator only.
 */

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { createEffectTable, itemsOf } from '../unit/helpers/aws.ts';
import {
  CONDITION_FAILED,
  CONFLICT,
  cancelledMessage,
  NONE,
  type TransactItems,
} from './transaction-outcomes.ts';

let emulators: Emulators;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  emulators = await startEmulators({ snsSqs: false });
  // The SDK's standard retries stay on: they cover only transport errors, throttling and 5xx (a
  // keep-alive socket closed under a loaded machine, say), never a cancelled transaction or a failed
  // condition, and the token the SDK keeps across them makes a retried transaction apply once.
  client = new DynamoDBClient(emulators.clientConfig('dynamodb'));
  doc = DynamoDBDocumentClient.from(client);
});
afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

async function freshTable(): Promise<string> {
  const name = `tx-${randomUUID()}`;
  await createEffectTable(client, name);
  return name;
}

/** The CancellationReasons of a cancelled transaction; any other outcome fails the test. */
async function cancellationReasons(call: Promise<unknown>): Promise<unknown[]> {
  const error = await call.then(
    () => expect.fail('the transaction was applied'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransactionCanceledException);
  return (error as TransactionCanceledException).CancellationReasons ?? [];
}

/**
 * Waits before the next try of a transaction that lost a conflict: exponential with full jitter, as
 * the SDK backs off, so that contenders spread out instead of colliding again at once.
 */
function backOff(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
}

/** Hang guard of the concurrency tests, generous for a loaded machine (not a timing assertion). */
const CONCURRENCY_GUARD_MS = 120_000;

function transact(items: TransactItems): Promise<unknown> {
  return doc.send(new TransactWriteCommand({ TransactItems: items }));
}

describe('TransactWriteItems on the embedded DynamoDB', () => {
  it('surfaces TransactionCanceledException and ConditionalCheckFailedException with their details (SDK v3)', async () => {
    const t = await freshTable();
    await doc.send(new PutCommand({ TableName: t, Item: { pk: 'e', sk: 'x', v: 1 } }));
    const insertOnly = {
      Item: { pk: 'e', sk: 'x' },
      ConditionExpression: 'attribute_not_exists(pk)',
    } as const;
    const reasons = await cancellationReasons(
      transact([
        { Put: { TableName: t, ...insertOnly, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
        { Put: { TableName: t, Item: { pk: 'e', sk: 'y' } } },
      ]),
    );
    expect(reasons).toEqual([
      { ...CONDITION_FAILED, Item: { pk: { S: 'e' }, sk: { S: 'x' }, v: { N: '1' } } },
      NONE,
    ]);

    const single = doc.send(
      new PutCommand({ TableName: t, ...insertOnly, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
    );
    await expect(single).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(single).rejects.toMatchObject({ Item: { pk: { S: 'e' }, sk: { S: 'x' }, v: { N: '1' } } });
  });

  it('reports an update it cannot apply as a ValidationError cancellation reason, applying nothing', async () => {
    // DynamoDB's documented reason code; moto_server answers a plain ValidationException instead,
    // which is why this case is not in the conformance file.
    const t = await freshTable();
    await doc.send(new PutCommand({ TableName: t, Item: { pk: 'v', sk: 'item', label: 'text' } }));
    const reasons = await cancellationReasons(
      transact([
        { Put: { TableName: t, Item: { pk: 'v', sk: 'other' } } },
        {
          Update: {
            TableName: t,
            Key: { pk: 'v', sk: 'item' },
            UpdateExpression: 'SET amount = absentAttribute + :one',
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
      ]),
    );
    expect(reasons).toEqual([
      NONE,
      {
        Code: 'ValidationError',
        Message: 'The provided expression refers to an attribute that does not exist in the item',
      },
    ]);
    expect(await itemsOf(doc, t, 'v')).toEqual([{ pk: 'v', sk: 'item', label: 'text' }]);
  });

  it('applies a request once per ClientRequestToken, as DynamoDB does for 10 minutes', async () => {
    const t = await freshTable();
    const addOne: TransactItems = [
      {
        Update: {
          TableName: t,
          Key: { pk: 'token', sk: 'counter' },
          UpdateExpression: 'ADD applied :one',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    ];
    // The SDK fills in a token of its own and keeps it across its retries: a retry after a lost
    // response (applied, then answered 500) is answered success without applying twice.
    const sentTokens: unknown[] = [];
    const probe = DynamoDBDocumentClient.from(new DynamoDBClient({ ...emulators.clientConfig('dynamodb') }));
    probe.middlewareStack.add(
      (next) => async (args) => {
        const body = (args.request as { body?: unknown }).body;
        if (body instanceof Uint8Array)
          sentTokens.push(JSON.parse(new TextDecoder().decode(body)).ClientRequestToken);
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    await probe.send(new TransactWriteCommand({ TransactItems: addOne }));
    probe.destroy();
    expect(sentTokens).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);

    const token = randomUUID();
    await doc.send(new TransactWriteCommand({ TransactItems: addOne, ClientRequestToken: token }));
    await doc.send(new TransactWriteCommand({ TransactItems: addOne, ClientRequestToken: token }));
    const { Item: counter } = await doc.send(
      new GetCommand({ TableName: t, Key: { pk: 'token', sk: 'counter' }, ConsistentRead: true }),
    );
    expect(counter?.applied).toBe(2);

    const other = doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: t, Item: { pk: 'token', sk: 'other' } } }],
        ClientRequestToken: token,
      }),
    );
    await expect(other).rejects.toMatchObject({ name: 'IdempotentParameterMismatchException' });
  });

  it('cancels a transaction on an item held by an in-flight transaction (TransactionConflict), applying none of it', async () => {
    // Which of two colliding transactions arrives while the other is in flight is a matter of timing,
    // on DynamoDB as here. So rounds of concurrent transactions on one counter run until a collision
    // has been seen (ROUNDS is only a hang guard), and every round checks that each loser was
    // cancelled as a whole, with TransactionConflict on the contested item and None on its own.
    const ROUNDS = 50;
    const PER_ROUND = 10;
    const t = await freshTable();
    let winners = 0;
    let conflicts = 0;
    for (let round = 0; round < ROUNDS && conflicts === 0; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: PER_ROUND }, (_, i) =>
          transact([
            {
              Update: {
                TableName: t,
                Key: { pk: 'contested', sk: 'counter' },
                UpdateExpression: 'ADD applied :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            { Put: { TableName: t, Item: { pk: 'own', sk: `${round}-${i}` } } },
          ]),
        ),
      );
      for (const result of results) {
        if (result.status === 'fulfilled') {
          winners++;
          continue;
        }
        conflicts++;
        expect(result.reason).toBeInstanceOf(TransactionCanceledException);
        expect(result.reason).toMatchObject({
          message: cancelledMessage('TransactionConflict', 'None'),
          CancellationReasons: [CONFLICT, NONE],
        });
      }
      const { Item: counter } = await doc.send(
        new GetCommand({ TableName: t, Key: { pk: 'contested', sk: 'counter' }, ConsistentRead: true }),
      );
      expect(counter?.applied ?? 0).toBe(winners);
      expect(await itemsOf(doc, t, 'own')).toHaveLength(winners);
    }
    expect(
      conflicts,
      `no collision in ${ROUNDS} rounds of ${PER_ROUND} concurrent transactions`,
    ).toBeGreaterThan(0);
  });

  it(
    'TransactGetItems sees transactions whole: a transfer between two items never shows half done',
    async () => {
      const t = await freshTable();
      const a = { pk: 'balance', sk: 'a' };
      const b = { pk: 'balance', sk: 'b' };
      await doc.send(new PutCommand({ TableName: t, Item: { ...a, units: 20 } }));
      await doc.send(new PutCommand({ TableName: t, Item: { ...b, units: 0 } }));
      /** Moves one unit; retried while it collides. True when it moved, false when `from` was empty. */
      const move = async (from: typeof a, to: typeof a): Promise<boolean> => {
        for (let attempt = 0; ; attempt++) {
          try {
            await transact([
              {
                Update: {
                  TableName: t,
                  Key: from,
                  UpdateExpression: 'SET units = units - :one',
                  ConditionExpression: 'units >= :one',
                  ExpressionAttributeValues: { ':one': 1 },
                },
              },
              {
                Update: {
                  TableName: t,
                  Key: to,
                  UpdateExpression: 'ADD units :one',
                  ExpressionAttributeValues: { ':one': 1 },
                },
              },
            ]);
            return true;
          } catch (error) {
            const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
            if (!reasons.some((r) => r.Code === 'TransactionConflict')) return false;
            await backOff(attempt);
          }
        }
      };
      const read = async (): Promise<number | 'conflict'> => {
        try {
          const { Responses } = await doc.send(
            new TransactGetCommand({
              TransactItems: [
                { Get: { TableName: t, Key: a, ProjectionExpression: 'units' } },
                { Get: { TableName: t, Key: b, ProjectionExpression: 'units' } },
              ],
            }),
          );
          expect(Responses?.map((r) => Object.keys(r.Item ?? {}))).toEqual([['units'], ['units']]);
          return (Responses ?? []).reduce((sum, r) => sum + Number(r.Item?.units), 0);
        } catch (error) {
          expect((error as TransactionCanceledException).CancellationReasons).toContainEqual(CONFLICT);
          return 'conflict';
        }
      };
      /** A read retried while it collides, so every read answers (how many collide is timing). */
      const readWhole = async (): Promise<number> => {
        for (let attempt = 0; ; attempt++) {
          const sum = await read();
          if (sum !== 'conflict') return sum;
          await backOff(attempt);
        }
      };
      const [moves, sums] = await Promise.all([
        Promise.all(Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? move(b, a) : move(a, b)))),
        Promise.all(Array.from({ length: 30 }, readWhole)),
      ]);
      // Every read saw both items of every transfer, or neither.
      expect(new Set(sums)).toEqual(new Set([20]));
      expect(await read()).toBe(20);
      const moved =
        moves.filter((m, i) => m && i % 3 !== 2).length - moves.filter((m, i) => m && i % 3 === 2).length;
      const { Item: finalB } = await doc.send(new GetCommand({ TableName: t, Key: b, ConsistentRead: true }));
      expect(finalB?.units).toBe(moved);
    },
    CONCURRENCY_GUARD_MS,
  );

  it(
    'stays atomic and serializable under concurrency: 50 transactions and 20 single writes on one stock item',
    async () => {
      const STOCK = 30;
      const t = await freshTable();
      const stockKey = { pk: 'sku#A', sk: 'stock' };
      await doc.send(new PutCommand({ TableName: t, Item: { ...stockKey, available: STOCK } }));
      const decrement = {
        TableName: t,
        Key: stockKey,
        UpdateExpression: 'SET available = available - :one',
        ConditionExpression: 'available >= :one',
        ExpressionAttributeValues: { ':one': 1 },
      };

      /** One reservation: stock −1 and its marker, together or not at all; retried while it collides. */
      async function reserve(orderId: string): Promise<'reserved' | 'out of stock'> {
        for (let attempt = 0; ; attempt++) {
          try {
            await transact([
              { Update: decrement },
              {
                Put: {
                  TableName: t,
                  Item: { pk: 'marker', sk: orderId },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ]);
            return 'reserved';
          } catch (error) {
            const reasons = (error as TransactionCanceledException).CancellationReasons;
            if (reasons?.some((r) => r.Code === 'TransactionConflict')) {
              await backOff(attempt);
              continue;
            }
            expect(error).toMatchObject({
              name: 'TransactionCanceledException',
              CancellationReasons: [CONDITION_FAILED, NONE],
            });
            return 'out of stock';
          }
        }
      }
      async function takeOne(): Promise<'taken' | 'out of stock'> {
        try {
          await doc.send(new UpdateCommand(decrement));
          return 'taken';
        } catch (error) {
          expect(error).toBeInstanceOf(ConditionalCheckFailedException);
          return 'out of stock';
        }
      }

      const [reservations, singles] = await Promise.all([
        Promise.all(Array.from({ length: 50 }, (_, i) => reserve(`order-${i}`))),
        Promise.all(Array.from({ length: 20 }, () => takeOne())),
      ]);
      const reserved = reservations.filter((r) => r === 'reserved').length;
      const taken = singles.filter((r) => r === 'taken').length;
      const { Item: stock } = await doc.send(
        new GetCommand({ TableName: t, Key: stockKey, ConsistentRead: true }),
      );

      // 70 claims on 30 units: every unit went to exactly one claim, and never below zero.
      expect(reserved + taken).toBe(STOCK);
      expect(stock?.available).toBe(0);
      // A marker exists for exactly the reservations that took a unit.
      expect(await itemsOf(doc, t, 'marker')).toHaveLength(reserved);
    },
    CONCURRENCY_GUARD_MS,
  );
});
