import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { FilterOrPolicy, type ITopic, type Subscription, SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type AttributeFilter,
  DEFAULT_RECORD_CONCURRENCY,
  DLQ_RETENTION_SECONDS,
  effectiveVisibilityTimeoutSeconds,
  type FilterPolicy,
  METRICS_NAMESPACE,
  type ServiceConfig,
} from '../config.ts';
import { ServiceAlarms } from './service-alarms.ts';
import { ServiceFunction } from './service-function.ts';

/** Properties of {@link ConsumerService}. */
export interface ConsumerServiceProps {
  /** The service's settings (validated by validateConfig before this runs). */
  readonly service: ServiceConfig;
  /** The topic the service subscribes to. */
  readonly topic: ITopic;
  /** The shared idempotency table; access is limited to keys `<service>#*`. */
  readonly idempotencyTable: ITable;
  /** Topic every alarm notifies. */
  readonly alarmTopic: ITopic;
  /** Repository root (handler entries are relative to it). */
  readonly projectRoot: string;
  /** Lock file for bundling. */
  readonly depsLockFilePath: string;
  /**
   * FIFO queues (required when the topic is FIFO); no batching window, batch size <= 10.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * Key for the queue and its DLQ (the subscription DLQ uses SSE-SQS, so it does not share the
   * key's failure mode). A provided key must let sns.amazonaws.com use it (GenerateDataKey, Decrypt)
   * when its policy is not managed by this stack.
   * @default - a new customer-managed key with rotation, used by this service's queues only
   */
  readonly encryptionKey?: IKey;
  /**
   * What happens to the key, the queues (undrained DLQ messages), the effect table and the log group
   * when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Verified SES sender; only used when `service.sendsEmail`. Grants ses:SendEmail from that
   * address only and sets SES_FROM_ADDRESS.
   * @default - no SES permission; SES_FROM_ADDRESS is empty (record-only transport)
   */
  readonly sesFromAddress?: string;
}

function toSubscriptionFilter(filter: AttributeFilter): SubscriptionFilter {
  if (filter.kind === 'string') return SubscriptionFilter.stringFilter({ allowlist: [...filter.allowlist] });
  return SubscriptionFilter.numericFilter({
    ...(filter.greaterThan === undefined ? {} : { greaterThan: filter.greaterThan }),
    ...(filter.greaterThanOrEqualTo === undefined
      ? {}
      : { greaterThanOrEqualTo: filter.greaterThanOrEqualTo }),
    ...(filter.lessThan === undefined ? {} : { lessThan: filter.lessThan }),
    ...(filter.lessThanOrEqualTo === undefined ? {} : { lessThanOrEqualTo: filter.lessThanOrEqualTo }),
  });
}

interface FieldTree {
  [key: string]: FieldTree | SubscriptionFilter;
}

/**
 * Converts the typed config filter policy (dotted event fields) to the nested CDK policy on the
 * message body: `data.total` becomes `{ data: { total: [...] } }`.
 */
export function toSnsBodyFilterPolicy(policy: FilterPolicy): Record<string, FilterOrPolicy> {
  const tree: FieldTree = {};
  for (const [path, filter] of Object.entries(policy)) {
    if (filter === undefined) continue;
    const parts = path.split('.');
    let node = tree;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      const child: FieldTree = next === undefined || next instanceof SubscriptionFilter ? {} : next;
      node[part] = child;
      node = child;
    }
    node[parts[parts.length - 1] as string] = toSubscriptionFilter(filter);
  }
  const convert = (t: FieldTree): Record<string, FilterOrPolicy> =>
    Object.fromEntries(
      Object.entries(t).map(([key, value]) => [
        key,
        value instanceof SubscriptionFilter
          ? FilterOrPolicy.filter(value)
          : FilterOrPolicy.policy(convert(value)),
      ]),
    );
  return convert(tree);
}

/**
 * One consumer of the fan-out: queue + DLQ, subscription (raw delivery, optional filter policy,
 * subscription DLQ), function, event source mapping, effect table and alarms.
 *
 * Fixed by construction (not options): ReportBatchItemFailures; visibility timeout =
 * max(requested, 6 × function timeout + batching window) (the AWS guidance, so a batch retried by
 * Lambda's own retries is not delivered twice meanwhile); DLQ retention 14 d (for standard queues
 * the DLQ keeps the original enqueue time, so it must outlive the source's retention); KMS
 * encryption of the queue and DLQ, SSE-SQS for the subscription DLQ (see below); TLS-only queue policies; queue policies letting only this topic send.
 * Least privilege: receive/delete on its own queue, send to its own DLQ only, idempotency items
 * with its own key prefix only, its own effect table, SES only with a configured sender.
 */
export class ConsumerService extends Construct {
  /** The source queue. */
  readonly queue: Queue;
  /** The queue's DLQ. */
  readonly deadLetterQueue: Queue;
  /** The subscription's DLQ. */
  readonly subscriptionDeadLetterQueue: Queue;
  /** The consumer function construct (function, role, log group). */
  readonly consumer: ServiceFunction;
  /** The table the service writes its effects to. */
  readonly effectTable: Table;
  /** Key of the queue and its DLQ. */
  readonly encryptionKey: IKey;
  /** The service's alarms. */
  readonly alarms: ServiceAlarms;
  /** The topic subscription of the queue (a FIFO replay sets its ReplayPolicy). */
  readonly subscription: Subscription;

