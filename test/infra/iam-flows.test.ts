/**
 * Service-to-service flows the system depends on, evaluated with an IAM policy evaluator over the
 * synthesized template (intrinsics resolved into a fixed account and region), for every variant
 * the project ships. The emulators do not evaluate IAM, resource or key policies: this is where a
 * policy that would break the deployment, or open it, fails.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigValidationError, SERVICES } from '../../infra/config.ts';
import { PROJECT_ROOT } from '../../infra/stacks/order-events-stack.ts';
import { synthForTest } from './helpers.ts';
import { type AccessRequest, ANONYMOUS, type Decision, evaluate } from './iam/policy-evaluator.ts';
import {
  ACCOUNT,
  OTHER_ACCOUNT,
  type RawTemplate,
  REGION,
  ResolvedTemplate,
} from './iam/resolved-template.ts';
import { apiOf, consumersOf, type DeployedApi } from './iam/topology.ts';

/** Evaluations per kind, printed at the end (docs/architecture.md quotes them). */
const tally = { flows: 0, flowsAllowed: 0, negative: 0, negativeDenied: 0 };

/** A flow the system needs: must be allowed. */
async function expectAllowed(t: ResolvedTemplate, request: AccessRequest, label: string): Promise<void> {
  tally.flows += 1;
  const decision = await evaluate(t, request);
  expect(decision, `${label}: ${request.principal} ${request.action} ${request.resource}`).toBe('Allowed');
  tally.flowsAllowed += 1;
}

/** A request that must not be allowed. */
async function expectDenied(
  t: ResolvedTemplate,
  request: AccessRequest,
  label: string,
  decision: Decision | 'Denied' = 'Denied',
): Promise<void> {
  tally.negative += 1;
  const actual = await evaluate(t, request);
  if (decision === 'Denied') expect(actual, label).not.toBe('Allowed');
  else expect(actual, label).toBe(decision);
  tally.negativeDenied += 1;
}

const templateOf = (context: Record<string, unknown>): RawTemplate =>
  synthForTest(context).template.toJSON() as RawTemplate;

/** FIFO: the shipped configuration synthesizes with fifo=true; absent only if validateConfig refuses it. */
function fifoTemplate(): RawTemplate | undefined {
  try {
    return templateOf({ stage: 'fifo', fifo: 'true' });
  } catch (error) {
    if (error instanceof ConfigValidationError) return undefined;
    throw error;
  }
}

const VARIANTS: [string, RawTemplate][] = [
  ['dev', templateOf({ stage: 'dev' })],
  [
    'prod',
    templateOf({ stage: 'prod', alarmEmail: 'ops@example.com', sesFromAddress: 'orders@example.com' }),
  ],
];
const fifo = fifoTemplate();
if (fifo !== undefined) VARIANTS.push(['fifo', fifo]);

afterAll(() => {
  console.info(
    `[iam] variants ${VARIANTS.map(([n]) => n).join(', ')}: ${tally.flows} flow evaluations (${tally.flowsAllowed} allowed), ${tally.negative} negative checks (${tally.negativeDenied} denied)`,
  );
});

const SNS = 'sns.amazonaws.com';
const viaSqs = { 'kms:ViaService': `sqs.${REGION}.amazonaws.com` };
const viaSns = { 'kms:ViaService': `sns.${REGION}.amazonaws.com` };

function opsTopicOf(t: ResolvedTemplate): { topicArn: string; keyArn: string } {
  const topic = t.ofType('AWS::SNS::Topic').find((r) => r.properties.DisplayName === 'order-events alarms');
  if (topic?.arn === undefined) throw new Error('no ops topic');
  return { topicArn: topic.arn, keyArn: String(topic.properties.KmsMasterKeyId) };
}

/** The raw template with the statements `sid` removed from every topic policy (a deliberate break). */
function withoutTopicStatement(raw: RawTemplate, sid: string): RawTemplate {
  const copy = structuredClone(raw) as {
    Resources: Record<
      string,
      { Type: string; Properties?: { PolicyDocument?: { Statement: { Sid?: string }[] } } }
    >;
  };
  for (const r of Object.values(copy.Resources)) {
    const doc = r.Type === 'AWS::SNS::TopicPolicy' ? r.Properties?.PolicyDocument : undefined;
    if (doc !== undefined) doc.Statement = doc.Statement.filter((s) => s.Sid !== sid);
  }
  return copy as unknown as RawTemplate;
}

