/**
 * Every AWS call the functions actually make, recorded by the embedded runtime's endpoint observer
 * while a scenario drives every function path (order API publish, consumers' idempotency and effect
 * writes, duplicates, a poison record sent to each DLQ fast path, a failed effect write whose
 * idempotency record is deleted and retried, the event source mappings' receive/delete), then each
 * authorization evaluated against the calling function's role in the synthesized template (dev,
 * prod and FIFO when it synthesizes), and every granted action that no recorded call uses
 * reported with its explanation.
 *
 * Embedded runtime only: the observer sits between the functions and the emulators.
 */
import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigValidationError, stackName } from '../../infra/config.ts';
import { toPublishInput } from '../../lambdas/shared/publisher.ts';
import { readStackArtifact } from '../../local/assembly.ts';
import type { ObservedCall } from '../../local/call-observer.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/local-runtime.ts';
import { EVENT_SOURCE_MAPPING_CALLER } from '../../local/runner.ts';
import { synthForTest } from '../infra/helpers.ts';
import { type AccessRequest, evaluate } from '../infra/iam/policy-evaluator.ts';
import {
  type PolicyStatementJson,
  type RawTemplate,
  REGION,
  ResolvedTemplate,
} from '../infra/iam/resolved-template.ts';
import { orderEvent } from './helpers/observe.ts';
import { targetKind, testVisibilityTimeout } from './helpers/target.ts';

const STACK = stackName();

/**
 * Grants no recorded call uses, each with why it stays. A grant missing here fails the test (an
 * unexplained grant is to be removed); an entry that no longer matches an unused grant fails too.
 * Keys: `<action> on <resource logical-id pattern>`.
 */
const EXPLAINED_UNUSED: Readonly<Record<string, string>> = {
  'logs:CreateLogStream on *LogGroup*':
    "the Lambda service writes the function's logs with the execution role; the local host prints them instead",
  'logs:PutLogEvents on *LogGroup*':
    "the Lambda service writes the function's logs with the execution role; the local host prints them instead",
  'sqs:GetQueueAttributes on *Queue*':
    "Lambda's event source mapping reads the queue attributes when it is created and validated (not emulated)",
  'sqs:GetQueueUrl on *Queue*':
    "part of aws-cdk-lib's SqsEventSource grant (queue.grantConsumeMessages); the poller addresses the queue by ARN",
  'sqs:ChangeMessageVisibility on *Queue*':
    "Lambda's poller changes visibility on failed batches; the local runner lets the visibility timeout run out",
  'dynamodb:DeleteItem on Idempotency*':
    'Powertools deletes the in-progress record when the handler fails; the scenario fails only inventory (same code in every consumer)',
  'dynamodb:GetItem on Idempotency*':
    "Powertools' getRecord fallback when a conditional put returns no old item (the recorded path gets it with ALL_OLD)",
  'dynamodb:UpdateItem on *EffectTable*':
    'one effect statement for every service: high-value (case + marker) and archive write with PutItem only',
};

/** Where a template ARN maps back from a local one. */
type LocalToTemplate = Map<string, string>;

interface Recorded {
  readonly calls: ObservedCall[];
  readonly runtime: LocalRuntime;
  readonly devRaw: RawTemplate;
  readonly localToTemplate: LocalToTemplate;
  /** function logical id → role ARN (template). */
  readonly roleOf: Map<string, string>;
  /** local queue ARN → function logical id of its event source mapping. */
  readonly mappingFunctionOf: Map<string, string>;
}

let recorded: Recorded | undefined;

const embedded = targetKind() === 'embedded';

