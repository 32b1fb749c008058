/**
 * The `order-events` CLI against a started embedded runtime (test/cli/helpers/cli-runtime.ts):
 * `--help` of every command, the bin itself once as a process, publish, status, dlq peek and dlq
 * purge. Redrive and replay have their own files, so the suite's workers run them side by side.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/main.ts';
import { SERVICES } from '../../infra/config.ts';
import type { OrderPlaced } from '../../lambdas/shared/contract.ts';
import { effectCount, effectsOf, eventually, orderEvent } from '../integration/helpers/observe.ts';
import { type TestTarget, targetKind } from '../integration/helpers/target.ts';
import {
  attributesOf,
  cli,
  dir,
  dlqDepth,
  LOADED_DEADLINE_MS,
  putMessages,
  quietDlqs,
  useCliRuntime,
} from './helpers/cli-runtime.ts';

let target: TestTarget;
useCliRuntime((started) => {
  target = started;
});

// Generous hang guards: a loaded machine (2 cores shared) slows every consumer; nothing asserts time.
describe.skipIf(targetKind() !== 'embedded')(
  'order-events CLI on the embedded runtime: commands',
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
