import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { metricFactory } from '../metric-factory.ts';

/** Properties of {@link TopicDeliveryAlarms}. */
export interface TopicDeliveryAlarmsProps {
  /** The topic whose deliveries to the subscriptions are watched. */
  readonly topic: ITopic;
  /** Every alarm's ALARM and OK action. */
  readonly alarmTopic: ITopic;
}

/**
 * Alarms on the topic's delivery to its subscriptions. `NumberOfNotificationsFailed`: SNS gave up on
 * a delivery (the message went to the subscription DLQ, or, if that failed too, nowhere);
 * `NumberOfNotificationsFailedToRedriveToDlq`: it could not write the subscription DLQ either, so
 * the message is lost for that subscriber. Both are 0 in a healthy system.
 */
export class TopicDeliveryAlarms extends Construct {
  /** Any failed delivery to a subscription. */
  readonly notificationsFailed: Alarm;
  /** Any failed delivery SNS could not write to the subscription DLQ (message lost). */
  readonly failedToRedriveToDlq: Alarm;
  /** Both alarms. */
  readonly all: readonly Alarm[];

  constructor(scope: Construct, id: string, props: TopicDeliveryAlarmsProps) {
    super(scope, id);
    const common = {
      threshold: 0,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // SNS reports nothing for a topic without deliveries: silence is "nothing failed".
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };
    this.notificationsFailed = new Alarm(this, 'NotificationsFailed', {
      ...common,
      metric: metricFactory.topic(props.topic, 'NumberOfNotificationsFailed'),
      alarmDescription:
        'order-events topic: deliveries to a subscription failed (see which subscription DLQ grows; queue policy or key problem)',
    });
    this.failedToRedriveToDlq = new Alarm(this, 'FailedToRedriveToDlq', {
      ...common,
      metric: metricFactory.topic(props.topic, 'NumberOfNotificationsFailedToRedriveToDlq'),
      alarmDescription:
        'order-events topic: failed deliveries could not be written to the subscription DLQ either: messages LOST for that subscriber',
    });
    this.all = [this.notificationsFailed, this.failedToRedriveToDlq];
    const action = new SnsAction(props.alarmTopic);
    for (const alarm of this.all) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