  constructor(scope: Construct, id: string, props: ConsumerServiceProps) {
    super(scope, id);
    const service = props.service;
    const fifo = props.fifo ?? false;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const stack = Stack.of(this);

    this.encryptionKey =
      props.encryptionKey ??
      new Key(this, 'QueueKey', {
        description: `order-events ${service.name} queues`,
        enableKeyRotation: true,
        removalPolicy,
        pendingWindow: Duration.days(7),
      });

    this.deadLetterQueue = new Queue(this, 'Dlq', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(DLQ_RETENTION_SECONDS),
      fifo,
      removalPolicy,
    });
    // SNS writes here exactly when it could not deliver to the queue, and the likeliest reason is
    // the queue's key (disabled, scheduled for deletion, policy edited). With that key the DLQ would
    // fail the same way and SNS would drop the message (NumberOfNotificationsFailedToRedriveToDlq).
    // SQS-managed SSE (SSE-SQS) still encrypts at rest but has no key or key policy that can break;
    // who may read the messages is decided by IAM and the queue policy alone.
    this.subscriptionDeadLetterQueue = new Queue(this, 'SubscriptionDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(DLQ_RETENTION_SECONDS),
      fifo,
      removalPolicy,
    });
    Validations.of(this.subscriptionDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the SNS subscription RedrivePolicy targets it. A DLQ of a DLQ only moves the problem; its depth alarm notifies the ops topic.',
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      fifo,
      retentionPeriod: Duration.seconds(service.queueRetentionSeconds),
      visibilityTimeout: Duration.seconds(effectiveVisibilityTimeoutSeconds(service)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: service.maxReceiveCount },
      removalPolicy,
    });

    // SqsSubscription adds the queue policy (sns.amazonaws.com, aws:SourceArn = topic) and the key
    // policy statement SNS needs to encrypt into the queue; Subscription adds the same queue policy
    // on the subscription DLQ, which needs no key statement (SSE-SQS).
    this.subscription = props.topic.addSubscription(
      new SqsSubscription(this.queue, {
        rawMessageDelivery: true,
        deadLetterQueue: this.subscriptionDeadLetterQueue,
        ...(service.filterPolicy === undefined
          ? {}
          : { filterPolicyWithMessageBody: toSnsBodyFilterPolicy(service.filterPolicy) }),
      }),
    );

    this.effectTable = new Table(this, 'EffectTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(service.effectTtlAttribute === undefined
        ? {}
        : { timeToLiveAttribute: service.effectTtlAttribute }),
      removalPolicy,
    });

    const sender = service.sendsEmail === true ? props.sesFromAddress : undefined;
    this.consumer = new ServiceFunction(this, 'Consumer', {
      entry: join(props.projectRoot, service.entry),
      projectRoot: props.projectRoot,
      depsLockFilePath: props.depsLockFilePath,
      timeout: Duration.seconds(service.functionTimeoutSeconds),
      memorySize: service.memoryMb,
      removalPolicy,
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      description: `order-events ${service.name} consumer`,
      environment: {
        SERVICE_NAME: service.name,
        POWERTOOLS_SERVICE_NAME: service.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.tableName,
        IDEMPOTENCY_EXPIRY_SECONDS: String(service.idempotencyExpirySeconds),
        EFFECT_TABLE_NAME: this.effectTable.tableName,
        DLQ_URL: this.deadLetterQueue.queueUrl,
        RECORD_CONCURRENCY: String(service.recordConcurrency ?? DEFAULT_RECORD_CONCURRENCY),
        ...(service.sendsEmail === true ? { SES_FROM_ADDRESS: sender ?? '' } : {}),
      },
    });
    const fn = this.consumer.function;
    const role = this.consumer.role;

    // Grants receive/delete/change-visibility on this queue and kms:Decrypt on its key.
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: service.batchSize,
        ...(service.maxBatchingWindowSeconds > 0
          ? { maxBatchingWindow: Duration.seconds(service.maxBatchingWindowSeconds) }
          : {}),
        reportBatchItemFailures: true,
        maxConcurrency: service.maxConcurrency,
      }),
    );
    // Poison fast path: SendMessage to its own DLQ (SQS needs GenerateDataKey + Decrypt to encrypt).
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.encryptionKey.keyArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [props.idempotencyTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${service.name}#*`] } },
      }),
    );
    // Exactly what the effect adapters send: conditional PutItem / UpdateItem, and TransactWriteItems,
    // which IAM authorizes per contained action (Put → PutItem, Update → UpdateItem); no reads.
    // test/integration/iam-recorded-calls.test.ts reports any grant no recorded call uses.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [this.effectTable.tableArn],
      }),
    );
    if (sender !== undefined) {
      const domain = sender.slice(sender.indexOf('@') + 1);
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [
            stack.formatArn({ service: 'ses', resource: 'identity', resourceName: sender }),
            stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain }),
          ],
          conditions: { StringEquals: { 'ses:FromAddress': sender } },
        }),
      );
    }

    this.alarms = new ServiceAlarms(this, 'Alarms', {
      serviceName: service.name,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      subscriptionDeadLetterQueue: this.subscriptionDeadLetterQueue,
      function: fn,
      thresholds: service.alarms,
      alarmTopic: props.alarmTopic,
    });
  }
}
