import { readFileSync } from 'node:fs';
import type { CfnResource } from 'aws-cdk-lib';
import { FLAGS } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_RECORD_CONCURRENCY,
  DLQ_RETENTION_SECONDS,
  METRICS_NAMESPACE,
  pascalCase,
  SERVICES,
} from '../../infra/config.ts';
import { type OrderEventsStack, PROJECT_ROOT } from '../../infra/stacks/order-events-stack.ts';
import { ofType, type Resources, synthForTest } from './helpers.ts';

type Json = Record<string, unknown>;
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Json;
};

let stack: OrderEventsStack;
let resources: Resources;
let outputs: Json;

beforeAll(() => {
  const synth = synthForTest({ stage: 'dev' });
  stack = synth.stack;
  resources = synth.resources;
  outputs = synth.template.toJSON().Outputs as Json;
});

const idOf = (construct: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);
const props = (logicalId: string): Json => {
  const r = resources[logicalId];
  if (r === undefined) throw new Error(`no resource ${logicalId}`);
  return r.Properties ?? {};
};
const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const ref = (logicalId: string) => ({ Ref: logicalId });
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const consumer = (name: string) => {
  const c = stack.consumers.get(name);
  if (c === undefined) throw new Error(`no consumer ${name}`);
  return c;
};
const topicId = () => idOf(stack.topic.topic);
const opsTopicId = () => idOf(stack.opsTopic.topic);

function policyStatementsOf(queueLogicalId: string): Statement[] {
  const policies = ofType(resources, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
    (p.Queues as unknown[]).some((q) => JSON.stringify(q) === JSON.stringify(ref(queueLogicalId))),
  );
  return policies.flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
}

