/**
 * `replay <service> --from <time> [--to <time>]`: re-delivers the events of a time range to ONE
 * service.
 *
 * - Standard topic: from the project's archive (the `archive` service keeps every event by
 *   `occurredAt`), re-sent straight to that service's queue, after the service's own subscription
 *   filter — no other queue sees them. Times are the events' `occurredAt`.
 * - FIFO topic: SNS's archive (ArchivePolicy on the topic) replayed through the service's
 *   subscription ReplayPolicy. Times are SNS publish times. Not available on the embedded runtime
 *   (fauxqs has no archive or replay).
 *
 * A replayed event the service processed already is a duplicate (same idempotency key, same effect
 * marker): only events it missed take effect, each once, and re-running a replay applies nothing
 * twice. With `--reprocess` (standard topic only) every message carries a replay id in the
 * `replay-scope` attribute, which the consumer adds to the idempotency key and every effect's
 * marker: each event of the range is applied once more, and re-running with the same `--replay-id`
 * applies nothing more (docs/operations.md, "Reprocess").
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSubscriptionAttributesCommand, SetSubscriptionAttributesCommand } from '@aws-sdk/client-sns';
import { type MessageAttributeValue, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { Argument, Command } from 'commander';
import { ARCHIVE_RETENTION_DAYS, type FilterPolicy, pascalCase } from '../infra/config.ts';
import { archivePartition } from '../lambdas/archive/adapters.ts';
import { ARCHIVE_SERVICE, type ArchivedEvent } from '../lambdas/archive/archive.ts';
import { REPLAY_SCOPE_ATTRIBUTE, replayIdProblem } from '../lambdas/shared/consumer.ts';
import { DlqOperationError } from './dlq.ts';
import type { CommandContext } from './main.ts';
import { UsageError } from './publish.ts';

const DAY_MS = 86_400_000;

/** Options of `replay`. */
export interface ReplayOptions {
  readonly from: string;
  readonly to?: string;
  readonly rate?: number;
  /** Apply again events the service applied already (standard topic). */
  readonly reprocess?: boolean;
  /** With `reprocess`: the replay id to use (resume a replay); default a new one. */
  readonly replayId?: string;
}

/** Options of {@link replayFromArchive}. */
export interface ArchiveReplayOptions extends Pick<ReplayOptions, 'from' | 'to' | 'rate'> {
  /** Send every message in this replay scope (`--reprocess`); undefined: plain replay. */
  readonly replayScope?: string;
}

/** Outcome of a replay from the project archive. */
export interface ArchiveReplayResult {
  readonly method: 'archive';
  readonly service: string;
  readonly from: string;
  readonly to: string;
  /** Archived events in the range. */
  readonly archived: number;
  /** Of those, the ones the service's subscription filter would not deliver (not sent). */
  readonly filteredOut: number;
  /** Sent to the service's queue. */
  readonly sent: number;
  readonly failed: number;
  /** Whether the events were sent to be applied again (`--reprocess`). */
  readonly reprocess: boolean;
  /** With `reprocess`: the replay id the messages carry (run again with it to resume). */
  readonly replayId?: string;
}

/**
 * A new replay id: the UTC time (sortable, readable) and 8 random hex digits, e.g.
 * `20261201T093000Z-5f0c2a9e`.
 */
export function newReplayId(now = new Date()): string {
  const time = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  return `${time}-${randomBytes(4).toString('hex')}`;
}

/**
 * Checks the options of `replay` that need no target.
 *
 * @throws UsageError for `--replay-id` without `--reprocess` or malformed, or `--reprocess` of the
 *   archive (the replay's own source, which keeps one copy per event)
 */
export function checkReplayOptions(service: string, options: ReplayOptions): void {
  if (options.reprocess !== true) {
    if (options.replayId !== undefined) throw new UsageError('--replay-id needs --reprocess');
    return;
  }
  if (service === ARCHIVE_SERVICE) {
    throw new UsageError(
      '--reprocess does not apply to the archive: it is the source of the replay and keeps one copy per event',
    );
  }
  const problem = options.replayId === undefined ? undefined : replayIdProblem(options.replayId);
  if (problem !== undefined) throw new UsageError(`--replay-id "${options.replayId}" ${problem}`);
}

/**
 * The replay id of a `replay` run: undefined without `--reprocess`, else `--replay-id` or a new one.
 * Refuses what `--reprocess` cannot do, before anything is sent.
 *
 * @throws UsageError as {@link checkReplayOptions}, and for `--reprocess` on a FIFO topic (its SNS
 *   replay cannot carry a replay id)
 */
