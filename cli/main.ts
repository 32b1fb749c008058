/**
 * The `order-events` CLI: day-two operations on a deployment — publish orders, watch queue and DLQ
 * status, peek / redrive / purge DLQs, replay archived events to one service. The same commands run
 * against the embedded runtime (`npm start -- --keep`), LocalStack and AWS (see cli/target.ts).
 *
 * Exit codes: 0 done; 1 the operation failed or did not complete (e.g. messages left behind);
 * 2 usage error or invalid input (nothing was changed); 3 the target could not be resolved.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import cliProgress from 'cli-progress';
import { Argument, Command, CommanderError, Option } from 'commander';
import { stackName } from '../infra/config.ts';
import { POISON_ATTRIBUTE } from '../lambdas/shared/consumer.ts';
import { ContractViolationError, PublishFailedError } from '../lambdas/shared/errors.ts';
import { RUNTIME_DESCRIPTOR_FILE } from '../local/runtime-descriptor.ts';
import {
  peekQueue,
  purgeQueue,
  queueDepth,
  type RedriveResult,
  redriveByCopy,
  redriveByMoveTask,
} from './dlq.ts';
import { type Cell, table } from './format.ts';
import { orderFromFile, orderFromFlags, publishPaced, syntheticOrder, UsageError } from './publish.ts';
import { registerReplay } from './replay.ts';
import { readStatus, type ServiceStatus } from './status.ts';
import {
  type OperateTarget,
  resolveTarget,
  SERVICE_NAMES,
  TARGET_KINDS,
  TargetError,
  type TargetKind,
} from './target.ts';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2, target: 3 } as const;

/** Where the CLI writes; tests capture it, the bin writes to the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Draw progress bars (on stderr) for long operations. */
  readonly progress: boolean;
}

/** The process's stdout/stderr; progress bars only on a terminal. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    progress: process.stderr.isTTY === true,
  };
}

/** Global options, available to every command. */
interface GlobalOptions {
  readonly target: TargetKind;
  readonly runtimeFile: string;
  readonly stack: string;
  readonly outputsFile?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly json: boolean;
}

