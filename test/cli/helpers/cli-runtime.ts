/**
 * One embedded runtime per CLI test file, and the CLI run in-process against it: every command
 * through `runCli` (the bin's own code path), found through a runtime descriptor file exactly as
 * `npm start -- --keep` writes it. The CLI tests are split into several files (commands, redrive,
 * replay) so the suite's workers run them side by side; each file starts its own runtime.
 *
 * DLQ contents are put there with SendMessage, shaped as SQS leaves them: the event body with its
 * attributes (a main DLQ after maxReceiveCount, or a subscription DLQ with raw delivery), the same
 * plus the consumer's reason attributes (poison), or an SNS notification envelope (a subscription
 * DLQ without raw delivery). The embedded SNS never fills a subscription DLQ itself (docs/local.md).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MessageAttributeValue, PurgeQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect } from 'vitest';
import { type CliIo, runCli } from '../../../cli/main.ts';
import { type OrderPlaced, orderPlacedAttributes } from '../../../lambdas/shared/contract.ts';
import { writeRuntimeDescriptor } from '../../../local/runtime-descriptor.ts';
import { drained, queueDepth } from '../../integration/helpers/observe.ts';
import { openTarget, type ServiceName, type TestTarget } from '../../integration/helpers/target.ts';

/** Deadline of each wait (a hang guard, not a timing assertion): generous for a loaded machine. */
export const LOADED_DEADLINE_MS = 90_000;

/** This file's scratch directory (runtime descriptor, order files). */
export const dir = mkdtempSync(join(tmpdir(), 'order-events-cli-'));

let target: TestTarget;
let runtimeFile: string;

/**
 * Starts this file's runtime before its tests (and stops it after); `started` receives the target
 * so the file's tests can use it directly.
 */
export function useCliRuntime(started: (target: TestTarget) => void): void {
  beforeAll(async () => {
    // Template-like visibility (not the suite's seconds): nothing here waits for a retry, and a slow
    // batch on a loaded machine must not be redelivered into the DLQs these tests count.
    target = await openTarget({ visibilityTimeoutSeconds: 60 });
    started(target);
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
}

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** stdout parsed as one JSON document. */
  json<T = Record<string, unknown>>(): T;
}

/** Runs the CLI in-process against the runtime of this file. */
export async function cli(...args: string[]): Promise<Run> {
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

export function attributesOf(event: OrderPlaced): Record<string, MessageAttributeValue> {
  return orderPlacedAttributes(event) as Record<string, MessageAttributeValue>;
}

/** Puts messages into a queue as SQS or SNS would have left them there. */
export async function putMessages(
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
export async function quietDlqs(service: ServiceName): Promise<void> {
  await drained(target, undefined, LOADED_DEADLINE_MS);
  for (const suffix of ['DlqUrl', 'SubscriptionDlqUrl']) {
    await target.sqs.send(new PurgeQueueCommand({ QueueUrl: target.serviceOutput(service, suffix) }));
  }
}

/** Depth (visible + in flight + delayed) of a service's DLQ or subscription DLQ. */
export const dlqDepth = (service: ServiceName, subscription = false) =>
  queueDepth(target, target.serviceOutput(service, subscription ? 'SubscriptionDlqUrl' : 'DlqUrl'));

export const duplicates = (service: ServiceName) =>
  target.local?.runner.metrics.get(service, 'duplicate') ?? 0;
