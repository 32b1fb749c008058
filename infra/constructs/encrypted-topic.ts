import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
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
   * Let CloudWatch alarms publish to the topic (they need the key to encrypt).
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
    const account = Stack.of(this).account;
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
    if (props.allowCloudWatchAlarms ?? false) {
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCloudWatchAlarms',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
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
  }
}
