import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EncryptedTopic } from './encrypted-topic.ts';

/** Properties of {@link OpsTopic}. */
export interface OpsTopicProps {
  /**
   * Address subscribed to every alarm (the owner confirms the subscription by e-mail).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * What happens to the topic's key when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The operations topic every alarm notifies: KMS-encrypted, TLS-only, CloudWatch may publish. */
export class OpsTopic extends Construct {
  /** The topic. */
  readonly topic: Topic;
  /** Its key. */
  readonly key: Key;

  constructor(scope: Construct, id: string, props: OpsTopicProps = {}) {
    super(scope, id);
    const encrypted = new EncryptedTopic(this, 'Encrypted', {
      displayName: 'order-events alarms',
      allowCloudWatchAlarms: true,
      ...(props.removalPolicy === undefined ? {} : { removalPolicy: props.removalPolicy }),
    });
    this.topic = encrypted.topic;
    this.key = encrypted.key;
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
  }
}