function roleStatements(roleLogicalId: string): Statement[] {
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) =>
      (p.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(ref(roleLogicalId))),
    )
    .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('topics', () => {
  it('encrypts the order-events topic with a rotating customer-managed key', () => {
    const topic = props(topicId());
    const keyId = idOf(stack.topic.key);
    expect(topic.KmsMasterKeyId).toEqual(getAtt(keyId));
    expect(props(keyId).EnableKeyRotation).toBe(true);
  });

  it.each([
    ['order-events', topicId],
    ['ops', opsTopicId],
  ])('denies non-TLS requests on the %s topic', (_name, id) => {
    const policies = ofType(resources, 'AWS::SNS::TopicPolicy').filter(([, p]) =>
      (p.Topics as unknown[]).some((t) => JSON.stringify(t) === JSON.stringify(ref(id()))),
    );
    const statements = policies.flatMap(
      ([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('encrypts the ops topic with a key CloudWatch alarms may use', () => {
    const keyId = idOf(stack.opsTopic.key);
    expect(props(opsTopicId()).KmsMasterKeyId).toEqual(getAtt(keyId));
    expect(props(keyId).EnableKeyRotation).toBe(true);
    const statements = (props(keyId).KeyPolicy as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']),
      }),
    );
  });
});

describe('idempotency table', () => {
  it('has pk id, TTL expiration, on-demand billing and PITR', () => {
    const table = props(idOf(stack.idempotencyTable.table));
    expect(table.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });
});

describe.each(SERVICES.map((s) => [s.name, s] as const))('service %s', (name, service) => {
  const ids = () => {
    const c = consumer(name);
    return {
      queue: idOf(c.queue),
      dlq: idOf(c.deadLetterQueue),
      subDlq: idOf(c.subscriptionDeadLetterQueue),
      fn: idOf(c.consumer.function),
      role: idOf(c.consumer.role),
      key: stack.getLogicalId(c.encryptionKey.node.defaultChild as CfnResource),
      table: idOf(c.effectTable),
      logGroup: idOf(c.consumer.logGroup),
    };
  };
  const esm = () => {
    const found = ofType(resources, 'AWS::Lambda::EventSourceMapping').filter(
      ([, p]) => JSON.stringify(p.EventSourceArn) === JSON.stringify(getAtt(ids().queue)),
    );
    expect(found).toHaveLength(1);
    return (found[0] as [string, Json])[1];
  };
  const subscription = () => {
    const found = ofType(resources, 'AWS::SNS::Subscription').filter(
      ([, p]) => JSON.stringify(p.Endpoint) === JSON.stringify(getAtt(ids().queue)),
    );
    expect(found).toHaveLength(1);
    return (found[0] as [string, Json])[1];
  };

  it('redrives the queue to its DLQ after maxReceiveCount; DLQs keep 14 days', () => {
    const { queue, dlq, subDlq } = ids();
    expect(props(queue).RedrivePolicy).toEqual({
      deadLetterTargetArn: getAtt(dlq),
      maxReceiveCount: service.maxReceiveCount,
    });
    expect(DLQ_RETENTION_SECONDS).toBe(1_209_600);
    expect(props(dlq).MessageRetentionPeriod).toBe(1_209_600);
    expect(props(subDlq).MessageRetentionPeriod).toBe(1_209_600);
    expect(props(queue).MessageRetentionPeriod as number).toBeLessThan(1_209_600);
  });

  it('encrypts the queue and DLQ with its rotating KMS key, the subscription DLQ with SSE-SQS', () => {
    const { queue, dlq, subDlq, key } = ids();
    for (const q of [queue, dlq]) expect(props(q).KmsMasterKeyId).toEqual(getAtt(key));
    expect(props(key).EnableKeyRotation).toBe(true);
    // Not the queue's key: SNS writes the subscription DLQ when the queue (often its key) fails.
    expect(props(subDlq).KmsMasterKeyId).toBeUndefined();
    expect(props(subDlq).SqsManagedSseEnabled).toBe(true);
  });

  it('subscribes with raw delivery and a subscription DLQ', () => {
    const sub = subscription();
    expect(sub.TopicArn).toEqual(ref(topicId()));
    expect(sub.RawMessageDelivery).toBe(true);
    expect(sub.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt(ids().subDlq) });
  });

  it('filters only high-value, on the event body: eventType and data.total >= 100', () => {
    const sub = subscription();
    if (name === 'high-value') {
      expect(sub.FilterPolicy).toEqual({
        eventType: ['order.placed'],
        data: { total: [{ numeric: ['>=', 100] }] },
      });
      expect(sub.FilterPolicyScope).toBe('MessageBody');
    } else {
      expect(sub.FilterPolicy).toBeUndefined();
      expect(sub.FilterPolicyScope).toBeUndefined();
    }
  });

  it('maps the queue with ReportBatchItemFailures, max concurrency, batch size and window', () => {
    const mapping = esm();
    expect(mapping.FunctionName).toEqual(ref(ids().fn));
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.ScalingConfig).toEqual({ MaximumConcurrency: service.maxConcurrency });
    expect(mapping.BatchSize).toBe(service.batchSize);
    expect(mapping.MaximumBatchingWindowInSeconds).toBe(
      service.maxBatchingWindowSeconds === 0 ? undefined : service.maxBatchingWindowSeconds,
    );
  });

  it('runs nodejs24.x on arm64 with the ESM bundle handler and its environment', () => {
    const fn = props(ids().fn);
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Handler).toBe('index.handler');
    const env = (fn.Environment as { Variables: Json }).Variables;
    expect(env).toMatchObject({
      SERVICE_NAME: name,
      POWERTOOLS_SERVICE_NAME: name,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      IDEMPOTENCY_TABLE_NAME: ref(idOf(stack.idempotencyTable.table)),
      IDEMPOTENCY_EXPIRY_SECONDS: String(service.idempotencyExpirySeconds),
      EFFECT_TABLE_NAME: ref(ids().table),
      DLQ_URL: ref(ids().dlq),
      RECORD_CONCURRENCY: String(service.recordConcurrency ?? DEFAULT_RECORD_CONCURRENCY),
    });
    expect('SES_FROM_ADDRESS' in env).toBe(name === 'email');
    expect(fn.LoggingConfig).toEqual({ LogGroup: ref(ids().logGroup) });
    expect(props(ids().logGroup).RetentionInDays).toBe(30);
  });

  it('sets the visibility timeout to max(requested, 6 x function timeout + batching window)', () => {
    const timeout = props(ids().fn).Timeout as number;
    const window = (esm().MaximumBatchingWindowInSeconds as number | undefined) ?? 0;
    // Exactly AWS's guidance (6 x timeout), not merely at least it: a larger factor delays every retry.
    expect(props(ids().queue).VisibilityTimeout).toBe(
      Math.max(service.visibilityTimeoutSeconds ?? 0, 6 * timeout + window),
    );
  });

  it('lets only this topic send to the queue and the subscription DLQ, over TLS only', () => {
    const { queue, dlq, subDlq } = ids();
    for (const q of [queue, subDlq]) {
      const statements = policyStatementsOf(q);
      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(allows).toEqual([
        expect.objectContaining({
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: { ArnEquals: { 'aws:SourceArn': ref(topicId()) } },
        }),
      ]);
    }
    for (const q of [queue, dlq, subDlq]) {
      expect(policyStatementsOf(q)).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('restricts idempotency items to its own key prefix and sends only to its own DLQ', () => {
    const { role, dlq, table } = ids();
    const statements = roleStatements(role);
    const idemArn = JSON.stringify(getAtt(idOf(stack.idempotencyTable.table)));
    const onIdem = statements.filter((s) => JSON.stringify(s.Resource).includes(idemArn));
    expect(onIdem).toHaveLength(1);
    const idem = onIdem[0] as Statement;
    expect(idem.Effect).toBe('Allow');
    expect(actions(idem).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(idem.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${name}#*`] } });
    const sends = statements.filter((s) => actions(s).includes('sqs:SendMessage'));
    expect(sends.map((s) => s.Resource)).toEqual([getAtt(dlq)]);
    const dynamo = statements.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    for (const s of dynamo) {
      expect([getAtt(table), JSON.parse(idemArn)]).toContainEqual(s.Resource);
    }
    const ses = statements.filter((s) => actions(s).some((a) => a.startsWith('ses:')));
    expect(ses).toEqual([]);
  });

  it('may only write its effect table the way the adapters do (PutItem, UpdateItem: also inside TransactWriteItems)', () => {
    const { role, table } = ids();
    const onTable = roleStatements(role).filter(
      (s) => JSON.stringify(s.Resource) === JSON.stringify(getAtt(table)),
    );
    expect(onTable.flatMap(actions).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it.each([
    'ApproximateNumberOfMessagesVisible:queue',
    'ApproximateAgeOfOldestMessage:queue',
    'ApproximateNumberOfMessagesVisible:dlq',
    'ApproximateNumberOfMessagesVisible:subDlq',
    'Errors:fn',
    'Throttles:fn',
  ])('alarms on %s, notifying the ops topic', (spec) => {
    const [metric, target] = spec.split(':') as [string, 'queue' | 'dlq' | 'subDlq' | 'fn'];
    const targetId = ids()[target];
    const dimension = target === 'fn' ? ref(targetId) : { 'Fn::GetAtt': [targetId, 'QueueName'] };
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').filter(
      ([, p]) =>
        p.MetricName === metric &&
        JSON.stringify((p.Dimensions as { Value: unknown }[])[0]?.Value) === JSON.stringify(dimension),
    );
    expect(alarms).toHaveLength(1);
    const alarm = (alarms[0] as [string, Json])[1];
    expect(alarm.AlarmActions).toEqual([ref(opsTopicId())]);
    expect(alarm.OKActions).toEqual([ref(opsTopicId())]);
    expect(alarm.TreatMissingData).toBe('notBreaching');
  });

  it('has an effect table with pk/sk, on-demand, PITR', () => {
    const table = props(ids().table);
    expect(table.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });
});

describe('every alarm', () => {
  it('notifies the ops topic', () => {
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
    // 6 per service + order API function errors and 5xx + the topic's 2 delivery-failure alarms.
    expect(alarms.length).toBe(SERVICES.length * 6 + 2 + 2);
    for (const [, alarm] of alarms) {
      expect(alarm.AlarmActions).toEqual([ref(opsTopicId())]);
      expect(alarm.OKActions).toEqual([ref(opsTopicId())]);
    }
  });
});

describe('order API', () => {
  it('routes POST /orders to the function (IAM-authorized by default) on a throttled, access-logged stage', () => {
    const routes = ofType(resources, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => [r.RouteKey, r.AuthorizationType])).toEqual([['POST /orders', 'AWS_IAM']]);
    const [stage] = ofType(resources, 'AWS::ApiGatewayV2::Stage');
    const stageProps = (stage as [string, Json])[1];
    expect(stageProps.StageName).toBe('$default');
    expect(stageProps.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    expect(stageProps.AccessLogSettings).toMatchObject({
      DestinationArn: getAtt(idOf(stack.orderApi.accessLogGroup)),
    });
  });

  it('is open only when a non-prod stage opts out with apiAuth=none', () => {
    const open = synthForTest({ stage: 'dev', apiAuth: 'none' });
    const routes = ofType(open.resources, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => [r.RouteKey, r.AuthorizationType])).toEqual([['POST /orders', 'NONE']]);
  });

  it('publishes only to the topic, with its key', () => {
    const fn = props(idOf(stack.orderApi.handler.function));
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect((fn.Environment as { Variables: Json }).Variables).toMatchObject({
      TOPIC_ARN: ref(topicId()),
      POWERTOOLS_SERVICE_NAME: 'order-api',
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      MAX_BODY_BYTES: '65536',
    });
    const statements = roleStatements(idOf(stack.orderApi.handler.role));
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'sns:Publish', Resource: ref(topicId()) }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']),
        Resource: getAtt(idOf(stack.topic.key)),
      }),
    );
    const withWildcardAction = statements.filter((s) => actions(s).some((a) => a.includes('*')));
    expect(withWildcardAction).toEqual([]);
  });
});

describe('stack', () => {
  it('has the dashboard, showing the topic delivery failures its alarms watch', () => {
    const dashboards = ofType(resources, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify((dashboards[0] as [string, Json])[1].DashboardBody);
    const deliveryAlarms = ofType(resources, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Namespace === 'AWS/SNS',
    );
    expect(deliveryAlarms.map(([, a]) => a.MetricName).sort()).toEqual([
      'NumberOfNotificationsFailed',
      'NumberOfNotificationsFailedToRedriveToDlq',
    ]);
    for (const [id, alarm] of deliveryAlarms) {
      expect(alarm.Dimensions).toEqual([
        { Name: 'TopicName', Value: { 'Fn::GetAtt': [topicId(), 'TopicName'] } },
      ]);
      expect(body).toContain(String(alarm.MetricName));
      expect(body, `alarm ${id} in the alarm widget`).toContain(id);
    }
  });

  it('draws every alarm on the dashboard with exactly the metric the alarm evaluates (one metric factory)', () => {
    const body = dashboardBody(resources);
    const drawn = body.widgets
      .flatMap((w) => [...(w.properties.metrics ?? [])])
      .map((m) => {
        const options = (typeof m.at(-1) === 'object' ? m.at(-1) : {}) as { stat?: string; period?: number };
        const [namespace, metricName, ...dimensions] = m.filter((x) => typeof x === 'string') as string[];
        return JSON.stringify({
          namespace,
          metricName,
          dimensions,
          stat: options.stat,
          period: options.period,
        });
      });
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(SERVICES.length * 6);
    for (const [id, alarm] of alarms) {
      const dimensions = (alarm.Dimensions as Array<{ Name: string; Value: Json }>).flatMap((d) => [
        d.Name,
        tokenText(d.Value),
      ]);
      const metric = JSON.stringify({
        namespace: alarm.Namespace,
        metricName: alarm.MetricName,
        dimensions,
        stat: alarm.Statistic ?? alarm.ExtendedStatistic,
        period: alarm.Period,
      });
      expect(drawn, `alarm ${id}`).toContain(metric);
    }
  });

  it('sets only feature flags aws-cdk-lib knows (an unknown flag is silently ignored)', () => {
    const context = (JSON.parse(readFileSync(`${PROJECT_ROOT}/cdk.json`, 'utf8')) as { context: Json })
      .context;
    const unknown = Object.keys(context).filter((k) => k.startsWith('@aws-cdk/') && !(k in FLAGS));
    expect(unknown).toEqual([]);
  });

  it('gives every function a log group with retention and no managed policy', () => {
    const fns = ofType(resources, 'AWS::Lambda::Function');
    expect(fns).toHaveLength(SERVICES.length + 1);
    for (const [, fn] of fns) {
      const logGroupId = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(props(logGroupId).RetentionInDays).toBeGreaterThan(0);
    }
    for (const [, role] of ofType(resources, 'AWS::IAM::Role'))
      expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('has exactly the conventional outputs', () => {
    const expected = [
      'TopicArn',
      'OpsTopicArn',
      'IdempotencyTableName',
      'OrderApiUrl',
      'OrderApiFunctionName',
    ];
    for (const s of SERVICES) {
      const p = pascalCase(s.name);
      expected.push(
        `${p}QueueUrl`,
        `${p}QueueArn`,
        `${p}DlqUrl`,
        `${p}SubscriptionDlqUrl`,
        `${p}SubscriptionArn`,
        `${p}EffectTableName`,
        `${p}FunctionName`,
      );
    }
    expect(Object.keys(outputs).sort()).toEqual(expected.sort());
    expect(outputs.HighValueQueueUrl).toEqual({ Value: ref(idOf(consumer('high-value').queue)) });
    expect(outputs.HighValueSubscriptionArn).toEqual({
      Value: ref(idOf(consumer('high-value').subscription)),
    });
  });

  it('is named OrderEvents-<stage> and destroys data in dev', () => {
    expect(stack.stackName).toBe('OrderEvents-dev');
    const table = resources[idOf(stack.idempotencyTable.table)] as { DeletionPolicy?: string };
    expect(table.DeletionPolicy).toBe('Delete');
  });
});

/** A CloudFormation token as the text it stands for in the dashboard body (`@Ref:X@`, `@GetAtt:X.Y@`). */
function tokenText(value: Json): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (v.Ref !== undefined) return `@Ref:${v.Ref}@`;
  if (v['Fn::GetAtt'] !== undefined) return `@GetAtt:${v['Fn::GetAtt'].join('.')}@`;
  throw new Error(`unexpected token ${JSON.stringify(value)}`);
}

/** The dashboard body, parsed, with tokens as {@link tokenText}. */
function dashboardBody(resources: Resources): {
  widgets: Array<{ properties: { metrics?: Array<Array<string | object>> } }>;
} {
  const [, dashboard] = ofType(resources, 'AWS::CloudWatch::Dashboard')[0] as [string, Json];
  const join = (dashboard.DashboardBody as { 'Fn::Join': [string, Json[]] })['Fn::Join'];
  return JSON.parse(join[1].map(tokenText).join(join[0]));
}
