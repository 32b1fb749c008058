import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConfigValidationError } from '../config.ts';

/** Properties of {@link EncryptedTopic}. */
export interface EncryptedTopicProps {
  /**
   * Display name of the topic (shown in e-mail notifications).
   * @default - none
   */
  readonly displayName?: string;
  /**
   * FIFO topic (its name gets the `.fifo` suffix).
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * Days a FIFO topic keeps every published message in its archive (SNS `ArchivePolicy`, 1–365),
   * so a subscription can replay a time range with a `ReplayPolicy`. FIFO topics only.
   * @default - no archive
   */
  readonly archiveRetentionDays?: number;
  /**
   * Let this account's CloudWatch alarms publish to the topic: a topic-policy Allow and a key-policy
   * Allow for `cloudwatch.amazonaws.com`, both scoped by `aws:SourceArn` (alarm ARNs of this account
   * and region) and `aws:SourceAccount`.
   * @default false
   */
  readonly allowCloudWatchAlarms?: boolean;
  /**
   * What happens to the key when the stack is deleted (DESTROY schedules deletion after 7 days).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An SNS topic encrypted with its own customer-managed KMS key (rotation on), whose topic policy
 * denies every request not made over TLS. The key policy keeps the account-root statement (IAM
 * policies decide who publishes) and adds the service principals that act on the key themselves:
 * SNS (delivering to SQS subscribers encrypted with it) and, optionally, CloudWatch alarms.
 */
export class EncryptedTopic extends Construct {
  /** The topic. */
  readonly topic: Topic;
  /** The topic's key; publishers need kms:GenerateDataKey and kms:Decrypt on it. */
  readonly key: Key;

  constructor(scope: Construct, id: string, props: EncryptedTopicProps = {}) {
    super(scope, id);
    const archiveDays = props.archiveRetentionDays;
    if (archiveDays !== undefined) {
      const problems = [
        ...(props.fifo === true ? [] : ['an archive (ArchivePolicy) exists only on FIFO topics']),
        ...(Number.isInteger(archiveDays) && archiveDays >= 1 && archiveDays <= 365
          ? []
          : [`archiveRetentionDays ${archiveDays} must be an integer in 1..365`]),
      ];
      if (problems.length > 0)
        throw new ConfigValidationError(problems.map((p) => `${this.node.path}: ${p}`));
    }
    const stack = Stack.of(this);
    const account = stack.account;
    this.key = new Key(this, 'Key', {
      description: `${this.node.path} topic encryption`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // Scoped to this account so another account's topic cannot use the key through SNS.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSnsDelivery',
        principals: [new ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    // CloudWatch alarms of this account only (aws:SourceArn + aws:SourceAccount: no confused deputy).
    const alarmConditions = {
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
      StringEquals: { 'aws:SourceAccount': account },
    };
    const allowAlarms = props.allowCloudWatchAlarms ?? false;
    if (allowAlarms) {
      // Encrypting the notification needs the topic's key (SNS "compatibility with AWS services").
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCloudWatchAlarms',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: ['*'],
          conditions: alarmConditions,
        }),
      );
    }
    this.topic = new Topic(this, 'Topic', {
      masterKey: this.key,
      enforceSSL: true,
      fifo: props.fifo ?? false,
      displayName: props.displayName,
      ...(archiveDays === undefined ? {} : { messageRetentionPeriodInDays: archiveDays }),
    });
    if (allowAlarms) {
      // A topic policy replaces SNS's default (owner-only) policy, and enforceSSL creates one with
      // only its Deny: without this statement every AlarmAction/OKAction is "not authorized".
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCloudWatchAlarms',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: alarmConditions,
        }),
      );
    }
  }
}