beforeAll(async () => {
  if (!embedded) return;
  const artifact = readStackArtifact(STACK, 'cdk.out');
  const devRaw = artifact.template as unknown as RawTemplate;
  const dev = new ResolvedTemplate(devRaw, STACK);
  const inventory = dev
    .ofType('AWS::Lambda::Function')
    .find(
      (f) =>
        (f.properties.Environment as { Variables: Record<string, string> }).Variables.SERVICE_NAME ===
        'inventory',
    );
  if (inventory === undefined) throw new Error('no inventory function');
  const calls: ObservedCall[] = [];
  const runtime = await startLocalRuntime({
    outputsFile: false,
    waitTimeSeconds: 1,
    queueAttributeOverrides: ({ eventSource }) =>
      eventSource === undefined
        ? undefined
        : { VisibilityTimeout: String(testVisibilityTimeout(eventSource.batchingWindowSeconds)) },
    endpointProxy: {
      observers: [(call) => calls.push(call)],
      // The failure path: inventory's first effect write fails for every SDK attempt, so the
      // handler fails the record, Powertools deletes its in-progress idempotency record, and the
      // redelivered record succeeds.
      faults: {
        seed: 8,
        rules: [
          {
            fault: 'outage',
            rate: 1,
            limit: 1,
            match: { callers: [inventory.logicalId], actions: ['TransactWriteItems', 'UpdateItem'] },
          },
        ],
      },
    },
  });
  const d = runtime.deployment;
  const localToTemplate: LocalToTemplate = new Map();
  for (const r of [...d.topics, ...d.queues, ...d.tables]) {
    localToTemplate.set(r.arn, dev.get(r.logicalId).arn as string);
  }
  const roleOf = new Map<string, string>();
  for (const f of dev.ofType('AWS::Lambda::Function')) roleOf.set(f.logicalId, String(f.properties.Role));
  const mappingFunctionOf = new Map(d.eventSourceMappings.map((m) => [m.queueArn, m.functionLogicalId]));
  recorded = { calls, runtime, devRaw, localToTemplate, roleOf, mappingFunctionOf };
}, 120_000);

afterAll(async () => {
  await recorded?.runtime.stop();
});

