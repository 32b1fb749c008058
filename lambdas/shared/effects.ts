/**
 * Exactly-once effects in DynamoDB. Every effect of a consumer is ONE atomic write that also creates a
 * per-event marker item conditioned on its absence, so whatever runs the effect again (a redelivery
 * after a crash past the commit, an SDK retry of a write that was applied but answered 500, a
 * concurrent duplicate, an idempotency record that expired or was never marked COMPLETED) finds the
 * marker and resolves to "already applied" instead of applying the effect twice. See
 * docs/architecture.md ("Exactly-once effects").
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { OrderEventsError, TransientError } from './errors.ts';

/** One operation of a TransactWriteItems request (document client shapes). */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit of operations in one TransactWriteItems request. */
export const MAX_TRANSACT_ITEMS = 100;

/** What an effect write did: applied now, or found its marker (applied before, by any attempt). */
export type EffectOutcome = 'applied' | 'already-applied';

/** What a consumer's business function did with a record: its effect's outcome, or nothing to do. */
export type RecordOutcome = EffectOutcome | 'skipped';

/**
 * The sort key of an effect's per-event marker in a replay scope: `sk` itself for an ordinary
 * delivery (the keys every effect had before replays could reprocess), `<sk>#REPLAY#<replayId>` for
 * a `replay --reprocess` delivery, so each replay id has its own marker and applies the effect once
 * more. Replay ids contain no `#` (replayIdProblem), so a prefix query on `sk` finds every scope.
 */
export function scopedSortKey(sk: string, replayScope: string | undefined): string {
  return replayScope === undefined ? sk : `${sk}#REPLAY#${replayScope}`;
}

/** One effect: the marker and the other writes that commit with it, all or none. */
export interface EffectWrite {
  /** Consumer service (named in errors). */
  readonly service: string;
  /** Canonical eventId of the fact (named in errors). */
  readonly eventId: string;
  /** Effect table of the marker. */
  readonly tableName: string;
  /** The per-event marker item (with its `pk` and `sk`); written only if no item has its key. */
  readonly marker: Record<string, unknown>;
  /** The effect's other writes; each may carry its own condition. */
  readonly writes?: readonly TransactItem[];
}

/**
 * The effect's transaction was cancelled by a condition of one of its writes (not the marker's):
 * `codes[i]` is DynamoDB's cancellation code of `writes[i]` (`None` for the ones that passed), so
 * a caller can tell which write failed its condition (inventory reads its short SKUs from it).
 */
export class EffectCancelledError extends OrderEventsError {
  /** Cancellation code per write, in the order of `writes`. */
  readonly codes: readonly string[];

  constructor(codes: readonly string[], options?: ErrorOptions) {
    super(`effect cancelled: ${codes.map((c, i) => `write ${i}: ${c}`).join(', ')}`, options);
    this.codes = codes;
  }
}