export function replayIdFor(service: string, options: ReplayOptions, fifo: boolean): string | undefined {
  checkReplayOptions(service, options);
  if (options.reprocess !== true) return undefined;
  if (fifo) {
    throw new UsageError(
      '--reprocess is not available on a FIFO topic: its replay is the SNS ReplayPolicy, which re-delivers ' +
        `the messages as published and cannot add the ${REPLAY_SCOPE_ATTRIBUTE} attribute (a FIFO replay ` +
        'applies only the events the service missed; see docs/operations.md)',
    );
  }
  return options.replayId ?? newReplayId();
}

function parseTime(value: string, flag: string): Date {
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw new UsageError(`${flag} "${value}" is not a date/time (e.g. 2026-12-01T09:00:00Z)`);
  return time;
}

/** Validates the range: from <= to, within the archive's retention window (one Query per day). */
export function replayRange(
  from: string,
  to: string | undefined,
  now = new Date(),
): { from: Date; to: Date } {
  const start = parseTime(from, '--from');
  const end = to === undefined ? now : parseTime(to, '--to');
  if (start > end) throw new UsageError(`--from ${start.toISOString()} is after --to ${end.toISOString()}`);
  if (end.getTime() - start.getTime() > (ARCHIVE_RETENTION_DAYS + 1) * DAY_MS) {
    throw new UsageError(
      `the range is longer than the archive keeps events (${ARCHIVE_RETENTION_DAYS} days): narrow --from/--to`,
    );
  }
  return { from: start, to: end };
}

/**
 * Whether the service's subscription delivers an event: SNS semantics (every field must match; a
 * string allow-list, numeric bounds) on the message body, as its FilterPolicyScope MessageBody does.
 */
export function matchesFilterPolicy(policy: FilterPolicy | undefined, body: string): boolean {
  if (policy === undefined) return true;
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return false;
  }
  const at = (path: string): unknown =>
    path
      .split('.')
      .reduce<unknown>(
        (node, key) =>
          typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined,
        event,
      );
  return Object.entries(policy).every(([field, filter]) => {
    if (filter === undefined) return true;
    const value = at(field);
    if (filter.kind === 'string') return typeof value === 'string' && filter.allowlist.includes(value);
    if (typeof value !== 'number') return false;
    return (
      (filter.greaterThan === undefined || value > filter.greaterThan) &&
      (filter.greaterThanOrEqualTo === undefined || value >= filter.greaterThanOrEqualTo) &&
      (filter.lessThan === undefined || value < filter.lessThan) &&
      (filter.lessThanOrEqualTo === undefined || value <= filter.lessThanOrEqualTo)
    );
  });
}

/** Archived events with `from <= occurredAt <= to`, oldest first (one Query per UTC day). */
export async function* archivedEvents(
  doc: DynamoDBDocumentClient,
  tableName: string,
  from: Date,
  to: Date,
): AsyncGenerator<ArchivedEvent> {
  const lower = from.toISOString();
  // '#' < '~': every `<occurredAt>#<eventId>` with occurredAt == to sorts below `<to>#~`.
  const upper = `${to.toISOString()}#~`;
  for (
    let day = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
    day <= to.getTime();
    day += DAY_MS
  ) {
    const pages = paginateQuery(
      { client: doc },
      {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
        ExpressionAttributeValues: {
          ':pk': archivePartition(new Date(day).toISOString().slice(0, 10)),
          ':lower': lower,
          ':upper': upper,
        },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) yield item as ArchivedEvent;
  }
}

/** Replays a range from the project archive to one service's queue. */
export async function replayFromArchive(
  ctx: CommandContext,
  service: string,
  options: ArchiveReplayOptions,
  onProgress: (sent: number) => void = () => undefined,
): Promise<ArchiveReplayResult> {
  const { from, to } = replayRange(options.from, options.to);
  const config = ctx.target.service(service);
  const queueUrl = ctx.target.queues(service).queueUrl;
  const tableName = ctx.target.output(`${pascalCase(ARCHIVE_SERVICE)}EffectTableName`);
  const dynamodb = new DynamoDBClient(ctx.target.clientConfig('dynamodb'));
  const doc = DynamoDBDocumentClient.from(dynamodb);
  let archived = 0;
  let filteredOut = 0;
  let sent = 0;
  let failed = 0;
  const pending: ArchivedEvent[] = [];
  const started = Date.now();
  const scope: Record<string, MessageAttributeValue> =
    options.replayScope === undefined
      ? {}
      : { [REPLAY_SCOPE_ATTRIBUTE]: { DataType: 'String', StringValue: options.replayScope } };
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    const out = await ctx.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((e, i) => ({
          Id: String(i),
          MessageBody: e.body,
          MessageAttributes: { ...e.attributes, ...scope } as Record<string, MessageAttributeValue>,
        })),
      }),
    );
    sent += out.Successful?.length ?? 0;
    failed += out.Failed?.length ?? 0;
    onProgress(sent);
    if (options.rate !== undefined) {
      const due = (sent / options.rate) * 1000 - (Date.now() - started);
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    }
  };
  try {
    for await (const event of archivedEvents(doc, tableName, from, to)) {
      archived++;
      if (!matchesFilterPolicy(config.filterPolicy, event.body)) {
        filteredOut++;
        continue;
      }
      pending.push(event);
      if (pending.length === 10) await flush();
    }
    await flush();
  } finally {
    dynamodb.destroy();
  }
  return {
    method: 'archive',
    service,
    from: from.toISOString(),
    to: to.toISOString(),
    archived,
    filteredOut,
    sent,
    failed,
    reprocess: options.replayScope !== undefined,
    ...(options.replayScope === undefined ? {} : { replayId: options.replayScope }),
  };
}