/** What an action gets: the resolved target, SDK clients, and output helpers. */
export interface CommandContext {
  readonly target: OperateTarget;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly json: boolean;
  readonly io: CliIo;
  /** Prints `data` as JSON with --json, `human()` otherwise. */
  print(data: unknown, human: () => string): void;
  /** A progress bar (no-op without a terminal or with --json). */
  bar(total: number, label: string): { update(value: number, total?: number): void; stop(): void };
  /** Sets the exit code (1 when the operation did not fully complete). */
  fail(): void;
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`${name} must be a positive integer (got "${value}")`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new UsageError(`${name} must be a positive number (got "${value}")`);
    return n;
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The `<service>` argument: one of the services of infra/config.ts. */
export function serviceArgument(): Argument {
  return new Argument('<service>', 'consumer service').choices(SERVICE_NAMES);
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const clients: Array<{ destroy(): void }> = [];

  const context = async (command: Command): Promise<CommandContext> => {
    const g = command.optsWithGlobals<GlobalOptions>();
    const target = await resolveTarget({
      target: g.target,
      runtimeFile: g.runtimeFile,
      stack: g.stack,
      ...(g.outputsFile === undefined ? {} : { outputsFile: g.outputsFile }),
      ...(g.endpoint === undefined ? {} : { endpoint: g.endpoint }),
      ...(g.region === undefined ? {} : { region: g.region }),
    });
    const sqs = new SQSClient(target.clientConfig('sqs'));
    const sns = new SNSClient(target.clientConfig('sns'));
    clients.push(sqs, sns);
    return {
      target,
      sqs,
      sns,
      json: g.json,
      io,
      print: (data, human) => io.out(g.json ? JSON.stringify(data, null, 2) : human()),
      bar: (total, label) => {
        if (!io.progress || g.json) return { update: () => undefined, stop: () => undefined };
        const bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
        return {
          update: (value, newTotal) => {
            if (newTotal !== undefined) bar.setTotal(newTotal);
            bar.update(value);
          },
          stop: () => bar.stop(),
        };
      },
      fail: () => {
        exitCode = EXIT.failed;
      },
    };
  };

  const program = new Command('order-events')
    .description('Operate an order-events deployment: publish, status, DLQ peek/redrive/purge, replay.')
    .addOption(
      new Option('--target <kind>', 'where the stack runs')
        .choices(TARGET_KINDS)
        .env('ORDER_EVENTS_TARGET')
        .default('embedded'),
    )
    .option(
      '--runtime-file <path>',
      'embedded: the file `npm start -- --keep` writes',
      RUNTIME_DESCRIPTOR_FILE,
    )
    .option('--stack <name>', 'localstack/aws: stack name (outputs via DescribeStacks)', stackName())
    .option('--outputs-file <path>', 'localstack/aws: read outputs from a `cdk deploy --outputs-file` file')
    .option(
      '--endpoint <url>',
      'localstack: endpoint (default AWS_ENDPOINT_URL or localhost.localstack.cloud:4566)',
    )
    .option('--region <region>', 'region (default AWS_REGION)')
    .option('--json', 'machine-readable JSON output', false)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  program.addHelpText(
    'after',
    '\nExit codes: 0 done, 1 failed or incomplete, 2 usage error or invalid input, 3 target not found.',
  );

  program
    .command('publish')
    .description('publish one order (flags or --file) or --count synthetic orders at --rate per second')
    .option('--file <path>', 'JSON file with one order (or one OrderPlaced event)')
    .option('--order-id <id>', 'order id (default: generated)')
    .option('--customer-id <id>', 'customer id (the FIFO message group)')
    .option('--email <address>', 'customer e-mail')
    .option('--item <sku:quantity:unitPrice>', 'an order line, repeatable (default SKU-1:1:10)', collect)
    .option('--currency <code>', 'ISO 4217 currency', 'EUR')
    .option('--ship-to <line1|city|postalCode|country>', 'shipping address')
    .option('--count <n>', 'publish n synthetic orders', positiveInt('--count'))
    .option('--rate <perSecond>', 'with --count: at most this many per second', positiveNumber('--rate'))
    .action(async (opts: PublishOptions, command: Command) => {
      const ctx = await context(command);
      await publishCommand(ctx, opts);
    });

  program
    .command('status')
    .description(
      'per service: visible, in flight, age of oldest, DLQ and subscription-DLQ depth (+ alarms on AWS)',
    )
    .option('--watch', 'refresh until interrupted', false)
    .option(
      '--interval <seconds>',
      'with --watch: seconds between refreshes',
      positiveNumber('--interval'),
      5,
    )
    .option('--iterations <n>', 'with --watch: stop after n refreshes', positiveInt('--iterations'))
    .action(async (opts: { watch: boolean; interval: number; iterations?: number }, command: Command) => {
      const ctx = await context(command);
      await statusCommand(ctx, opts);
    });

  const dlq = program.command('dlq').description("inspect and empty a service's dead-letter queues");
  dlq
    .command('peek')
    .description('list DLQ messages with their reason attributes (without consuming them)')
    .addArgument(serviceArgument())
    .option('--subscription', "the subscription's DLQ (SNS could not deliver) instead of the queue's", false)
    .option('--max <n>', 'at most n messages', positiveInt('--max'), 100)
    .action(async (service: string, opts: { subscription: boolean; max: number }, command: Command) => {
      const ctx = await context(command);
      const url = dlqUrl(ctx.target, service, opts.subscription);
      const messages = await peekQueue(ctx.sqs, url, opts.max);
      ctx.print({ service, queueUrl: url, messages }, () =>
        messages.length === 0
          ? `${service}: ${opts.subscription ? 'subscription DLQ' : 'DLQ'} is empty`
          : table(
              [
                'messageId',
                'sent',
                'receives',
                'eventId',
                'orderId',
                POISON_ATTRIBUTE.type,
                POISON_ATTRIBUTE.reason,
              ],
              messages.map((m): Cell[] => [
                m.messageId,
                m.sentAt,
                m.receiveCount,
                m.eventId,
                m.orderId,
                m.errorType,
                m.errorReason,
              ]),
            ),
      );
    });

  dlq
    .command('redrive')
    .description(
      "move DLQ messages back to the service's queue (StartMessageMoveTask for main DLQs on AWS; otherwise receive → send (confirmed) → delete)",
    )
    .addArgument(serviceArgument())
    .option('--subscription', "the subscription's DLQ instead of the queue's", false)
    .option('--dry-run', 'show what would be moved, change nothing', false)
    .option(
      '--rate <perSecond>',
      'at most this many messages per second (move task: up to 500)',
      positiveInt('--rate'),
    )
    .action(
      async (
        service: string,
        opts: { subscription: boolean; dryRun: boolean; rate?: number },
        command: Command,
      ) => {
        const ctx = await context(command);
        await redriveCommand(ctx, service, opts);
      },
    );

  dlq
    .command('purge')
    .description('delete every message of a DLQ (needs --yes)')
    .addArgument(serviceArgument())
    .option('--subscription', "the subscription's DLQ instead of the queue's", false)
    .option('--yes', 'confirm: the messages are gone for good', false)
    .action(async (service: string, opts: { subscription: boolean; yes: boolean }, command: Command) => {
      if (!opts.yes) throw new UsageError('dlq purge deletes messages for good: add --yes to confirm');
      const ctx = await context(command);
      const url = dlqUrl(ctx.target, service, opts.subscription);
      const before = await purgeQueue(ctx.sqs, url);
      const purged = before.visible + before.inFlight + before.delayed;
      ctx.print(
        { service, queueUrl: url, purged },
        () => `${service}: purged about ${purged} message(s) from ${url}`,
      );
    });

  registerReplay(program, serviceArgument, context);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    exitCode = exitCodeOf(error, io);
  } finally {
    for (const client of clients) client.destroy();
  }
  return exitCode;
}

