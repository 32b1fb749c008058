import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/main.ts';
import { stockAvailable } from '../../cli/observe.ts';
import { pascalCase, SERVICES } from '../../infra/config.ts';
import { archiveKey } from '../../lambdas/archive/adapters.ts';
import { stockKey } from '../../lambdas/inventory/adapters.ts';
import { REPLAY_SCOPE_ATTRIBUTE } from '../../lambdas/shared/consumer.ts';
import type { OrderPlaced } from '../../lambdas/shared/contract.ts';
import { publishOrderPlaced } from '../../lambdas/shared/publisher.ts';
import {
  drained,
  effectCount,
  effectItems,
  effectsOf,
  eventually,
  orderEvent,
  queueDepth,
} from '../integration/helpers/observe.ts';
import { type ServiceName, type TestTarget, targetKind } from '../integration/helpers/target.ts';

import { cli, dir, duplicates, LOADED_DEADLINE_MS, useCliRuntime } from './helpers/cli-runtime.ts';

let target: TestTarget;
useCliRuntime((started) => {
  target = started;
});

/** Every consumer's queue and the archive's are empty (the archive is no order-effect service). */
async function allDrained(): Promise<void> {
  await drained(target, undefined, LOADED_DEADLINE_MS);
  await eventually(
    () => queueDepth(target, target.output('ArchiveQueueUrl')),
    (n) => n === 0,
    { timeoutMs: LOADED_DEADLINE_MS, what: 'archive queue drained' },
  );
}

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
  'order-events CLI on the embedded runtime: replay',
  { timeout: 180_000 },
  () => {
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
        await allDrained();
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
        await allDrained();

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
  },
);