/** Attempts of a transaction that collided with another one on an item (TransactionConflict). */
const CONFLICT_ATTEMPTS = 10;
const CONFLICT_BASE_DELAY_MS = 20;
const CONFLICT_MAX_DELAY_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The last turn taken on each item this sandbox is writing in a transaction. The records of a batch
 * run concurrently (BatchProcessor), and two of them writing one item (a day's shard, a hot SKU, a
 * duplicate's marker) in two transactions at once collide: DynamoDB cancels one with
 * TransactionConflict, and it retries after a backoff. Taking turns per item keeps a batch from
 * colliding with itself; a collision with another sandbox is still retried below.
 */
const itemTurns = new Map<string, Promise<void>>();

/** The item a transaction operation writes or checks: its table and its `pk`/`sk` key. */
function transactItemKey(item: TransactItem): string {
  const op = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
  const key = (item.Put?.Item ?? item.Update?.Key ?? item.Delete?.Key ?? item.ConditionCheck?.Key ?? {}) as {
    pk?: unknown;
    sk?: unknown;
  };
  return JSON.stringify([op?.TableName, key.pk, key.sk]);
}

/**
 * Runs `write` once every earlier turn on any of `keys` is over. A caller enters the queue of all its
 * keys in one synchronous step, so each queue is in the same order and no two callers can each wait
 * for the other.
 */
export async function inItemTurn<T>(keys: readonly string[], write: () => Promise<T>): Promise<T> {
  let release = (): void => undefined;
  const turn = new Promise<void>((resolve) => {
    release = resolve;
  });
  const unique = [...new Set(keys)];
  const before = unique.map((key) => {
    const previous = itemTurns.get(key);
    itemTurns.set(key, turn);
    return previous;
  });
  try {
    await Promise.all(before);
    return await write();
  } finally {
    release();
    for (const key of unique) if (itemTurns.get(key) === turn) itemTurns.delete(key);
  }
}

/**
 * Writes an effect and its per-event marker atomically.
 *
 * One item (the marker is the effect itself): a conditional PutItem, as atomic as a one-item
 * transaction at half the write units. More: one TransactWriteItems with the marker first; a
 * `ConditionalCheckFailed` on the marker means the effect was applied before. Effects of this
 * sandbox that write a common item take turns ({@link inItemTurn}); a TransactionConflict (another
 * sandbox's transaction holds one of the items right now) is retried with jittered backoff.
 *
 * @returns `applied`, or `already-applied` when the marker exists
 * @throws EffectCancelledError when a condition of one of `writes` failed (nothing applied)
 * @throws TransientError when the transaction kept colliding with others (nothing applied)
 */
export async function writeEffectOnce(
  db: DynamoDBDocumentClient,
  effect: EffectWrite,
): Promise<EffectOutcome> {
  const markerPut = {
    TableName: effect.tableName,
    Item: effect.marker,
    ConditionExpression: 'attribute_not_exists(pk)',
  };
  const writes = effect.writes ?? [];
  if (writes.length === 0) {
    try {
      await db.send(new PutCommand(markerPut));
      return 'applied';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'already-applied';
      throw error;
    }
  }

  const items: TransactItem[] = [{ Put: markerPut }, ...writes];
  if (items.length > MAX_TRANSACT_ITEMS) {
    throw new OrderEventsError(
      `an effect of ${items.length} items does not fit one transaction (at most ${MAX_TRANSACT_ITEMS})`,
    );
  }
  return inItemTurn(items.map(transactItemKey), () => transactOnce(db, effect, items));
}

/** The transaction of {@link writeEffectOnce}, retried while it collides with another sandbox's. */
async function transactOnce(
  db: DynamoDBDocumentClient,
  effect: EffectWrite,
  items: readonly TransactItem[],
): Promise<EffectOutcome> {
  // One token per call, shared by the SDK's retries of it: a retry of a transaction that was
  // applied but answered 500 is answered from DynamoDB's 10-minute token memory, not applied again.
  // Not derived from the event alone: a rerun within those 10 minutes would then replay the first
  // success (reporting a duplicate as applied) or, with a different request, fail with
  // IdempotentParameterMismatch. Reruns are the marker's job, at any distance in time.
  // A new call (and token) per attempt after a conflict: a cancelled call is not replayed.
  for (let attempt = 1; ; attempt++) {
    try {
      await db.send(
        new TransactWriteCommand({ TransactItems: [...items], ClientRequestToken: randomUUID() }),
      );
      return 'applied';
    } catch (error) {
      const codes = cancellationCodes(error);
      const busy =
        (error as Error).name === 'TransactionInProgressException' ||
        (codes !== undefined &&
          codes[0] !== 'ConditionalCheckFailed' &&
          codes.includes('TransactionConflict'));
      if (busy) {
        if (attempt >= CONFLICT_ATTEMPTS) {
          throw new TransientError(
            `${effect.service} effect of event ${effect.eventId} kept colliding with other transactions`,
            {
              cause: error,
            },
          );
        }
        const cap = Math.min(CONFLICT_MAX_DELAY_MS, CONFLICT_BASE_DELAY_MS * 2 ** attempt);
        await sleep(Math.random() * cap);
        continue;
      }
      if (codes === undefined) throw error;
      if (codes[0] === 'ConditionalCheckFailed') return 'already-applied';
      if (codes.slice(1).includes('ConditionalCheckFailed'))
        throw new EffectCancelledError(codes.slice(1), { cause: error });
      throw error;
    }
  }
}

/** Cancellation codes of a TransactionCanceledException, in item order; undefined for other errors. */
function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}