function exitCodeOf(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander printed its message (and the help) already.
    return error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.help' ||
      error.code === 'commander.version'
      ? EXIT.ok
      : EXIT.usage;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  io.err(`order-events: ${message}`);
  if (error instanceof UsageError || error instanceof ContractViolationError) return EXIT.usage;
  if (error instanceof TargetError) return EXIT.target;
  return EXIT.failed;
}

function dlqUrl(target: OperateTarget, service: string, subscription: boolean): string {
  const q = target.queues(service);
  return subscription ? q.subscriptionDlqUrl : q.dlqUrl;
}

interface PublishOptions {
  readonly file?: string;
  readonly orderId?: string;
  readonly customerId?: string;
  readonly email?: string;
  readonly item?: string[];
  readonly currency?: string;
  readonly shipTo?: string;
  readonly count?: number;
  readonly rate?: number;
}

async function publishCommand(ctx: CommandContext, opts: PublishOptions): Promise<void> {
  const orderFlags = opts.orderId ?? opts.customerId ?? opts.email ?? opts.item ?? opts.shipTo;
  if (opts.count !== undefined && (opts.file !== undefined || orderFlags !== undefined)) {
    throw new UsageError(
      '--count publishes synthetic orders: it cannot be combined with --file or order flags',
    );
  }
  if (opts.file !== undefined && orderFlags !== undefined) {
    throw new UsageError('--file and order flags (--order-id, --item, …) are exclusive');
  }
  if (opts.rate !== undefined && opts.count === undefined) throw new UsageError('--rate needs --count');
  const runId = Date.now().toString(36);
  const orders =
    opts.count !== undefined
      ? Array.from({ length: opts.count }, (_, i) => syntheticOrder(i, runId))
      : [opts.file !== undefined ? orderFromFile(opts.file) : orderFromFlags(opts)];
  const bar = ctx.bar(orders.length, 'publish');
  try {
    const published = await publishPaced(ctx.sns, ctx.target.output('TopicArn'), orders, {
      ...(opts.rate === undefined ? {} : { rate: opts.rate }),
      onProgress: (n) => bar.update(n),
    });
    bar.stop();
    ctx.print({ published }, () =>
      published.length > 20
        ? `published ${published.length} order(s) to ${ctx.target.output('TopicArn')}`
        : `published ${published.length} order(s):\n${table(
            ['eventId', 'orderId', 'messageId'],
            published.map((p) => [p.eventId, p.orderId, p.messageId]),
          )}`,
    );
  } catch (error) {
    bar.stop();
    if (error instanceof PublishFailedError) {
      ctx.print({ published: error.published, failed: error.failed }, () => error.message);
      ctx.fail();
      return;
    }
    throw error;
  }
}

