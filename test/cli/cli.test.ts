/**
 * The `order-events` CLI against a started embedded runtime: every command run in-process through
 * `runCli` (the bin's own code path) with `--json`, found through a runtime descriptor file exactly
 * as `npm start -- --keep` writes it; `--help` of every command; the bin itself once as a process.
 *
 * DLQ contents are put there with SendMessage, shaped as SQS leaves them: the event body with its
 * attributes (a main DLQ after maxReceiveCount, or a subscription DLQ with raw delivery), the same
 * plus the consumer's reason attributes (poison), or an SNS notification envelope (a subscription
 * DLQ without raw delivery). The embedded SNS never fills a subscription DLQ itself (docs/local.md).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type MessageAttributeValue,
  PurgeQueueCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redriveByCopy } from '../../cli/dlq.ts';
import { type CliIo, EXIT, runCli } from '../../cli/main.ts';
import { stockAvailable } from '../../cli/observe.ts';
import { pascalCase, SERVICES } from '../../infra/config.ts';
import { archiveKey } from '../../lambdas/archive/adapters.ts';
import { stockKey } from '../../lambdas/inventory/adapters.ts';
import { REPLAY_SCOPE_ATTRIBUTE } from '../../lambdas/shared/consumer.ts';
import { type OrderPlaced, orderPlacedAttributes } from '../../lambdas/shared/contract.ts';
import { publishOrderPlaced } from '../../lambdas/shared/publisher.ts';
import { writeRuntimeDescriptor } from '../../local/runtime-descriptor.ts';
import {
  drained,
  effectCount,
  effectItems,
  effectsOf,
  eventually,
  orderEvent,
  queueDepth,
} from '../integration/helpers/observe.ts';
import { openTarget, type ServiceName, type TestTarget, targetKind } from '../integration/helpers/target.ts';

/** Deadline of each wait (a hang guard, not a timing assertion): generous for a loaded machine. */
const LOADED_DEADLINE_MS = 90_000;

let target: TestTarget;
let runtimeFile: string;
const dir = mkdtempSync(join(tmpdir(), 'order-events-cli-'));

beforeAll(async () => {
  // Template-like visibility (not the suite's seconds): nothing here waits for a retry, and a slow
  // batch on a loaded machine must not be redelivered into the DLQs these tests count.
  target = await openTarget({ visibilityTimeoutSeconds: 60 });
  const local = target.local;
  if (local === undefined) return;
  runtimeFile = writeRuntimeDescriptor(
    {
      pid: process.pid,
      region: local.emulators.region,
      stackName: local.deployment.stackName,
      endpoints: local.emulators.endpoints,
      outputs: local.outputs,
      startedAt: new Date().toISOString(),
    },
    join(dir, 'runtime.json'),
  );
});

afterAll(async () => {
  await target?.close();
});

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** stdout parsed as one JSON document. */
  json<T = Record<string, unknown>>(): T;
}

/** Runs the CLI in-process against the runtime of this file. */
async function cli(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => {
      out += text.endsWith('\n') ? text : `${text}\n`;
    },
    err: (text) => {
      err += text.endsWith('\n') ? text : `${text}\n`;
    },
    progress: false,
  };
  const code = await runCli(['--runtime-file', runtimeFile, ...args], io);
  return { code, out, err, json: <T>() => JSON.parse(out) as T };
}

function attributesOf(event: OrderPlaced): Record<string, MessageAttributeValue> {
  return orderPlacedAttributes(event) as Record<string, MessageAttributeValue>;
}

/** Puts messages into a queue as SQS or SNS would have left them there. */
async function putMessages(
  queueUrl: string,
  entries: ReadonlyArray<{ body: string; attributes?: Record<string, MessageAttributeValue> }>,
): Promise<void> {
  const out = await target.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: entries.map((e, i) => ({
        Id: String(i),
        MessageBody: e.body,
        ...(e.attributes === undefined ? {} : { MessageAttributes: e.attributes }),
      })),
    }),
  );
  expect(out.Failed ?? []).toEqual([]);
}

/**
 * Waits until every queue is empty (so nothing more can reach a DLQ), then empties `service`'s DLQs:
 * the DLQ counts of a test are then exactly what it put there.
 */