/**
 * API Gateway's own authorization step: an AWS_IAM route evaluates execute-api:Invoke for the caller
 * (no resource policy on this API); a NONE route lets every request through without asking IAM.
 */
async function apiAuthorizes(
  t: ResolvedTemplate,
  api: DeployedApi,
  request: Omit<AccessRequest, 'action' | 'resource'>,
): Promise<Decision> {
  const route = api.routes.find((r) => r.routeKey === 'POST /orders');
  if (route === undefined) throw new Error('no POST /orders route');
  if (route.authorizationType === 'NONE') return 'Allowed';
  expect(route.authorizationType).toBe('AWS_IAM');
  return evaluate(t, {
    ...request,
    action: 'execute-api:Invoke',
    resource: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${api.apiId}/$default/POST/orders`,
  });
}

describe.each(VARIANTS)('%s variant', (variant, raw) => {
  const t = new ResolvedTemplate(raw, `OrderEvents-${variant}`);
  const consumers = consumersOf(t);
  const api = apiOf(t);

  it('has every configured consumer and the order API wired as expected', () => {
    expect(consumers.map((c) => c.service).sort()).toEqual(SERVICES.map((c) => c.name).sort());
    expect(consumers.length).toBeGreaterThan(0);
    for (const c of consumers) expect(c.topicArn).toBe(api.topicArn);
  });

  describe('CloudWatch → ops topic', () => {
    it('every alarm action may publish to the ops topic and use its key', async () => {
      const { topicArn, keyArn } = opsTopicOf(t);
      const alarms = t.ofType('AWS::CloudWatch::Alarm');
      expect(alarms.length).toBeGreaterThan(0);
      for (const alarm of alarms) {
        expect(alarm.properties.AlarmActions).toEqual([topicArn]);
        expect(alarm.properties.OKActions).toEqual([topicArn]);
        const context = { 'aws:SourceArn': alarm.arn as string, 'aws:SourceAccount': ACCOUNT };
        const principal = 'cloudwatch.amazonaws.com';
        await expectAllowed(
          t,
          { principal, action: 'sns:Publish', resource: topicArn, context },
          alarm.logicalId,
        );
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          await expectAllowed(t, { principal, action, resource: keyArn, context }, alarm.logicalId);
        }
      }
    });

    it('is implicitly denied without the topic-policy Allow (the template before issue 8)', async () => {
      const broken = new ResolvedTemplate(withoutTopicStatement(raw, 'AllowCloudWatchAlarms'));
      const { topicArn } = opsTopicOf(broken);
      for (const alarm of broken.ofType('AWS::CloudWatch::Alarm')) {
        const context = { 'aws:SourceArn': alarm.arn as string, 'aws:SourceAccount': ACCOUNT };
        await expectDenied(
          broken,
          { principal: 'cloudwatch.amazonaws.com', action: 'sns:Publish', resource: topicArn, context },
          `${alarm.logicalId} without the Allow`,
          'ImplicitlyDenied',
        );
      }
    });

    it("denies another account's alarms (confused deputy)", async () => {
      const { topicArn, keyArn } = opsTopicOf(t);
      const context = {
        'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:anything`,
        'aws:SourceAccount': OTHER_ACCOUNT,
      };
      const principal = 'cloudwatch.amazonaws.com';
      await expectDenied(
        t,
        { principal, action: 'sns:Publish', resource: topicArn, context },
        'foreign alarm publish',
      );
      await expectDenied(
        t,
        { principal, action: 'kms:GenerateDataKey', resource: keyArn, context },
        'foreign alarm key',
      );
    });
  });

  describe('SNS → queues', () => {
    it('SNS may deliver to each queue (queue policy) and encrypt with its key (key policy)', async () => {
      for (const c of consumers) {
        const context = { 'aws:SourceArn': c.topicArn, 'aws:SourceAccount': ACCOUNT };
        await expectAllowed(
          t,
          { principal: SNS, action: 'sqs:SendMessage', resource: c.queueArn, context },
          c.service,
        );
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          await expectAllowed(
            t,
            { principal: SNS, action, resource: c.queueKeyArn, context: { ...context, ...viaSqs } },
            c.service,
          );
        }
      }
    });

    it('SNS may write each subscription DLQ, which depends on no key (SSE-SQS)', async () => {
      for (const c of consumers) {
        const context = { 'aws:SourceArn': c.topicArn, 'aws:SourceAccount': ACCOUNT };
        await expectAllowed(
          t,
          { principal: SNS, action: 'sqs:SendMessage', resource: c.subscriptionDlqArn, context },
          `${c.service} subscription DLQ`,
        );
        const dlq = t.byArn(c.subscriptionDlqArn);
        expect(
          dlq.properties.KmsMasterKeyId,
          `${c.service}: subscription DLQ must not share the queue key`,
        ).toBeUndefined();
        expect(dlq.properties.SqsManagedSseEnabled).toBe(true);
      }
    });

    it('SNS may use the topic key to deliver the topic messages', async () => {
      const context = { 'aws:SourceAccount': ACCOUNT, ...viaSns };
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        await expectAllowed(t, { principal: SNS, action, resource: api.topicKeyArn, context }, 'topic key');
      }
    });

    it("denies another account's topic, anonymous senders and plain HTTP", async () => {
      for (const c of consumers) {
        const foreignTopic = `arn:aws:sns:${REGION}:${OTHER_ACCOUNT}:attacker`;
        const foreign = { 'aws:SourceArn': foreignTopic, 'aws:SourceAccount': OTHER_ACCOUNT };
        for (const resource of [c.queueArn, c.subscriptionDlqArn, c.dlqArn]) {
          await expectDenied(
            t,
            { principal: SNS, action: 'sqs:SendMessage', resource, context: foreign },
            `${c.service} foreign topic`,
          );
          await expectDenied(
            t,
            { principal: ANONYMOUS, action: 'sqs:SendMessage', resource },
            `${c.service} anonymous send`,
          );
          await expectDenied(
            t,
            {
              principal: SNS,
              action: 'sqs:SendMessage',
              resource,
              context: {
                'aws:SourceArn': c.topicArn,
                'aws:SourceAccount': ACCOUNT,
                'aws:SecureTransport': 'false',
              },
            },
            `${c.service} insecure transport`,
            resource === c.dlqArn ? 'Denied' : 'ExplicitlyDenied',
          );
        }
        await expectDenied(
          t,
          { principal: SNS, action: 'kms:GenerateDataKey', resource: c.queueKeyArn, context: foreign },
          `${c.service} foreign topic key`,
        );
      }
    });
  });

  describe('SQS redrive → DLQ', () => {
    // Not an IAM request: SQS moves the message itself once maxReceiveCount is reached. What can
    // break it is in the template: the target, the DLQ's RedriveAllowPolicy, and the key.
    it('each queue redrives to its own DLQ, allowed by the DLQ and encrypted with the same key', () => {
      for (const c of consumers) {
        tally.flows += 1;
        const queue = t.byArn(c.queueArn);
        const dlq = t.byArn(c.dlqArn);
        const redrive = queue.properties.RedrivePolicy as {
          deadLetterTargetArn: string;
          maxReceiveCount: number;
        };
        expect(redrive.deadLetterTargetArn).toBe(c.dlqArn);
        expect(redrive.maxReceiveCount).toBeGreaterThan(0);
        const allow = dlq.properties.RedriveAllowPolicy as
          | { redrivePermission: string; sourceQueueArns?: string[] }
          | undefined;
        if (allow !== undefined && allow.redrivePermission !== 'allowAll') {
          expect(allow.redrivePermission).toBe('byQueue');
          expect(allow.sourceQueueArns).toContain(c.queueArn);
        }
        expect(dlq.properties.FifoQueue).toBe(queue.properties.FifoQueue);
        // Same key: the consumer role's kms:Decrypt on it also reads messages redriven back.
        expect(dlq.properties.KmsMasterKeyId).toBe(c.queueKeyArn);
        tally.flowsAllowed += 1;
      }
    });
  });

  describe('Lambda event source → queue', () => {
    it('each consumer role may poll, delete and extend its queue and decrypt with its key', async () => {
      for (const c of consumers) {
        for (const action of [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueAttributes',
        ]) {
          await expectAllowed(t, { principal: c.roleArn, action, resource: c.queueArn }, c.service);
        }
        await expectAllowed(
          t,
          { principal: c.roleArn, action: 'kms:Decrypt', resource: c.queueKeyArn, context: viaSqs },
          c.service,
        );
      }
    });

    it('each consumer may send a poison record to its own DLQ (fast path), encrypted with its key', async () => {
      for (const c of consumers) {
        await expectAllowed(
          t,
          { principal: c.roleArn, action: 'sqs:SendMessage', resource: c.dlqArn },
          c.service,
        );
        await expectAllowed(
          t,
          { principal: c.roleArn, action: 'kms:GenerateDataKey', resource: c.queueKeyArn, context: viaSqs },
          c.service,
        );
      }
    });
  });

  describe('isolation between consumers', () => {
    it("denies each consumer every other service's queue, DLQs, key, effect table and idempotency keys", async () => {
      for (const c of consumers) {
        for (const other of consumers.filter((o) => o.service !== c.service)) {
          const label = `${c.service} on ${other.service}`;
          for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage']) {
            await expectDenied(
              t,
              { principal: c.roleArn, action, resource: other.queueArn },
              `${label} queue ${action}`,
            );
            await expectDenied(
              t,
              { principal: c.roleArn, action, resource: other.dlqArn },
              `${label} DLQ ${action}`,
            );
            await expectDenied(
              t,
              { principal: c.roleArn, action, resource: other.subscriptionDlqArn },
              `${label} subscription DLQ ${action}`,
            );
          }
          await expectDenied(
            t,
            { principal: c.roleArn, action: 'kms:Decrypt', resource: other.queueKeyArn, context: viaSqs },
            `${label} key`,
          );
          for (const action of [
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:GetItem',
            'dynamodb:ConditionCheckItem',
          ]) {
            await expectDenied(
              t,
              { principal: c.roleArn, action, resource: other.effectTableArn },
              `${label} effect table ${action}`,
            );
          }
          for (const action of [
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:GetItem',
            'dynamodb:DeleteItem',
          ]) {
            await expectDenied(
              t,
              {
                principal: c.roleArn,
                action,
                resource: other.idempotencyTableArn,
                context: { 'dynamodb:LeadingKeys': [`${other.service}#some-event`] },
              },
              `${label} idempotency key ${action}`,
            );
          }
        }
        // Its own idempotency keys are allowed, under its prefix only.
        await expectAllowed(
          t,
          {
            principal: c.roleArn,
            action: 'dynamodb:PutItem',
            resource: c.idempotencyTableArn,
            context: { 'dynamodb:LeadingKeys': [`${c.service}#some-event`] },
          },
          `${c.service} own idempotency key`,
        );
      }
    });
  });

  describe('order API', () => {
    it('API Gateway may invoke the order-api function from this API only', async () => {
      const sourceArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${api.apiId}/$default/POST/orders`;
      const principal = 'apigateway.amazonaws.com';
      await expectAllowed(
        t,
        {
          principal,
          action: 'lambda:InvokeFunction',
          resource: api.functionArn,
          context: { 'aws:SourceArn': sourceArn },
        },
        'API → function',
      );
      await expectDenied(
        t,
        {
          principal,
          action: 'lambda:InvokeFunction',
          resource: api.functionArn,
          context: {
            'aws:SourceArn': `arn:aws:execute-api:${REGION}:${ACCOUNT}:otherapi/$default/POST/orders`,
          },
        },
        'another API → function',
      );
    });

    it('the order-api function may publish to the topic with its key, and nothing else', async () => {
      await expectAllowed(
        t,
        { principal: api.roleArn, action: 'sns:Publish', resource: api.topicArn },
        'order-api publish',
      );
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        await expectAllowed(
          t,
          { principal: api.roleArn, action, resource: api.topicKeyArn, context: viaSns },
          'order-api topic key',
        );
      }
      await expectDenied(
        t,
        { principal: api.roleArn, action: 'sns:Publish', resource: opsTopicOf(t).topicArn },
        'order-api → ops topic',
      );
      for (const c of consumers) {
        await expectDenied(
          t,
          { principal: api.roleArn, action: 'sqs:SendMessage', resource: c.queueArn },
          'order-api → queue',
        );
      }
    });

    it('denies publishing over plain HTTP and anonymous publishing on both topics', async () => {
      await expectDenied(
        t,
        {
          principal: api.roleArn,
          action: 'sns:Publish',
          resource: api.topicArn,
          context: { 'aws:SecureTransport': 'false' },
        },
        'insecure publish',
        'ExplicitlyDenied',
      );
      for (const topicArn of [api.topicArn, opsTopicOf(t).topicArn]) {
        await expectDenied(
          t,
          { principal: ANONYMOUS, action: 'sns:Publish', resource: topicArn },
          `anonymous publish ${topicArn}`,
        );
      }
    });

    it('denies unsigned POST /orders (IAM authorization), allows a caller granted execute-api:Invoke', async () => {
      tally.negative += 1;
      expect(await apiAuthorizes(t, api, { principal: ANONYMOUS }), 'unsigned POST /orders').not.toBe(
        'Allowed',
      );
      tally.negativeDenied += 1;
      tally.negative += 1;
      expect(await apiAuthorizes(t, api, { principal: `arn:aws:iam::${ACCOUNT}:role/no-grant` })).not.toBe(
        'Allowed',
      );
      tally.negativeDenied += 1;
      tally.flows += 1;
      const caller = {
        principal: `arn:aws:iam::${ACCOUNT}:role/order-intake`,
        identityPolicies: [
          {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow' as const,
                Action: 'execute-api:Invoke',
                Resource: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${api.apiId}/*/POST/orders`,
              },
            ],
          },
        ],
      };
      expect(await apiAuthorizes(t, api, caller)).toBe('Allowed');
      tally.flowsAllowed += 1;
    });
  });

  if (variant === 'prod') {
    describe('SES (prod, sesFromAddress set)', () => {
      it('the email consumer may send from the configured address only; no other consumer may send', async () => {
        const email = consumers.find((c) => c.service === 'email');
        if (email === undefined) throw new Error('no email consumer');
        const identity = `arn:aws:ses:${REGION}:${ACCOUNT}:identity/example.com`;
        await expectAllowed(
          t,
          {
            principal: email.roleArn,
            action: 'ses:SendEmail',
            resource: identity,
            context: { 'ses:FromAddress': 'orders@example.com' },
          },
          'email → SES',
        );
        await expectDenied(
          t,
          {
            principal: email.roleArn,
            action: 'ses:SendEmail',
            resource: identity,
            context: { 'ses:FromAddress': 'ceo@example.com' },
          },
          'email → SES as someone else',
        );
        for (const c of consumers.filter((o) => o.service !== 'email')) {
          await expectDenied(
            t,
            {
              principal: c.roleArn,
              action: 'ses:SendEmail',
              resource: identity,
              context: { 'ses:FromAddress': 'orders@example.com' },
            },
            `${c.service} → SES`,
          );
        }
      });
    });
  }
});

