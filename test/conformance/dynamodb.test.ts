/**
 * DynamoDB conformance: the embedded emulator (dynalite 4.0.0 + patches/dynalite+4.0.0.patch) and an
 * independent implementation (moto's `moto_server`) run the same cases through the same SDK calls,
 * and must give identical outcomes: results, error names and messages, cancellation reasons in item
 * order, the items returned on a failed condition, and the table state afterwards. Each case also
 * pins the outcome DynamoDB documents, so two implementations that agree on a wrong answer still fail.
 *
 * Without moto_server on PATH the conformance part skips with a printed reason; under `CI=true` it
 * must run. The cases that need the embedded emulator's internals (transaction conflicts, atomicity
 * under concurrency) follow in their own blocks, against the embedded emulator only.
 */

import { randomUUID } from 'node:crypto';
import { DynamoDBClient, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, LOCAL_CREDENTIALS, LOCAL_REGION, startEmulators } from '../../local/emulators.ts';
import { createEffectTable } from '../unit/helpers/aws.ts';
import { type MotoServer, motoCasesRun, requireMotoServer } from './moto-server.ts';
import { CONDITION_FAILED, cancelledMessage, NONE, type TransactItems } from './transaction-outcomes.ts';

type Item = Record<string, unknown>;

/** What one call did, in a form both implementations can be compared on. */
type Step =
  | { readonly ok: Item }
  | {
      readonly error: string;
      readonly status: number | undefined;
      readonly message: string;
      readonly reasons?: readonly { Code?: string; Message?: string; Item?: unknown }[];
      readonly item?: unknown;
    };

/** A case's outcome: its steps, then the state of the items it names (`null` = absent). */
interface Outcome {
  readonly steps: Step[];
  readonly state: (Item | null)[];
}

/** One DynamoDB implementation, as a case sees it. */
class Backend {
  readonly doc: DynamoDBDocumentClient;
  readonly steps: Step[] = [];

  constructor(private readonly client: DynamoDBClient) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  /** A fresh table with the project's effect-table key (`pk`, `sk`). */
  async table(): Promise<string> {
    const name = `conformance-${randomUUID()}`;
    await createEffectTable(this.client, name);
    return name;
  }

  /** Writes set-up items (not part of the outcome). */
  async seed(table: string, ...items: Item[]): Promise<void> {
    for (const item of items) await this.doc.send(new PutCommand({ TableName: table, Item: item }));
  }

  /** Runs one call and records what it did. */
  async step(call: (doc: DynamoDBDocumentClient) => Promise<object>): Promise<void> {
    this.steps.push(await outcomeOf(() => call(this.doc)));
  }

  /** Shorthand for a TransactWriteItems step. */
  transact(items: TransactItems): Promise<void> {
    return this.step((doc) => doc.send(new TransactWriteCommand({ TransactItems: items })));
  }

  /** The outcome: steps so far and the current state of `keys` in `table`. */
  async outcome(table: string, keys: readonly Item[]): Promise<Outcome> {
    const state: (Item | null)[] = [];
    for (const key of keys) {
      const { Item: item } = await this.doc.send(
        new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
      );
      state.push(item ?? null);
    }
    return { steps: this.steps, state };
  }
}

async function outcomeOf(call: () => Promise<object>): Promise<Step> {
  try {
    const {
      $metadata: _metadata,
      ConsumedCapacity: _cc,
      ItemCollectionMetrics: _icm,
      ...rest
    } = (await call()) as Item;
    return { ok: rest };
  } catch (error) {
    if (!(error instanceof DynamoDBServiceException)) throw error;
    const details = error as DynamoDBServiceException & { CancellationReasons?: unknown[]; Item?: unknown };
    return {
      error: error.name,
      status: error.$metadata.httpStatusCode,
      message: normalizeMessage(error.message),
      ...(details.CancellationReasons ? { reasons: details.CancellationReasons as [] } : {}),
      ...(details.Item ? { item: details.Item } : {}),
    };
  }
}