async function quietDlqs(service: ServiceName): Promise<void> {
  await drained(target, undefined, LOADED_DEADLINE_MS);
  for (const suffix of ['DlqUrl', 'SubscriptionDlqUrl']) {
    await target.sqs.send(new PurgeQueueCommand({ QueueUrl: target.serviceOutput(service, suffix) }));
  }
}

/** Depth (visible + in flight + delayed) of a service's DLQ or subscription DLQ. */
const dlqDepth = (service: ServiceName, subscription = false) =>
  queueDepth(target, target.serviceOutput(service, subscription ? 'SubscriptionDlqUrl' : 'DlqUrl'));

const duplicates = (service: ServiceName) => target.local?.runner.metrics.get(service, 'duplicate') ?? 0;

/** Waits until the archive table holds each event. */
async function archived(events: readonly OrderPlaced[]): Promise<void> {
  const archive = target.output('ArchiveEffectTableName');
  for (const e of events) {
    await eventually(
      async () =>
        (
          await target.doc.send(
            new GetCommand({
              TableName: archive,
              Key: archiveKey(new Date(e.occurredAt).toISOString(), e.eventId),
            }),
          )
        ).Item,
      (item) => item !== undefined,
      { timeoutMs: LOADED_DEADLINE_MS, what: `${e.eventId} archived` },
    );
  }
}

/** Every item of a table, as sorted JSON lines: equal snapshots mean nothing was written. */
async function tableSnapshot(tableName: string): Promise<string[]> {
  const items: string[] = [];
  for await (const page of paginateScan(
    { client: target.doc },
    { TableName: tableName, ConsistentRead: true },
  )) {
    for (const item of page.Items ?? []) items.push(JSON.stringify(item, Object.keys(item).sort()));
  }
  return items.sort();
}

/** Depth of a service's queue (any service of infra/config.ts, the archive too). */
const serviceQueueDepth = (service: string) =>
  queueDepth(target, target.output(`${pascalCase(service)}QueueUrl`));

/** Every metric a service's function emitted (each record it handles emits exactly one). */
const metricsOf = (service: string) => target.local?.runner.metrics.snapshot()[service] ?? {};