describe('dev opting out (apiAuth=none)', () => {
  it('lets unsigned POST /orders through, which is why validateConfig refuses it in prod and with SES', async () => {
    const open = new ResolvedTemplate(templateOf({ stage: 'dev', apiAuth: 'none' }));
    expect(await apiAuthorizes(open, apiOf(open), { principal: ANONYMOUS })).toBe('Allowed');
  });
});

describe('the AGPL evaluator stays a test-only dependency', () => {
  it('is imported by test/infra/iam/policy-evaluator.ts only, is a devDependency, and is in no bundle', () => {
    const importers: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) {
          if (/^import[^;]*from '@cloud-copilot\//m.test(readFileSync(join(PROJECT_ROOT, path), 'utf8')))
            importers.push(path);
        }
      }
    };
    for (const dir of ['infra', 'lambdas', 'test', 'bench']) walk(dir);
    expect(importers).toEqual([join('test', 'infra', 'iam', 'policy-evaluator.ts')]);
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@cloud-copilot/'))).toEqual([]);
    expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toMatch(/^\d+\.\d+\.\d+$/);
    // Bundles, when synthesized (the integration setup synthesizes cdk.out).
    const out = join(PROJECT_ROOT, 'cdk.out');
    const bundles = existsSync(out)
      ? readdirSync(out)
          .filter((d) => d.startsWith('asset.') && existsSync(join(out, d, 'index.mjs')))
          .map((d) => join(out, d, 'index.mjs'))
      : [];
    for (const bundle of bundles) expect(readFileSync(bundle, 'utf8'), bundle).not.toContain('cloud-copilot');
  });
});