/**
 * moto leaves the offending value out of a constraint message ("1 validation error detected at
 * 'transactItems' failed …") and ends it with a period; DynamoDB (and dynalite) quote the value.
 * Only that formatting is normalized: the member and the constraint still have to agree.
 */
function normalizeMessage(message: string): string {
  return message.replace(/^(\d+ validation errors? detected): Value .* at '/s, "$1 at '").replace(/\.$/, '');
}

/** A case: what it does to a backend, and what DynamoDB documents as the outcome. */
interface ConformanceCase {
  readonly name: string;
  run(backend: Backend): Promise<Outcome>;
  readonly documented: (outcome: Outcome) => void;
}

/** The marker pattern the consumers use: one marker per event, written only if absent, with the effect. */
function markedEffect(table: string, eventId: string): TransactItems {
  return [
    {
      Put: {
        TableName: table,
        Item: { pk: 'order#7', sk: `marker#${eventId}` },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    {
      Update: {
        TableName: table,
        Key: { pk: 'order#7', sk: 'effect' },
        UpdateExpression: 'ADD applied :one',
        ExpressionAttributeValues: { ':one': 1 },
      },
    },
  ];
}

const cases: ConformanceCase[] = [
  {
    // The embedded emulator reuses parsed expressions (patches/dynalite+4.0.0.patch): the same
    // expression with new values must be evaluated with the new values, every time.
    name: 'the same condition, update and key expressions with new values each time',
    async run(b) {
      const t = await b.table();
      await b.seed(
        t,
        { pk: 'sku#9', sk: 'stock', available: 5 },
        { pk: 'sku#10', sk: 'stock', available: 1 },
      );
      const take = (pk: string, q: number) =>
        b.step((doc) =>
          doc.send(
            new UpdateCommand({
              TableName: t,
              Key: { pk, sk: 'stock' },
              UpdateExpression: 'SET available = available - :q',
              ConditionExpression: 'available >= :q',
              ExpressionAttributeValues: { ':q': q },
              ReturnValues: 'UPDATED_NEW',
            }),
          ),
        );
      await take('sku#9', 2);
      await take('sku#9', 4);
      await take('sku#9', 3);
      await take('sku#10', 1);
      for (const pk of ['sku#9', 'sku#10']) {
        await b.step((doc) =>
          doc.send(
            new QueryCommand({
              TableName: t,
              KeyConditionExpression: 'pk = :p',
              FilterExpression: 'available < :most',
              ExpressionAttributeValues: { ':p': pk, ':most': 1 },
            }),
          ),
        );
      }
      return b.outcome(t, [
        { pk: 'sku#9', sk: 'stock' },
        { pk: 'sku#10', sk: 'stock' },
      ]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [
          { ok: { Attributes: { available: 3 } } },
          expect.objectContaining({ error: 'ConditionalCheckFailedException' }),
          { ok: { Attributes: { available: 0 } } },
          { ok: { Attributes: { available: 0 } } },
          { ok: { Items: [{ pk: 'sku#9', sk: 'stock', available: 0 }], Count: 1, ScannedCount: 1 } },
          { ok: { Items: [{ pk: 'sku#10', sk: 'stock', available: 0 }], Count: 1, ScannedCount: 1 } },
        ],
        state: [
          { pk: 'sku#9', sk: 'stock', available: 0 },
          { pk: 'sku#10', sk: 'stock', available: 0 },
        ],
      }),
  },
  {
    name: 'a transaction applies every item, across tables',
    async run(b) {
      const t = await b.table();
      const other = await b.table();
      await b.seed(t, { pk: 'sku#1', sk: 'stock', available: 5 });
      await b.transact([
        {
          Put: {
            TableName: t,
            Item: { pk: 'sku#1', sk: 'marker#e1' },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: t,
            Key: { pk: 'sku#1', sk: 'stock' },
            UpdateExpression: 'SET available = available - :q',
            ConditionExpression: 'available >= :q',
            ExpressionAttributeValues: { ':q': 2 },
          },
        },
        { Put: { TableName: other, Item: { pk: 'sku#1', sk: 'reservation#e1', quantity: 2 } } },
      ]);
      await b.step((doc) =>
        doc.send(new GetCommand({ TableName: other, Key: { pk: 'sku#1', sk: 'reservation#e1' } })),
      );
      return b.outcome(t, [
        { pk: 'sku#1', sk: 'marker#e1' },
        { pk: 'sku#1', sk: 'stock' },
      ]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [{ ok: {} }, { ok: { Item: { pk: 'sku#1', sk: 'reservation#e1', quantity: 2 } } }],
        state: [
          { pk: 'sku#1', sk: 'marker#e1' },
          { pk: 'sku#1', sk: 'stock', available: 3 },
        ],
      }),
  },
  {
    name: 'one failed condition cancels the whole transaction, reasons in item order',
    async run(b) {
      const t = await b.table();
      await b.seed(t, { pk: 'sku#2', sk: 'stock', available: 1 }, { pk: 'sku#2', sk: 'hold' });
      await b.transact([
        { Put: { TableName: t, Item: { pk: 'sku#2', sk: 'marker#e1' } } },
        {
          Update: {
            TableName: t,
            Key: { pk: 'sku#2', sk: 'stock' },
            UpdateExpression: 'SET available = available - :q',
            ConditionExpression: 'available >= :q',
            ExpressionAttributeValues: { ':q': 2 },
          },
        },
        {
          Delete: {
            TableName: t,
            Key: { pk: 'sku#2', sk: 'hold' },
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        { Put: { TableName: t, Item: { pk: 'sku#2', sk: 'reservation#e1' } } },
      ]);
      return b.outcome(t, [
        { pk: 'sku#2', sk: 'marker#e1' },
        { pk: 'sku#2', sk: 'stock' },
        { pk: 'sku#2', sk: 'hold' },
        { pk: 'sku#2', sk: 'reservation#e1' },
      ]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [
          {
            error: 'TransactionCanceledException',
            status: 400,
            message: cancelledMessage('None', 'ConditionalCheckFailed', 'None', 'None'),
            reasons: [NONE, CONDITION_FAILED, NONE, NONE],
          },
        ],
        state: [null, { pk: 'sku#2', sk: 'stock', available: 1 }, { pk: 'sku#2', sk: 'hold' }, null],
      }),
  },
  {
    name: 'a ConditionCheck on another item guards the writes',
    async run(b) {
      const t = await b.table();
      await b.seed(t, { pk: 'order#3', sk: 'status', status: 'cancelled' });
      const shipIfOpen: TransactItems = [
        {
          ConditionCheck: {
            TableName: t,
            Key: { pk: 'order#3', sk: 'status' },
            ConditionExpression: '#status = :open',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':open': 'open' },
          },
        },
        { Put: { TableName: t, Item: { pk: 'order#3', sk: 'shipment' } } },
      ];
      await b.transact(shipIfOpen);
      await b.step((doc) =>
        doc.send(
          new UpdateCommand({
            TableName: t,
            Key: { pk: 'order#3', sk: 'status' },
            UpdateExpression: 'SET #status = :open',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':open': 'open' },
          }),
        ),
      );
      await b.transact(shipIfOpen);
      return b.outcome(t, [
        { pk: 'order#3', sk: 'status' },
        { pk: 'order#3', sk: 'shipment' },
      ]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [
          {
            error: 'TransactionCanceledException',
            status: 400,
            message: cancelledMessage('ConditionalCheckFailed', 'None'),
            reasons: [CONDITION_FAILED, NONE],
          },
          { ok: {} },
          { ok: {} },
        ],
        state: [
          { pk: 'order#3', sk: 'status', status: 'open' },
          { pk: 'order#3', sk: 'shipment' },
        ],
      }),
  },
  {
    name: 'Update with ADD and SET arithmetic inside a transaction, including an upsert',
    async run(b) {
      const t = await b.table();
      await b.seed(t, { pk: 'day#1', sk: 'totals', orders: 1, revenue: 10.5 });
      await b.transact([
        {
          Update: {
            TableName: t,
            Key: { pk: 'day#1', sk: 'totals' },
            UpdateExpression: 'ADD orders :one, revenue :amount SET lastOrder = :order',
            ExpressionAttributeValues: { ':one': 1, ':amount': 19.99, ':order': 'o-2' },
          },
        },
        {
          Update: {
            TableName: t,
            Key: { pk: 'day#2', sk: 'totals' },
            UpdateExpression: 'SET orders = if_not_exists(orders, :zero) + :one, revenue = :amount',
            ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':amount': 0.01 },
          },
        },
      ]);
      return b.outcome(t, [
        { pk: 'day#1', sk: 'totals' },
        { pk: 'day#2', sk: 'totals' },
      ]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [{ ok: {} }],
        state: [
          { pk: 'day#1', sk: 'totals', orders: 2, revenue: 30.49, lastOrder: 'o-2' },
          { pk: 'day#2', sk: 'totals', orders: 1, revenue: 0.01 },
        ],
      }),
  },
  {
    name: 'Delete in a transaction, conditional and unconditional, of present and absent items',
    async run(b) {
      const t = await b.table();
      await b.seed(t, { pk: 'k', sk: 'a' }, { pk: 'k', sk: 'b' });
      await b.transact([
        { Delete: { TableName: t, Key: { pk: 'k', sk: 'a' }, ConditionExpression: 'attribute_exists(pk)' } },
        { Delete: { TableName: t, Key: { pk: 'k', sk: 'b' } } },
        { Delete: { TableName: t, Key: { pk: 'k', sk: 'absent' } } },
      ]);
      await b.transact([
        { Delete: { TableName: t, Key: { pk: 'k', sk: 'a' }, ConditionExpression: 'attribute_exists(pk)' } },
      ]);
      return b.outcome(t, [
        { pk: 'k', sk: 'a' },
        { pk: 'k', sk: 'b' },
      ]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [
          { ok: {} },
          {
            error: 'TransactionCanceledException',
            status: 400,
            message: cancelledMessage('ConditionalCheckFailed'),
            reasons: [CONDITION_FAILED],
          },
        ],
        state: [null, null],
      }),
  },
  {
    name: 'two operations on one item are a ValidationException, nothing applied',
    async run(b) {
      const t = await b.table();
      await b.transact([
        { Put: { TableName: t, Item: { pk: 'k', sk: 'other' } } },
        { Put: { TableName: t, Item: { pk: 'k', sk: 'same' } } },
        {
          Update: {
            TableName: t,
            Key: { pk: 'k', sk: 'same' },
            UpdateExpression: 'SET v = :v',
            ExpressionAttributeValues: { ':v': 1 },
          },
        },
      ]);
      await b.transact([
        {
          ConditionCheck: {
            TableName: t,
            Key: { pk: 'k', sk: 'same' },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Delete: { TableName: t, Key: { pk: 'k', sk: 'same' } } },
      ]);
      return b.outcome(t, [
        { pk: 'k', sk: 'other' },
        { pk: 'k', sk: 'same' },
      ]);
    },
    documented: (o) => {
      const duplicate = {
        error: 'ValidationException',
        status: 400,
        message: 'Transaction request cannot include multiple operations on one item',
      };
      expect(o).toEqual({ steps: [duplicate, duplicate], state: [null, null] });
    },
  },
  {
    name: 'more than 100 items is a ValidationException, nothing applied; 100 items are accepted',
    async run(b) {
      const t = await b.table();
      const puts = (count: number, prefix: string): TransactItems =>
        Array.from({ length: count }, (_, i) => ({
          Put: { TableName: t, Item: { pk: prefix, sk: `${i}` } },
        }));
      await b.transact(puts(101, 'over'));
      await b.transact(puts(100, 'limit'));
      return b.outcome(t, [
        { pk: 'over', sk: '0' },
        { pk: 'limit', sk: '0' },
        { pk: 'limit', sk: '99' },
      ]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [
          {
            error: 'ValidationException',
            status: 400,
            message:
              "1 validation error detected at 'transactItems' failed to satisfy constraint: " +
              'Member must have length less than or equal to 100',
          },
          { ok: {} },
        ],
        state: [null, { pk: 'limit', sk: '0' }, { pk: 'limit', sk: '99' }],
      }),
  },
  {
    name: 'per-event marker: a rerun resolves to ConditionalCheckFailed on the marker only, effect once',
    async run(b) {
      const t = await b.table();
      await b.transact(markedEffect(t, 'e1'));
      await b.transact(markedEffect(t, 'e1'));
      await b.transact(markedEffect(t, 'e2'));
      return b.outcome(t, [{ pk: 'order#7', sk: 'effect' }]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [
          { ok: {} },
          {
            error: 'TransactionCanceledException',
            status: 400,
            message: cancelledMessage('ConditionalCheckFailed', 'None'),
            reasons: [{ ...CONDITION_FAILED, Item: { pk: { S: 'order#7' }, sk: { S: 'marker#e1' } } }, NONE],
          },
          { ok: {} },
        ],
        state: [{ pk: 'order#7', sk: 'effect', applied: 2 }],
      }),
  },
  {
    name: 'ReturnValuesOnConditionCheckFailure on PutItem, UpdateItem and DeleteItem',
    async run(b) {
      const t = await b.table();
      const key = { pk: 'idem', sk: 'e1' };
      await b.seed(t, { ...key, status: 'COMPLETED', data: 'cached' });
      const insert = {
        TableName: t,
        Item: { ...key, status: 'INPROGRESS' },
        ConditionExpression: 'attribute_not_exists(pk)',
      };
      await b.step((doc) =>
        doc.send(new PutCommand({ ...insert, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })),
      );
      await b.step((doc) =>
        doc.send(new PutCommand({ ...insert, ReturnValuesOnConditionCheckFailure: 'NONE' })),
      );
      await b.step((doc) =>
        doc.send(
          new UpdateCommand({
            TableName: t,
            Key: key,
            UpdateExpression: 'SET #status = :next',
            ConditionExpression: '#status = :expected',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':next': 'EXPIRED', ':expected': 'INPROGRESS' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      await b.step((doc) =>
        doc.send(
          new DeleteCommand({
            TableName: t,
            Key: key,
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      // An absent item has nothing to return.
      await b.step((doc) =>
        doc.send(
          new UpdateCommand({
            TableName: t,
            Key: { pk: 'idem', sk: 'absent' },
            UpdateExpression: 'SET v = :v',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':v': 1 },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return b.outcome(t, [key, { pk: 'idem', sk: 'absent' }]);
    },
    documented: (o) => {
      const failed = {
        error: 'ConditionalCheckFailedException',
        status: 400,
        message: 'The conditional request failed',
      };
      const old = { pk: { S: 'idem' }, sk: { S: 'e1' }, status: { S: 'COMPLETED' }, data: { S: 'cached' } };
      expect(o).toEqual({
        steps: [{ ...failed, item: old }, failed, { ...failed, item: old }, { ...failed, item: old }, failed],
        state: [{ pk: 'idem', sk: 'e1', status: 'COMPLETED', data: 'cached' }, null],
      });
    },
  },
  {
    name: "Powertools idempotency's conditional put: absent, expired or stale in-progress records only",
    async run(b) {
      const t = await b.table();
      const now = 1_700_000_000;
      await b.seed(
        t,
        { pk: 'idem', sk: 'live', status: 'COMPLETED', expiration: now + 3600 },
        { pk: 'idem', sk: 'expired', status: 'COMPLETED', expiration: now - 1 },
        {
          pk: 'idem',
          sk: 'stale',
          status: 'INPROGRESS',
          expiration: now + 3600,
          in_progress_expiration: now * 1000 - 1,
        },
        {
          pk: 'idem',
          sk: 'busy',
          status: 'INPROGRESS',
          expiration: now + 3600,
          in_progress_expiration: now * 1000 + 60_000,
        },
      );
      // The condition Powertools' DynamoDBPersistenceLayer puts its record with.
      for (const sk of ['absent', 'live', 'expired', 'stale', 'busy']) {
        await b.step((doc) =>
          doc.send(
            new PutCommand({
              TableName: t,
              Item: { pk: 'idem', sk, status: 'INPROGRESS', expiration: now + 3600 },
              ConditionExpression:
                'attribute_not_exists(#id) OR #expiry < :now OR ' +
                '(#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
              ExpressionAttributeNames: {
                '#id': 'pk',
                '#expiry': 'expiration',
                '#status': 'status',
                '#in_progress_expiry': 'in_progress_expiration',
              },
              ExpressionAttributeValues: {
                ':now': now,
                ':now_in_millis': now * 1000,
                ':inprogress': 'INPROGRESS',
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
      }
      return b.outcome(t, []);
    },
    documented: (o) => {
      const failed = {
        error: 'ConditionalCheckFailedException',
        status: 400,
        message: 'The conditional request failed',
      };
      expect(o.steps).toEqual([
        { ok: {} },
        { ...failed, item: expect.objectContaining({ sk: { S: 'live' }, status: { S: 'COMPLETED' } }) },
        { ok: {} },
        { ok: {} },
        { ...failed, item: expect.objectContaining({ sk: { S: 'busy' }, status: { S: 'INPROGRESS' } }) },
      ]);
    },
  },
  {
    name: 'ReturnValuesOnConditionCheckFailure inside a transaction, per item',
    async run(b) {
      const t = await b.table();
      await b.seed(
        t,
        { pk: 'r', sk: 'put', v: 1 },
        { pk: 'r', sk: 'update', v: 2 },
        { pk: 'r', sk: 'check', v: 3 },
        { pk: 'r', sk: 'quiet', v: 4 },
      );
      const failing = 'attribute_not_exists(pk)';
      await b.transact([
        {
          Put: {
            TableName: t,
            Item: { pk: 'r', sk: 'put' },
            ConditionExpression: failing,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Update: {
            TableName: t,
            Key: { pk: 'r', sk: 'update' },
            UpdateExpression: 'SET v = :v',
            ConditionExpression: failing,
            ExpressionAttributeValues: { ':v': 0 },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          ConditionCheck: {
            TableName: t,
            Key: { pk: 'r', sk: 'check' },
            ConditionExpression: failing,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Delete: {
            TableName: t,
            Key: { pk: 'r', sk: 'quiet' },
            ConditionExpression: failing,
            ReturnValuesOnConditionCheckFailure: 'NONE',
          },
        },
        {
          Delete: {
            TableName: t,
            Key: { pk: 'r', sk: 'absent' },
            ConditionExpression: 'attribute_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        { Put: { TableName: t, Item: { pk: 'r', sk: 'fine' } } },
      ]);
      return b.outcome(t, [
        { pk: 'r', sk: 'update' },
        { pk: 'r', sk: 'fine' },
      ]);
    },
    documented: (o) => {
      const old = (sk: string, v: number) => ({
        ...CONDITION_FAILED,
        Item: { pk: { S: 'r' }, sk: { S: sk }, v: { N: `${v}` } },
      });
      expect(o).toEqual({
        steps: [
          {
            error: 'TransactionCanceledException',
            status: 400,
            message: cancelledMessage(...Array<string>(5).fill('ConditionalCheckFailed'), 'None'),
            reasons: [
              old('put', 1),
              old('update', 2),
              old('check', 3),
              CONDITION_FAILED,
              CONDITION_FAILED,
              NONE,
            ],
          },
        ],
        state: [{ pk: 'r', sk: 'update', v: 2 }, null],
      });
    },
  },
  {
    name: 'expression attribute names and values belong to their own item',
    async run(b) {
      const t = await b.table();
      await b.seed(t, { pk: 'n', sk: 'a', count: 1 }, { pk: 'n', sk: 'b', total: 5 });
      await b.transact([
        {
          Update: {
            TableName: t,
            Key: { pk: 'n', sk: 'a' },
            UpdateExpression: 'SET #x = #x + :v',
            ConditionExpression: '#x = :was',
            ExpressionAttributeNames: { '#x': 'count' },
            ExpressionAttributeValues: { ':v': 10, ':was': 1 },
          },
        },
        {
          Update: {
            TableName: t,
            Key: { pk: 'n', sk: 'b' },
            UpdateExpression: 'SET #x = #x - :v',
            ConditionExpression: '#x >= :v',
            ExpressionAttributeNames: { '#x': 'total' },
            ExpressionAttributeValues: { ':v': 5 },
          },
        },
      ]);
      return b.outcome(t, [
        { pk: 'n', sk: 'a' },
        { pk: 'n', sk: 'b' },
      ]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [{ ok: {} }],
        state: [
          { pk: 'n', sk: 'a', count: 11 },
          { pk: 'n', sk: 'b', total: 0 },
        ],
      }),
  },
  {
    name: 'TransactGetItems reads items in request order, {} for an absent one',
    async run(b) {
      const t = await b.table();
      const other = await b.table();
      await b.seed(t, { pk: 'g', sk: 'a', v: 1 });
      await b.seed(other, { pk: 'g', sk: 'b', tags: new Set(['x', 'y']) });
      await b.step((doc) =>
        doc.send(
          new TransactGetCommand({
            TransactItems: [
              { Get: { TableName: other, Key: { pk: 'g', sk: 'b' } } },
              { Get: { TableName: t, Key: { pk: 'g', sk: 'absent' } } },
              { Get: { TableName: t, Key: { pk: 'g', sk: 'a' } } },
            ],
          }),
        ),
      );
      return b.outcome(t, []);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [
          {
            ok: {
              Responses: [
                { Item: { pk: 'g', sk: 'b', tags: new Set(['x', 'y']) } },
                {},
                { Item: { pk: 'g', sk: 'a', v: 1 } },
              ],
            },
          },
        ],
        state: [],
      }),
  },
  {
    name: 'an unknown table fails the whole transaction with ResourceNotFoundException',
    async run(b) {
      const t = await b.table();
      await b.transact([
        { Put: { TableName: t, Item: { pk: 'x', sk: 'y' } } },
        { Put: { TableName: `missing-${randomUUID()}`, Item: { pk: 'x', sk: 'y' } } },
      ]);
      return b.outcome(t, [{ pk: 'x', sk: 'y' }]);
    },
    documented: (o) =>
      expect(o).toEqual({
        steps: [{ error: 'ResourceNotFoundException', status: 400, message: 'Requested resource not found' }],
        state: [null],
      }),
  },
];

function clientFor(endpoint: string): DynamoDBClient {
  // The SDK's standard retries cover transport errors, throttling and 5xx only (neither
  // implementation throttles): every outcome compared here is the first answer to the call.
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } });
}

const motoRuns = motoCasesRun(
  'the DynamoDB conformance cases (moto_server is the independent implementation)',
);

describe.skipIf(!motoRuns)('DynamoDB conformance: embedded dynalite vs moto_server', () => {
  let emulators: Emulators | undefined;
  let moto: MotoServer | undefined;
  let embedded: DynamoDBClient;
  let independent: DynamoDBClient;

  beforeAll(async () => {
    emulators = await startEmulators({ snsSqs: false });
    moto = await requireMotoServer();
    embedded = clientFor(emulators.endpoints.dynamodb);
    independent = clientFor(moto.endpoint);
  });
  afterAll(async () => {
    embedded?.destroy();
    independent?.destroy();
    await Promise.all([emulators?.stop(), moto?.stop()]);
  });

  for (const conformanceCase of cases) {
    it(conformanceCase.name, async () => {
      const [ours, theirs] = await Promise.all([
        conformanceCase.run(new Backend(embedded)),
        conformanceCase.run(new Backend(independent)),
      ]);
      expect(ours).toEqual(theirs);
      conformanceCase.documented(ours);
    });
  }
});