/** Starts an SNS replay for the service's FIFO subscription and waits until SNS reports the end. */
async function replayFifo(ctx: CommandContext, service: string, options: ReplayOptions, pollMs = 5000) {
  if (ctx.target.kind === 'embedded') {
    throw new UsageError(
      'the embedded runtime has no SNS archive or ReplayPolicy (fauxqs): replay a FIFO stack on AWS',
    );
  }
  const { from, to } = replayRange(options.from, options.to);
  const subscriptionArn = ctx.target.output(`${pascalCase(ctx.target.service(service).name)}SubscriptionArn`);
  await ctx.sns.send(
    new SetSubscriptionAttributesCommand({
      SubscriptionArn: subscriptionArn,
      AttributeName: 'ReplayPolicy',
      AttributeValue: JSON.stringify({
        PointType: 'Timestamp',
        StartingPoint: from.toISOString(),
        EndingPoint: to.toISOString(),
      }),
    }),
  );
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const out = await ctx.sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }),
    );
    const status = out.Attributes?.ReplayStatus ?? 'unknown';
    if (status === 'Completed') {
      return {
        method: 'sns-replay-policy',
        service,
        subscriptionArn,
        from: from.toISOString(),
        to: to.toISOString(),
        status,
      };
    }
    if (status === 'Failed') throw new DlqOperationError(`SNS replay for ${subscriptionArn} failed`);
  }
}

/** Adds `replay` to the program. */
export function registerReplay(
  program: Command,
  serviceArgument: () => Argument,
  context: (command: Command) => Promise<CommandContext>,
): void {
  program
    .command('replay')
    .description(
      'replay the events of a time range to ONE service (standard topic: the project archive; FIFO: the subscription ReplayPolicy)',
    )
    .addArgument(serviceArgument())
    .requiredOption(
      '--from <time>',
      'start of the range (ISO 8601; standard topic: occurredAt, FIFO: publish time)',
    )
    .option('--to <time>', 'end of the range, inclusive (default: now)')
    .option('--rate <perSecond>', 'at most this many messages per second', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0)
        throw new UsageError(`--rate must be a positive number (got "${v}")`);
      return n;
    })
    .option(
      '--reprocess',
      'apply again events the service applied already: once more per replay id (standard topic only; see docs/operations.md)',
      false,
    )
    .option(
      '--replay-id <id>',
      'with --reprocess: resume that replay (nothing applied twice); default a new id',
    )
    .action(async (service: string, opts: ReplayOptions, command: Command) => {
      // What needs no target first: a usage error should not wait for (or depend on) the stack.
      checkReplayOptions(service, opts);
      const ctx = await context(command);
      const replayId = replayIdFor(service, opts, ctx.target.fifo);
      if (ctx.target.fifo) {
        const result = await replayFifo(ctx, service, opts);
        ctx.print(result, () => `${service}: SNS replay ${result.from} … ${result.to} completed`);
        return;
      }
      // Said before anything is sent (on stderr: --json keeps stdout one document), so a replay
      // that dies half-way can be resumed with the same id.
      if (replayId !== undefined) ctx.io.err(`replay id ${replayId} (resume with --replay-id ${replayId})`);
      const bar = ctx.bar(0, `replay ${service}`);
      let result: ArchiveReplayResult;
      try {
        result = await replayFromArchive(
          ctx,
          service,
          { ...opts, ...(replayId === undefined ? {} : { replayScope: replayId }) },
          (sent) => bar.update(sent, sent),
        );
      } finally {
        bar.stop();
      }
      if (result.failed > 0) ctx.fail();
      ctx.print(result, () =>
        [
          `${service}: ${replayId === undefined ? 'replayed' : 'reprocessed'} ${result.sent} of ${result.archived} archived event(s) from ${result.from} to ${result.to}` +
            (result.filteredOut > 0 ? ` (${result.filteredOut} outside its filter)` : ''),
          replayId === undefined
            ? '  events it had processed already are duplicates (no second effect)'
            : `  replay id ${replayId}: each event is applied once more; the same --replay-id again applies nothing more`,
          ...(result.failed > 0
            ? [
                `  ${result.failed} not sent: run again${replayId === undefined ? '' : ` with --replay-id ${replayId}`}`,
              ]
            : []),
        ].join('\n'),
      );
    });
}
