import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/main.ts';
import { SERVICES } from '../../infra/config.ts';
import { archiveKey } from '../../lambdas/archive/adapters.ts';
import { publishOrderPlaced } from '../../lambdas/shared/publisher.ts';
import {
  drained,
  effectCount,
  effectsOf,
  eventually,
  orderEvent,
  queueDepth,
} from '../integration/helpers/observe.ts';
import { type ServiceName, type TestTarget, targetKind } from '../integration/helpers/target.ts';
import { cli, duplicates, LOADED_DEADLINE_MS, useCliRuntime } from './helpers/cli-runtime.ts';

let target: TestTarget;
useCliRuntime((started) => {
  target = started;
});

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
        const archive = target.output('ArchiveEffectTableName');
        for (const e of events) {
          await eventually(
            () => effectsOf(target, e, ['email', 'inventory']),
            (counts) => Object.values(counts).every((n) => n === 1),
            { timeoutMs: LOADED_DEADLINE_MS, what: `effects of ${e.data.orderId}` },
          );
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
        const processed = () =>
          Object.fromEntries(names.map((s) => [s, target.local?.runner.metrics.get(s, 'processed') ?? 0]));
        const before = processed();
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

        // No other service processed anything; exactly three new records in analytics.
        const after = processed();
        for (const s of names.filter((name) => name !== service)) expect(after[s], s).toBe(before[s]);
        expect((after[service] ?? 0) - (before[service] ?? 0)).toBe(3);
        for (const e of events) {
          expect(await effectsOf(target, e, ['email', 'inventory'])).toEqual({ email: 1, inventory: 1 });
        }
      });

      it('applies the service filter: only matching events reach high-value', async () => {
        const events = [orderEvent(61), orderEvent(250), orderEvent(62)];
        await publishOrderPlaced(target.sns, target.output('TopicArn'), events);
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
