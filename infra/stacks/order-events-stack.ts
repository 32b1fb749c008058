import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type AppProps, CfnOutput, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { CfnSubscription } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  ARCHIVE_RETENTION_DAYS,
  pascalCase,
  SERVICES,
  type ServiceConfig,
  type StageSettings,
  serviceProfile,
  stackName,
  stageSettingsFromContext,
  validateConfig,
} from '../config.ts';
import { ConsumerService } from '../constructs/consumer-service.ts';
import { EncryptedTopic } from '../constructs/encrypted-topic.ts';
import { IdempotencyTable } from '../constructs/idempotency-table.ts';
import { OperationsDashboard } from '../constructs/operations-dashboard.ts';
import { OpsTopic } from '../constructs/ops-topic.ts';
import { OrderApi } from '../constructs/order-api.ts';
import { TopicDeliveryAlarms } from '../constructs/topic-delivery-alarms.ts';

/** Repository root: bundling runs from here and handler entries are relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Properties of {@link OrderEventsStack}. */
export interface OrderEventsStackProps extends StackProps {
  /** Stage-level settings. */
  readonly settings: StageSettings;
  /**
   * The consumer services.
   * @default SERVICES
   */
  readonly services?: readonly ServiceConfig[];
  /**
   * Repository root.
   * @default PROJECT_ROOT
   */
  readonly projectRoot?: string;
}

function retentionDays(days: number): RetentionDays {
  return days >= 365 ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH;
}

/**
 * The whole fan-out: encrypted topic, one ConsumerService per entry of SERVICES, the shared
 * idempotency table, the order API, the ops topic and the dashboard. Validates the configuration
 * first, so a bad config fails synth with one message naming every problem.
 */
export class OrderEventsStack extends Stack {
  /** The order-events topic. */
  readonly topic: EncryptedTopic;
  /** The ops topic every alarm notifies. */
  readonly opsTopic: OpsTopic;
  /** The shared idempotency table. */
  readonly idempotencyTable: IdempotencyTable;
  /** Consumer services by name. */
  readonly consumers: ReadonlyMap<string, ConsumerService>;
  /** The order API. */
  readonly orderApi: OrderApi;
  /** The dashboard. */
  readonly dashboard: OperationsDashboard;