function statusRows(statuses: readonly ServiceStatus[]): string {
  return table(
    ['service', 'visible', 'in flight', 'oldest (s)', 'DLQ', 'subscription DLQ', 'alarms'],
    statuses.map((s): Cell[] => {
      const alarms = s.alarms === undefined ? undefined : Object.values(s.alarms);
      const firing = alarms?.filter((state) => state === 'ALARM').length;
      return [
        s.service,
        s.visible,
        s.inFlight,
        s.ageOfOldestSeconds,
        s.dlq,
        s.subscriptionDlq,
        alarms === undefined ? undefined : firing === 0 ? `OK (${alarms.length})` : `${firing} in ALARM`,
      ];
    }),
  );
}

async function statusCommand(
  ctx: CommandContext,
  opts: { watch: boolean; interval: number; iterations?: number },
): Promise<void> {
  for (let i = 1; ; i++) {
    const statuses = await readStatus(ctx.target, ctx.sqs, SERVICE_NAMES);
    const at = new Date().toISOString();
    if (ctx.json) {
      // One document per refresh; with --watch one per line (NDJSON) so a script can stream it.
      ctx.io.out(
        JSON.stringify(
          { at, stack: ctx.target.stackName, target: ctx.target.kind, services: statuses },
          null,
          opts.watch ? 0 : 2,
        ),
      );
    } else {
      ctx.io.out(`${ctx.target.stackName} (${ctx.target.kind}) at ${at}\n${statusRows(statuses)}`);
    }
    if (!opts.watch || (opts.iterations !== undefined && i >= opts.iterations)) return;
    await new Promise((resolve) => setTimeout(resolve, opts.interval * 1000));
  }
}

async function redriveCommand(
  ctx: CommandContext,
  service: string,
  opts: { subscription: boolean; dryRun: boolean; rate?: number },
): Promise<void> {
  const q = ctx.target.queues(service);
  const source = opts.subscription ? q.subscriptionDlqUrl : q.dlqUrl;
  // SQS refuses a move task for a DLQ fed by an SNS subscription; emulators have no move tasks.
  const method: RedriveResult['method'] =
    ctx.target.kind === 'aws' && !opts.subscription ? 'move-task' : 'copy';
  const before = await queueDepth(ctx.sqs, source);
  if (opts.dryRun) {
    const messages = await peekQueue(ctx.sqs, source, Math.max(1, before.visible + before.inFlight) + 10);
    ctx.print(
      {
        service,
        source,
        destination: q.queueUrl,
        method,
        dryRun: true,
        wouldMove: messages.length,
        messages,
      },
      () =>
        `dry run: ${messages.length} message(s) would move from ${source} to ${q.queueUrl} (${method})` +
        (messages.length === 0
          ? ''
          : `\n${table(
              ['messageId', 'eventId', POISON_ATTRIBUTE.type, POISON_ATTRIBUTE.reason],
              messages.map((m) => [m.messageId, m.eventId, m.errorType, m.errorReason]),
            )}`),
    );
    return;
  }
  const bar = ctx.bar(before.visible, `redrive ${service}`);
  let result: RedriveResult;
  try {
    result =
      method === 'move-task'
        ? await redriveByMoveTask(ctx.sqs, source, {
            ...(opts.rate === undefined ? {} : { rate: opts.rate }),
            onProgress: (moved, toMove) => bar.update(moved, toMove),
          })
        : await redriveByCopy(ctx.sqs, source, q.queueUrl, {
            ...(opts.rate === undefined ? {} : { rate: opts.rate }),
            onProgress: (moved) => bar.update(moved),
          });
  } finally {
    bar.stop();
  }
  const after = await queueDepth(ctx.sqs, source);
  const left = after.visible + after.inFlight + after.delayed;
  if (result.sendFailures > 0 || result.deleteFailures > 0 || left > 0) ctx.fail();
  ctx.print({ service, source, destination: q.queueUrl, ...result, leftInDlq: left }, () =>
    [
      `${service}: moved ${result.moved} message(s) from ${source} to ${q.queueUrl} (${result.method})`,
      ...(result.sendFailures > 0 ? [`  ${result.sendFailures} not sent (still in the DLQ; run again)`] : []),
      ...(result.deleteFailures > 0
        ? [
            `  ${result.deleteFailures} sent but not deleted from the DLQ (a re-run re-sends them; idempotency absorbs the duplicate)`,
          ]
        : []),
      ...(left > 0 ? [`  about ${left} message(s) still in the DLQ`] : []),
    ].join('\n'),
  );
}