/** The scenario: every function path, then quiet queues. */
async function drive(r: Recorded): Promise<void> {
  const outputs = r.runtime.outputs;
  const topicArn = outputs.TopicArn as string;
  const sns = r.runtime.emulators;
  const { SNSClient } = await import('@aws-sdk/client-sns');
  const snsClient = new SNSClient(sns.clientConfig('sns'));
  const sqsClient = new SQSClient(sns.clientConfig('sqs'));
  try {
    // order API → topic (valid, high-value so every consumer receives it) and a rejected body.
    const order = orderEvent(150);
    const accepted = await fetch(`${outputs.OrderApiUrl}orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order.data),
    });
    expect(accepted.status).toBe(202);
    const rejected = await fetch(`${outputs.OrderApiUrl}orders`, { method: 'POST', body: '{}' });
    expect(rejected.status).toBe(400);
    // A duplicate delivery (the same event twice) and a poison record that passes every filter.
    const duplicate = orderEvent(120);
    for (let i = 0; i < 2; i += 1)
      await snsClient.send(new PublishCommand(toPublishInput(topicArn, duplicate)));
    await snsClient.send(
      new PublishCommand({
        TopicArn: topicArn,
        // JSON every subscription's filter admits (attributes, or the body: data.total >= 100) but
        // the contract rejects.
        Message: JSON.stringify({ eventType: 'order.placed', data: { total: 500 }, note: randomUUID() }),
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'order.placed' },
          total: { DataType: 'Number', StringValue: '500' },
        },
      }),
    );
    const consumers = [...r.mappingFunctionOf.values()];
    const queueUrls = r.runtime.deployment.eventSourceMappings.map((m) => m.queueUrl);
    await expect
      .poll(
        async () => {
          const ok = (c: ObservedCall) => c.status >= 200 && c.status < 300;
          const dlqSends = consumers.filter((fn) =>
            r.calls.some((c) => c.caller === fn && c.action === 'SendMessage' && ok(c)),
          );
          const deletedIdempotency = r.calls.some((c) => c.action === 'DeleteItem' && ok(c));
          let inFlight = 0;
          for (const url of queueUrls) {
            const a = await sqsClient.send(
              new GetQueueAttributesCommand({
                QueueUrl: url,
                AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
              }),
            );
            inFlight +=
              Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
              Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
          }
          return { dlqSends: dlqSends.length, deletedIdempotency, inFlight };
        },
        { timeout: 90_000, interval: 500 },
      )
      .toEqual({ dlqSends: consumers.length, deletedIdempotency: true, inFlight: 0 });
  } finally {
    snsClient.destroy();
    sqsClient.destroy();
  }
}

/** Authorizations a recorded call needs, on template ARNs, with the KMS calls the service makes for it. */
function requestsOf(
  r: Recorded,
  t: ResolvedTemplate,
  call: ObservedCall,
): { fn: string; requests: AccessRequest[] } {
  const fn =
    call.caller === EVENT_SOURCE_MAPPING_CALLER
      ? r.mappingFunctionOf.get(call.resources[0] ?? '')
      : r.roleOf.has(call.caller)
        ? call.caller
        : undefined;
  if (fn === undefined) throw new Error(`call ${call.seq} ${call.action} by ${call.caller}: no function`);
  const principal = r.roleOf.get(fn) as string;
  const requests: AccessRequest[] = [];
  for (const a of call.authorizations) {
    const resource = r.localToTemplate.get(a.resource);
    if (resource === undefined)
      throw new Error(`call ${call.seq} ${a.action}: unknown resource ${a.resource}`);
    requests.push({
      principal,
      action: a.action,
      resource,
      context: { ...a.conditionKeys } as Record<string, string[]>,
    });
    // SSE-KMS: SQS and SNS call KMS with the caller's credentials (kms:ViaService).
    const target = t.byArn(resource);
    const key = target.properties.KmsMasterKeyId;
    if (typeof key === 'string') {
      const via = { 'kms:ViaService': `${a.action.split(':')[0]}.${REGION}.amazonaws.com` };
      const kms =
        a.action === 'sqs:ReceiveMessage'
          ? ['kms:Decrypt']
          : a.action === 'sqs:SendMessage' || a.action === 'sns:Publish'
            ? ['kms:GenerateDataKey', 'kms:Decrypt']
            : [];
      for (const action of kms) requests.push({ principal, action, resource: key, context: via });
    }
  }
  return { fn, requests };
}

/** Glob match of an IAM resource pattern. */
const matches = (pattern: string, arn: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(arn);

describe.skipIf(!embedded)('recorded AWS calls of every function', () => {
  it('are all allowed by the calling function role in every template variant; unused grants are explained', async () => {
    const r = recorded as Recorded;
    await drive(r);
    const byFunctions = r.calls.filter((c) => c.caller !== 'test' && c.caller !== 'anonymous');
    const dev = new ResolvedTemplate(r.devRaw, STACK);
    const prodRaw = synthForTest({
      stage: 'prod',
      alarmEmail: 'ops@example.com',
      sesFromAddress: 'orders@example.com',
    }).template.toJSON() as RawTemplate;
    const prod = new ResolvedTemplate(prodRaw, 'OrderEvents-prod');
    // FIFO as soon as the shipped configuration synthesizes with fifo=true (queue ARNs differ: .fifo).
    let fifo: ResolvedTemplate | undefined;
    try {
      fifo = new ResolvedTemplate(
        synthForTest({ stage: 'fifo', fifo: 'true' }).template.toJSON() as RawTemplate,
        'OrderEvents-fifo',
      );
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
    }
    const variants: [string, ResolvedTemplate][] = [
      ['dev', dev],
      ['prod', prod],
      ...(fifo === undefined ? [] : [['fifo', fifo] as [string, ResolvedTemplate]]),
    ];
    /** The same request on the same logical resources of another variant of the template. */
    const retarget = (request: AccessRequest, t: ResolvedTemplate): AccessRequest => {
      const arnIn = (arn: string) => t.get(dev.byArn(arn).logicalId).arn as string;
      return { ...request, principal: arnIn(request.principal), resource: arnIn(request.resource) };
    };

    const used = new Map<string, { action: string; resource: string }[]>(); // role → used
    const denied: string[] = [];
    let evaluated = 0;
    let implied = 0;
    for (const call of byFunctions) {
      const { requests } = requestsOf(r, dev, call);
      implied += requests.length - call.authorizations.length;
      for (const request of requests) {
        evaluated += 1;
        const list = used.get(request.principal) ?? [];
        list.push({ action: request.action, resource: request.resource });
        used.set(request.principal, list);
        for (const [name, t] of variants) {
          // Same construct paths in every variant: the same logical ids, so the same resources.
          const decision = await evaluate(t, retarget(request, t));
          if (decision !== 'Allowed') {
            denied.push(
              `${name}: call ${call.seq} ${call.caller} ${request.action} ${request.resource} ${JSON.stringify(request.context)} → ${decision}`,
            );
          }
        }
      }
    }
    const actions = [...new Set(byFunctions.map((c) => c.action))].sort();
    const callers = new Set(byFunctions.map((c) => c.caller));
    expect(denied).toEqual([]);
    // Every function and the pollers were recorded, with the paths the scenario drives.
    expect(callers.size).toBe(r.roleOf.size + 1);
    const authorized = [...new Set(byFunctions.flatMap((c) => c.authorizations.map((a) => a.action)))];
    for (const action of [
      'sns:Publish',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'sqs:SendMessage',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
    ]) {
      expect(authorized).toContain(action);
    }
    expect(
      byFunctions.some((c) =>
        c.authorizations.some((a) => (a.conditionKeys['dynamodb:LeadingKeys']?.length ?? 0) > 0),
      ),
    ).toBe(true);

    // (d) unused grants: every (action, resource) a function role is granted that no call used.
    const unused: { key: string; detail: string }[] = [];
    for (const [fnLogicalId, roleArn] of r.roleOf) {
      const roleUsed = used.get(roleArn) ?? [];
      for (const { policy } of dev.identityPolicies(roleArn)) {
        for (const s of policy.Statement as readonly PolicyStatementJson[]) {
          if (s.Effect !== 'Allow') continue;
          const actionList = typeof s.Action === 'string' ? [s.Action] : [...(s.Action ?? [])];
          const resources = typeof s.Resource === 'string' ? [s.Resource] : [...(s.Resource ?? [])];
          for (const action of actionList) {
            for (const resource of resources) {
              if (roleUsed.some((u) => u.action === action && matches(resource, u.resource))) continue;
              const owner = [...dev.resources.values()].find(
                (x) => x.arn === resource || matches(resource, x.arn ?? ''),
              );
              const id = owner?.logicalId ?? resource;
              const key = Object.keys(EXPLAINED_UNUSED).find((k) => {
                const [kAction, kResource] = k.split(' on ') as [string, string];
                return kAction === action && matches(kResource, id);
              });
              unused.push({
                key: key ?? `UNEXPLAINED ${action} on ${id}`,
                detail: `${fnLogicalId}: ${action} on ${id}`,
              });
            }
          }
        }
      }
    }
    console.info(
      `[iam] recorded ${byFunctions.length} calls by ${callers.size} callers (${actions.join(', ')}): ${evaluated} authorizations (${implied} implied KMS) evaluated against ${variants.map(([n]) => n).join(', ')}, ${denied.length} denied; unused grants: ${unused.length}\n${unused.map((u) => `  ${u.detail}  [${u.key}]`).join('\n')}`,
    );
    expect(unused.filter((u) => u.key.startsWith('UNEXPLAINED')).map((u) => u.detail)).toEqual([]);
    const stale = Object.keys(EXPLAINED_UNUSED).filter((k) => !unused.some((u) => u.key === k));
    expect(stale, 'explanations for grants that are now used or gone').toEqual([]);
  }, 180_000);
});