// Generous hang guards: a loaded machine (2 cores shared) slows every consumer; nothing asserts time.
describe.skipIf(targetKind() !== 'embedded')(
  'order-events CLI on the embedded runtime',
  { timeout: 180_000 },
  () => {
    describe('--help', () => {
      it.each([
        [[], 'order-events [options] [command]'],
        [['publish'], 'order-events publish [options]'],
        [['status'], 'order-events status [options]'],
        [['dlq'], 'order-events dlq [options] [command]'],
        [['dlq', 'peek'], 'order-events dlq peek [options] <service>'],
        [['dlq', 'redrive'], 'order-events dlq redrive [options] <service>'],
        [['dlq', 'purge'], 'order-events dlq purge [options] <service>'],
        [['replay'], 'order-events replay [options] <service>'],
      ])('%j --help prints its usage and exits 0', async (command, usage) => {
        const run = await cli(...command, '--help');
        expect(run.code).toBe(EXIT.ok);
        expect(run.out).toContain(`Usage: ${usage}`);
      });

      it('replay --help documents --reprocess and --replay-id', async () => {
        const run = await cli('replay', '--help');
        expect(run.out).toMatch(/--reprocess\s+apply again events the service applied already/);
        expect(run.out).toMatch(/--replay-id <id>\s+with --reprocess: resume that replay/);
      });

      it('runs as the package bin (npx order-events): usage, exit codes', async () => {
        const bin = join(process.cwd(), 'bin/order-events.js');
        const help = await promisify(execFile)(process.execPath, [bin, '--help']);
        expect(help.stdout).toContain('Usage: order-events');
        const missing = await promisify(execFile)(process.execPath, [
          bin,
          '--runtime-file',
          join(dir, 'nope.json'),
          'status',
        ]).catch((error: { code: number; stderr: string }) => error);
        expect(missing).toMatchObject({
          code: EXIT.target,
          stderr: expect.stringContaining('npm start -- --keep'),
        });
      });
    });

    describe('publish', () => {
      it('publishes one order from flags; every service applies it once', async () => {
        const run = await cli('--json', 'publish', '--customer-id', 'cust-cli-1', '--item', 'SKU-CLI:2:60');
        expect(run.code).toBe(EXIT.ok);
        const [published] = run.json<{ published: Array<{ eventId: string; orderId: string }> }>().published;
        expect(published?.eventId).toMatch(/^[0-9a-f-]{36}$/);
        const probe = {
          eventId: published?.eventId,
          occurredAt: '',
          data: { orderId: published?.orderId },
        } as OrderPlaced;
        await eventually(
          () => effectsOf(target, probe, ['email', 'inventory', 'high-value']),
          (e) => Object.values(e).every((n) => n === 1),
          { timeoutMs: LOADED_DEADLINE_MS, what: 'effects of the published order' },
        );
      });

      it('publishes an order from a JSON file, and --count synthetic orders at --rate', async () => {
        const event = orderEvent(42);
        const file = join(dir, 'order.json');
        writeFileSync(file, JSON.stringify(event.data));
        const one = await cli('--json', 'publish', '--file', file);
        expect(one.code).toBe(EXIT.ok);
        expect(one.json<{ published: Array<{ orderId: string }> }>().published.map((p) => p.orderId)).toEqual(
          [event.data.orderId],
        );

        const many = await cli('--json', 'publish', '--count', '25', '--rate', '200');
        expect(many.code).toBe(EXIT.ok);
        const published = many.json<{ published: Array<{ eventId: string; orderId: string }> }>().published;
        expect(new Set(published.map((p) => p.eventId)).size).toBe(25);
        for (const p of published) {
          const probe = { eventId: p.eventId, occurredAt: '', data: { orderId: p.orderId } } as OrderPlaced;
          await eventually(
            () => effectCount(target, 'email', probe),
            (n) => n === 1,
            { timeoutMs: LOADED_DEADLINE_MS, what: `email effect of ${p.orderId}` },
          );
        }
      });

      it('rejects an invalid order with exit 2 and publishes nothing', async () => {
        const run = await cli('--json', 'publish', '--item', 'SKU-X:0:10', '--order-id', 'cli-invalid-order');
        expect(run.code).toBe(EXIT.usage);
        expect(run.err).toMatch(/quantity/);
        const bad = await cli('publish', '--item', 'no-colons');
        expect(bad.code).toBe(EXIT.usage);
        expect(bad.err).toContain('sku:quantity:unitPrice');
      });
    });

    describe('status', () => {
      it('reports every service with queue, DLQ and subscription-DLQ depth; --watch streams refreshes', async () => {
        await quietDlqs('high-value');
        const events = [orderEvent(11), orderEvent(12)];
        await putMessages(
          target.serviceOutput('high-value', 'SubscriptionDlqUrl'),
          events.map((e) => ({ body: JSON.stringify(e), attributes: attributesOf(e) })),
        );
        const run = await cli('--json', 'status');
        expect(run.code).toBe(EXIT.ok);
        const status = run.json<{ services: Array<Record<string, unknown>> }>();
        expect(status.services.map((s) => s.service)).toEqual(SERVICES.map((s) => s.name));
        expect(status.services.find((s) => s.service === 'high-value')).toMatchObject({ subscriptionDlq: 2 });
        for (const s of status.services) {
          expect(s).toEqual(
            expect.objectContaining({
              visible: expect.any(Number),
              inFlight: expect.any(Number),
              dlq: expect.any(Number),
            }),
          );
        }

        const watch = await cli('--json', 'status', '--watch', '--interval', '0.2', '--iterations', '2');
        expect(watch.code).toBe(EXIT.ok);
        const lines = watch.out.trim().split('\n');
        expect(lines).toHaveLength(2);
        for (const line of lines) expect(JSON.parse(line)).toMatchObject({ services: expect.any(Array) });

        const human = await cli('status');
        expect(human.out).toMatch(/high-value\s+\d+\s+\d+\s+–\s+\d+\s+2/);
        await cli('dlq', 'purge', 'high-value', '--subscription', '--yes');
      });
    });

    describe('dlq peek', () => {
      it('lists DLQ messages with their reason attributes without consuming them', async () => {
        await quietDlqs('email');
        const event = orderEvent(13);
        await putMessages(target.serviceOutput('email', 'DlqUrl'), [
          {
            body: JSON.stringify(event),
            attributes: {
              ...attributesOf(event),
              'error-type': { DataType: 'String', StringValue: 'ContractViolationError' },
              'error-reason': { DataType: 'String', StringValue: 'data.total: must equal the sum' },
            },
          },
          { body: 'not json at all' },
        ]);
        const run = await cli('--json', 'dlq', 'peek', 'email');
        expect(run.code).toBe(EXIT.ok);
        const { messages } = run.json<{ messages: Array<Record<string, unknown>> }>();
        expect(messages).toHaveLength(2);
        expect(messages).toContainEqual(
          expect.objectContaining({
            eventId: event.eventId,
            orderId: event.data.orderId,
            errorType: 'ContractViolationError',
            errorReason: 'data.total: must equal the sum',
          }),
        );
        // Still there, visible at once: peek released them.
        expect(await dlqDepth('email')).toBe(2);
        const table = await cli('dlq', 'peek', 'email');
        expect(table.out).toMatch(/error-type\s+error-reason/);
        expect(table.out).toContain('ContractViolationError');
        await cli('dlq', 'purge', 'email', '--yes');
      });
    });

    describe('dlq redrive', () => {
      it('main DLQ: every message processed exactly once, none lost, a crash between send and delete absorbed', async () => {
        const service: ServiceName = 'inventory';
        await quietDlqs(service);
        const fresh = [orderEvent(21), orderEvent(22), orderEvent(23)];
        const alreadyProcessed = orderEvent(24);
        await publishOrderPlaced(target.sns, target.output('TopicArn'), alreadyProcessed);
        await eventually(
          () => effectCount(target, service, alreadyProcessed),
          (n) => n === 1,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'first delivery processed' },
        );
        await drained(target, [service], LOADED_DEADLINE_MS);
        const dlqUrl = target.serviceOutput(service, 'DlqUrl');
        await putMessages(
          dlqUrl,
          [...fresh, alreadyProcessed].map((e) => ({ body: JSON.stringify(e), attributes: attributesOf(e) })),
        );
        expect(await dlqDepth(service)).toBe(4);
        const duplicatesBefore = duplicates(service);

        const dry = await cli('--json', 'dlq', 'redrive', service, '--dry-run');
        expect(dry.json()).toMatchObject({ dryRun: true, wouldMove: 4, method: 'copy' });
        expect(await dlqDepth(service)).toBe(4);

        const run = await cli('--json', 'dlq', 'redrive', service, '--rate', '50');
        expect(run.code).toBe(EXIT.ok);
        expect(run.json()).toMatchObject({
          method: 'copy',
          moved: 4,
          sendFailures: 0,
          deleteFailures: 0,
          leftInDlq: 0,
        });
        expect(await dlqDepth(service)).toBe(0);
        for (const e of [...fresh, alreadyProcessed]) {
          await eventually(
            () => effectCount(target, service, e),
            (n) => n === 1,
            { timeoutMs: LOADED_DEADLINE_MS, what: `effect of ${e.data.orderId}` },
          );
        }
        await drained(target, [service], LOADED_DEADLINE_MS);
        await eventually(
          async () => duplicates(service) - duplicatesBefore,
          (n) => n === 1,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'the already processed event counted as a duplicate' },
        );

        // Crash window: the copy is confirmed, the DLQ delete fails (as if the process died in between).
        const crashed = orderEvent(25);
        await putMessages(dlqUrl, [{ body: JSON.stringify(crashed), attributes: attributesOf(crashed) }]);
        const failingDeletes = new SQSClient(target.local?.emulators.clientConfig('sqs') ?? {});
        failingDeletes.middlewareStack.add(
          (next, context) => async (args) => {
            if (context.commandName === 'DeleteMessageBatchCommand')
              throw new Error('simulated crash before delete');
            return next(args);
          },
          { step: 'initialize' },
        );
        await expect(
          redriveByCopy(failingDeletes, dlqUrl, target.serviceOutput(service, 'QueueUrl'), {
            visibilityTimeoutSeconds: 1,
          }),
        ).rejects.toThrow('simulated crash before delete');
        failingDeletes.destroy();
        await eventually(
          () => effectCount(target, service, crashed),
          (n) => n === 1,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'the copy sent before the crash processed' },
        );
        // The DLQ still has it (visible again after the receive's timeout); the re-run re-sends it.
        const rerun = await eventually(
          () => cli('--json', 'dlq', 'redrive', service),
          (r) => r.json<{ moved: number }>().moved === 1,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'the crashed message redriven again' },
        );
        expect(rerun.code).toBe(EXIT.ok);
        await drained(target, [service], LOADED_DEADLINE_MS);
        await eventually(
          async () => duplicates(service) - duplicatesBefore,
          (n) => n === 2,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'the re-sent copy counted as a duplicate' },
        );
        expect(await effectCount(target, service, crashed)).toBe(1);
        expect(await dlqDepth(service)).toBe(0);
      });

      it('a copy SQS does not confirm stays in the DLQ (not deleted, reported); a second redrive moves it', async () => {
        const service: ServiceName = 'email';
        await quietDlqs(service);
        const dlqUrl = target.serviceOutput(service, 'DlqUrl');
        const events = [orderEvent(26), orderEvent(27)];
        await putMessages(
          dlqUrl,
          events.map((e) => ({ body: JSON.stringify(e), attributes: attributesOf(e) })),
        );
        // SQS answers the SendMessageBatch with the first entry failed (as it does for a throttled entry).
        const rejecting = new SQSClient(target.local?.emulators.clientConfig('sqs') ?? {});
        let rejected = '';
        rejecting.middlewareStack.add(
          (next, context) => async (args) => {
            if (context.commandName !== 'SendMessageBatchCommand' || rejected !== '') return next(args);
            const input = args.input as SendMessageBatchCommandInput;
            const [first, ...rest] = input.Entries ?? [];
            rejected = first?.MessageBody ?? '';
            const result = (await next({ ...args, input: { ...input, Entries: rest } })) as {
              output: { Successful?: unknown[]; Failed?: unknown[] };
            };
            result.output.Failed = [{ Id: first?.Id, Code: 'ThrottlingException', SenderFault: false }];
            return result as never;
          },
          { step: 'initialize' },
        );
        const result = await redriveByCopy(rejecting, dlqUrl, target.serviceOutput(service, 'QueueUrl'), {
          visibilityTimeoutSeconds: 1,
        });
        rejecting.destroy();
        expect(result).toMatchObject({ moved: 1, sendFailures: 1, deleteFailures: 0 });
        // The unconfirmed one is still in the DLQ; a second redrive moves it; both applied once.
        expect(await dlqDepth(service)).toBe(1);
        const again = await eventually(
          () => cli('--json', 'dlq', 'redrive', service),
          (r) => r.json<{ moved: number }>().moved === 1,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'the unconfirmed message redriven' },
        );
        expect(again.code).toBe(EXIT.ok);
        for (const e of events) {
          await eventually(
            () => effectCount(target, service, e),
            (n) => n === 1,
            { timeoutMs: LOADED_DEADLINE_MS, what: `effect of ${e.data.orderId}` },
          );
        }
        expect(await dlqDepth(service)).toBe(0);
      });

      it('subscription DLQ: raw and SNS-envelope messages are processed exactly once, none lost', async () => {
        const service: ServiceName = 'analytics';
        await quietDlqs(service);
        const raw = orderEvent(31);
        const enveloped = orderEvent(32);
        const envelope = {
          Type: 'Notification',
          MessageId: 'c0ffee00-0000-4000-8000-000000000001',
          TopicArn: target.output('TopicArn'),
          Message: JSON.stringify(enveloped),
          Timestamp: new Date().toISOString(),
          MessageAttributes: Object.fromEntries(
            Object.entries(attributesOf(enveloped)).map(([k, v]) => [
              k,
              { Type: v.DataType, Value: v.StringValue },
            ]),
          ),
        };
        await putMessages(target.serviceOutput(service, 'SubscriptionDlqUrl'), [
          { body: JSON.stringify(raw), attributes: attributesOf(raw) },
          { body: JSON.stringify(envelope) },
        ]);
        expect(await dlqDepth(service, true)).toBe(2);
        const run = await cli('--json', 'dlq', 'redrive', service, '--subscription');
        expect(run.code).toBe(EXIT.ok);
        expect(run.json()).toMatchObject({ method: 'copy', moved: 2, leftInDlq: 0 });
        expect(await dlqDepth(service, true)).toBe(0);
        for (const e of [raw, enveloped]) {
          await eventually(
            () => effectCount(target, service, e),
            (n) => n === 1,
            { timeoutMs: LOADED_DEADLINE_MS, what: `effect of ${e.data.orderId}` },
          );
        }
        await drained(target, [service], LOADED_DEADLINE_MS);
        for (const e of [raw, enveloped]) expect(await effectCount(target, service, e)).toBe(1);
      });
    });

    describe('replay', () => {
      it('replays a time range to one service: exactly the events it missed are applied there, once; no other service touched', async () => {
        const service: ServiceName = 'analytics';
        const events = [orderEvent(51), orderEvent(52), orderEvent(53), orderEvent(54), orderEvent(55)];
        // The consumer is down and its messages are lost (expired, purged): the other services and the
        // archive have every event, analytics none.
        await target.stopConsumer(service);
        await publishOrderPlaced(target.sns, target.output('TopicArn'), events);
        for (const e of events) {
          await eventually(
            () => effectsOf(target, e, ['email', 'inventory']),
            (counts) => Object.values(counts).every((n) => n === 1),
            { timeoutMs: LOADED_DEADLINE_MS, what: `effects of ${e.data.orderId}` },
          );
        }
        await archived(events);
        const queueUrl = target.serviceOutput(service, 'QueueUrl');
        await eventually(
          () => queueDepth(target, queueUrl),
          (n) => n === events.length,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'analytics backlog' },
        );
        await target.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
        await target.startConsumer(service);
        await drained(target, undefined, LOADED_DEADLINE_MS);
        await eventually(
          () => queueDepth(target, target.output('ArchiveQueueUrl')),
          (n) => n === 0,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'archive queue drained' },
        );
        const counts = () => Promise.all(events.map((e) => effectCount(target, service, e)));
        expect(await counts()).toEqual([0, 0, 0, 0, 0]);
        const names = SERVICES.map((s) => s.name);
        const allMetrics = () => Object.fromEntries(names.map((s) => [s, metricsOf(s)]));
        const before = allMetrics();
        const range = ['--from', events[1]?.occurredAt ?? '', '--to', events[3]?.occurredAt ?? ''];

        const run = await cli('--json', 'replay', service, ...range);
        expect(run.code).toBe(EXIT.ok);
        expect(run.json()).toMatchObject({
          method: 'archive',
          archived: 3,
          sent: 3,
          filteredOut: 0,
          failed: 0,
        });
        await eventually(counts, (c) => c.join() === '0,1,1,1,0', {
          timeoutMs: LOADED_DEADLINE_MS,
          what: 'the range applied in analytics',
        });
        await drained(target, [service], LOADED_DEADLINE_MS);

        // The same replay again: every event is a duplicate now, nothing applied twice.
        const duplicatesBefore = duplicates(service);
        const again = await cli('--json', 'replay', service, ...range);
        expect(again.json()).toMatchObject({ sent: 3 });
        await eventually(
          async () => duplicates(service) - duplicatesBefore,
          (n) => n === 3,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'the second replay counted as duplicates' },
        );
        await drained(target, [service], LOADED_DEADLINE_MS);
        expect(await counts()).toEqual([0, 1, 1, 1, 0]);

        // No other service has a record waiting or processed anything; exactly three new records in analytics.
        for (const s of names.filter((name) => name !== service)) {
          expect(await serviceQueueDepth(s), `${s} queue`).toBe(0);
        }
        const after = allMetrics();
        for (const s of names.filter((name) => name !== service)) expect(after[s], s).toEqual(before[s]);
        expect((after[service]?.processed ?? 0) - (before[service]?.processed ?? 0)).toBe(3);
        for (const e of events) {
          expect(await effectsOf(target, e, ['email', 'inventory'])).toEqual({ email: 1, inventory: 1 });
        }
      });

      it('--reprocess: exactly the events of the range are applied once more in that service, once per replay id; no other service touched', async () => {
        const service: ServiceName = 'inventory';
        const inventoryTable = target.serviceOutput(service, 'EffectTableName');
        // Each order takes 2 of its own SKU (10 in stock): a second reservation shows in the stock.
        const skus = Array.from({ length: 5 }, (_, i) => `SKU-REPROCESS-${i}-${Date.now()}`);
        for (const sku of skus) {
          await target.doc.send(
            new PutCommand({ TableName: inventoryTable, Item: { ...stockKey(sku), available: 10 } }),
          );
        }
        const events = skus.map((sku) => orderEvent(20, { items: [{ sku, quantity: 2, unitPrice: 10 }] }));
        await publishOrderPlaced(target.sns, target.output('TopicArn'), events);
        for (const e of events) {
          await eventually(
            () => effectsOf(target, e, ['email', 'inventory', 'analytics']),
            (counts) => Object.values(counts).every((n) => n === 1),
            { timeoutMs: LOADED_DEADLINE_MS, what: `effects of ${e.data.orderId}` },
          );
        }
        await archived(events);
        await drained(target, undefined, LOADED_DEADLINE_MS);
        await eventually(
          () => queueDepth(target, target.output('ArchiveQueueUrl')),
          (n) => n === 0,
          { timeoutMs: LOADED_DEADLINE_MS, what: 'archive queue drained' },
        );

        const reservations = () => Promise.all(events.map((e) => effectCount(target, service, e)));
        const stock = () => Promise.all(skus.map((sku) => stockAvailable(target, sku)));
        expect(await reservations()).toEqual([1, 1, 1, 1, 1]);
        expect(await stock()).toEqual([8, 8, 8, 8, 8]);
        const others = ['email', 'analytics', 'high-value', 'archive'] as const;
        const otherTables = () =>
          Promise.all(
            others.map((s) =>
              tableSnapshot(
                s === 'archive'
                  ? target.output('ArchiveEffectTableName')
                  : target.serviceOutput(s, 'EffectTableName'),
              ),
            ),
          );
        const tablesBefore = await otherTables();
        const metricsBefore = Object.fromEntries(others.map((s) => [s, metricsOf(s)]));
        const range = ['--from', events[1]?.occurredAt ?? '', '--to', events[3]?.occurredAt ?? ''];

        const run = await cli('--json', 'replay', service, ...range, '--reprocess');
        expect(run.code).toBe(EXIT.ok);
        const result = run.json<{ replayId: string }>();
        expect(result).toMatchObject({
          method: 'archive',
          archived: 3,
          sent: 3,
          failed: 0,
          reprocess: true,
          replayId: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/),
        });
        const { replayId } = result;
        // Printed before anything is sent, so an interrupted replay can be resumed.
        expect(run.err).toContain(`--replay-id ${replayId}`);
        await eventually(reservations, (c) => c.join() === '1,2,2,2,1', {
          timeoutMs: LOADED_DEADLINE_MS,
          what: 'the range reprocessed in inventory',
        });
        await drained(target, [service], LOADED_DEADLINE_MS);
        expect(await stock()).toEqual([8, 6, 6, 6, 8]);
        for (const e of events.slice(1, 4)) {
          expect(await effectItems(target, service, e)).toContainEqual(
            expect.objectContaining({ eventId: e.eventId, replayScope: replayId }),
          );
        }

        // The same replay id again (a resumed replay), then a plain replay: all duplicates.
        for (const args of [['--reprocess', '--replay-id', replayId], []]) {
          const duplicatesBefore = duplicates(service);
          const again = await cli('--json', 'replay', service, ...range, ...args);
          expect(again.code).toBe(EXIT.ok);
          expect(again.json()).toMatchObject({ sent: 3, reprocess: args.length > 0 });
          await eventually(
            async () => duplicates(service) - duplicatesBefore,
            (n) => n === 3,
            { timeoutMs: LOADED_DEADLINE_MS, what: `replay ${args.join(' ')} counted as duplicates` },
          );
          await drained(target, [service], LOADED_DEADLINE_MS);
        }
        expect(await reservations()).toEqual([1, 2, 2, 2, 1]);
        expect(await stock()).toEqual([8, 6, 6, 6, 8]);

        // No other service has a record waiting (email's batching window would hide one from the
        // metrics for a while), handled one, or wrote an item (written before a record is deleted).
        for (const s of others) expect(await serviceQueueDepth(s), `${s} queue`).toBe(0);
        for (const s of others) expect(metricsOf(s), s).toEqual(metricsBefore[s]);
        expect(await otherTables()).toEqual(tablesBefore);
      });

      it('--reprocess refuses what it cannot do (exit 2, nothing sent): bad or orphan --replay-id, the archive, a FIFO topic', async () => {
        const from = ['--from', '2026-01-01T00:00:00Z'];
        const cases: Array<[string[], string]> = [
          [['analytics', ...from, '--replay-id', 'r-1'], '--replay-id needs --reprocess'],
          [['analytics', ...from, '--reprocess', '--replay-id', 'r#1'], 'may contain only A-Z'],
          [['analytics', ...from, '--reprocess', '--replay-id', 'r'.repeat(65)], 'at most 64'],
          [['archive', ...from, '--reprocess'], 'does not apply to the archive'],
        ];
        const depth = () => queueDepth(target, target.serviceOutput('analytics', 'QueueUrl'));
        for (const [args, message] of cases) {
          const run = await cli('replay', ...args);
          expect(run.code, args.join(' ')).toBe(EXIT.usage);
          expect(run.err).toContain(message);
        }
        expect(await depth()).toBe(0);
        // A FIFO stack (resolved from an outputs file: the refusal needs no AWS call).
        const outputsFile = join(dir, 'fifo-outputs.json');
        writeFileSync(
          outputsFile,
          JSON.stringify({
            'OrderEvents-fifo': { TopicArn: 'arn:aws:sns:us-east-1:000000000000:orders.fifo' },
          }),
        );
        const fifo = await cli(
          '--target',
          'aws',
          '--stack',
          'OrderEvents-fifo',
          '--outputs-file',
          outputsFile,
          'replay',
          'analytics',
          ...from,
          '--reprocess',
        );
        expect(fifo.code).toBe(EXIT.usage);
        expect(fifo.err).toContain('--reprocess is not available on a FIFO topic');
        expect(fifo.err).toContain(REPLAY_SCOPE_ATTRIBUTE);
      });

      it('applies the service filter: only matching events reach high-value', async () => {
        const events = [orderEvent(61), orderEvent(250), orderEvent(62)];
        await publishOrderPlaced(target.sns, target.output('TopicArn'), events);
        await archived(events);
        const run = await cli(
          '--json',
          'replay',
          'high-value',
          '--from',
          events[0]?.occurredAt ?? '',
          '--to',
          events[2]?.occurredAt ?? '',
        );
        expect(run.err).toBe('');
        expect(run.json()).toMatchObject({ archived: 3, filteredOut: 2, sent: 1 });
      });

      it('refuses a range it cannot serve (exit 2)', async () => {
        const backwards = await cli(
          'replay',
          'analytics',
          '--from',
          '2026-02-01T00:00:00Z',
          '--to',
          '2026-01-01T00:00:00Z',
        );
        expect(backwards.code).toBe(EXIT.usage);
        const tooLong = await cli(
          'replay',
          'analytics',
          '--from',
          '2026-01-01T00:00:00Z',
          '--to',
          '2026-03-01T00:00:00Z',
        );
        expect(tooLong.code).toBe(EXIT.usage);
        expect(tooLong.err).toContain('archive keeps');
      });
    });

    describe('dlq purge', () => {
      it('refuses without --yes (exit 2, nothing deleted) and empties the DLQ with it', async () => {
        await quietDlqs('high-value');
        const event = orderEvent(41);
        await putMessages(target.serviceOutput('high-value', 'DlqUrl'), [{ body: JSON.stringify(event) }]);
        const refused = await cli('dlq', 'purge', 'high-value');
        expect(refused.code).toBe(EXIT.usage);
        expect(refused.err).toContain('--yes');
        expect(await dlqDepth('high-value')).toBe(1);
        const run = await cli('--json', 'dlq', 'purge', 'high-value', '--yes');
        expect(run.code).toBe(EXIT.ok);
        expect(run.json()).toMatchObject({ service: 'high-value', purged: 1 });
        expect(await dlqDepth('high-value')).toBe(0);
      });
    });
  },
);