  constructor(scope: Construct, id: string, props: OrderEventsStackProps) {
    super(scope, id, props);
    const settings = props.settings;
    // The FIFO profile is applied before validation: what is checked is what is deployed.
    const services = (props.services ?? SERVICES).map((s) => serviceProfile(s, settings.fifo));
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    validateConfig(services, settings, { projectRoot });

    const removalPolicy = settings.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = retentionDays(settings.logRetentionDays);
    const depsLockFilePath = join(projectRoot, 'package-lock.json');
    Tags.of(this).add('project', 'order-events');
    Tags.of(this).add('stage', settings.stage);

    this.topic = new EncryptedTopic(this, 'OrderEventsTopic', {
      displayName: 'order-events',
      fifo: settings.fifo,
      ...(settings.fifo ? { archiveRetentionDays: ARCHIVE_RETENTION_DAYS } : {}),
      removalPolicy,
    });
    this.opsTopic = new OpsTopic(this, 'Ops', {
      removalPolicy,
      ...(settings.alarmEmail === undefined ? {} : { alarmEmail: settings.alarmEmail }),
    });
    this.idempotencyTable = new IdempotencyTable(this, 'Idempotency', { removalPolicy });

    const consumers = new Map<string, ConsumerService>();
    for (const service of services) {
      consumers.set(
        service.name,
        new ConsumerService(this, pascalCase(service.name), {
          service,
          topic: this.topic.topic,
          idempotencyTable: this.idempotencyTable.table,
          alarmTopic: this.opsTopic.topic,
          projectRoot,
          depsLockFilePath,
          fifo: settings.fifo,
          removalPolicy,
          logRetention,
          ...(settings.sesFromAddress === undefined ? {} : { sesFromAddress: settings.sesFromAddress }),
        }),
      );
    }
    this.consumers = consumers;

    this.orderApi = new OrderApi(this, 'OrderApi', {
      entry: join(projectRoot, 'lambdas/order-api/handler.ts'),
      projectRoot,
      depsLockFilePath,
      topic: this.topic.topic,
      topicKey: this.topic.key,
      authorization: settings.apiAuthorization,
      alarmTopic: this.opsTopic.topic,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
      logRetention,
      removalPolicy,
    });

    // SNS → subscription delivery failures (the subscription DLQ alarms say which subscription).
    const deliveryAlarms = new TopicDeliveryAlarms(this, 'TopicDeliveryAlarms', {
      topic: this.topic.topic,
      alarmTopic: this.opsTopic.topic,
    });
    const alarms: Alarm[] = [
      ...deliveryAlarms.all,
      ...this.orderApi.alarms,
      ...[...consumers.values()].flatMap((c) => [...c.alarms.all]),
    ];
    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      topic: this.topic.topic,
      api: this.orderApi.api,
      apiFunction: this.orderApi.handler.function,
      alarms,
      services: [...consumers].map(([name, c]) => ({
        name,
        queue: c.queue,
        deadLetterQueue: c.deadLetterQueue,
        subscriptionDeadLetterQueue: c.subscriptionDeadLetterQueue,
        function: c.consumer.function,
      })),
    });

    // Stack-level outputs so their logical ids are exactly these names (tests, demo, LocalStack rely on them).
    new CfnOutput(this, 'TopicArn', { value: this.topic.topic.topicArn });
    new CfnOutput(this, 'OpsTopicArn', { value: this.opsTopic.topic.topicArn });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.idempotencyTable.table.tableName });
    new CfnOutput(this, 'OrderApiUrl', { value: this.orderApi.url });
    new CfnOutput(this, 'OrderApiFunctionName', { value: this.orderApi.handler.function.functionName });
    for (const [name, c] of consumers) {
      const p = pascalCase(name);
      new CfnOutput(this, `${p}QueueUrl`, { value: c.queue.queueUrl });
      new CfnOutput(this, `${p}QueueArn`, { value: c.queue.queueArn });
      new CfnOutput(this, `${p}DlqUrl`, { value: c.deadLetterQueue.queueUrl });
      new CfnOutput(this, `${p}SubscriptionDlqUrl`, { value: c.subscriptionDeadLetterQueue.queueUrl });
      // Ref of AWS::SNS::Subscription is its ARN (a FIFO replay sets the subscription's ReplayPolicy).
      new CfnOutput(this, `${p}SubscriptionArn`, {
        value: (c.subscription.node.defaultChild as CfnSubscription).ref,
      });
      new CfnOutput(this, `${p}EffectTableName`, { value: c.effectTable.tableName });
      new CfnOutput(this, `${p}FunctionName`, { value: c.consumer.function.functionName });
    }
  }
}

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /**
   * Props of the App (tests pass `builtinCloudFormationValidation: false` and
   * `context: { 'aws:cdk:bundling-stacks': [] }`).
   * @default {}
   */
  readonly appProps?: AppProps;
  /**
   * Services to deploy.
   * @default SERVICES
   */
  readonly services?: readonly ServiceConfig[];
  /**
   * Overrides of the settings read from context.
   * @default - settings from context only
   */
  readonly settings?: Partial<StageSettings>;
}

/** The App and its one stack `OrderEvents-<stage>`; used by infra/app.ts and the tests. */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: OrderEventsStack } {
  const app = new App(options.appProps);
  const settings: StageSettings = { ...stageSettingsFromContext(app.node), ...options.settings };
  const stack = new OrderEventsStack(app, stackName(settings.stage), {
    settings,
    ...(options.services === undefined ? {} : { services: options.services }),
    description: `order-events (${settings.stage}): SNS + SQS fan-out reference implementation`,
  });
  return { app, stack };
}
