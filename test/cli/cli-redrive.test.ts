import { type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { redriveByCopy } from '../../cli/dlq.ts';
import { EXIT } from '../../cli/main.ts';
import { publishOrderPlaced } from '../../lambdas/shared/publisher.ts';
import { drained, effectCount, eventually, orderEvent } from '../integration/helpers/observe.ts';
import { type ServiceName, type TestTarget, targetKind } from '../integration/helpers/target.ts';
import {
  attributesOf,
  cli,
  dlqDepth,
  duplicates,
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
  'order-events CLI on the embedded runtime: dlq redrive',
  { timeout: 180_000 },
  () => {
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
  },
);
