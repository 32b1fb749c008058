import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmThresholds } from '../config.ts';
import { metricFactory } from '../metric-factory.ts';

/** Properties of {@link ServiceAlarms}. */
export interface ServiceAlarmsProps {
  /** Service name, used in alarm descriptions. */
  readonly serviceName: string;
  /** The service's source queue. */
  readonly queue: IQueue;
  /** The queue's DLQ (messages that failed maxReceiveCount times). */
  readonly deadLetterQueue: IQueue;
  /** The subscription's DLQ (messages SNS could not deliver to the queue). */
  readonly subscriptionDeadLetterQueue: IQueue;
  /** The consumer function. */
  readonly function: IFunction;
  /** Thresholds for queue depth and age of the oldest message. */
  readonly thresholds: AlarmThresholds;
  /** Every alarm's ALARM and OK action. */
  readonly alarmTopic: ITopic;
}

/**
 * The alarms of one consumer service, each notifying the ops topic on ALARM and OK. Missing data is
 * not breaching: SQS stops reporting idle queues and Lambda reports nothing without invocations,
 * and silence there means "nothing happened", not "broken".
 */
export class ServiceAlarms extends Construct {
  /** Backlog above the queue-depth threshold for 3 of 5 minutes. */
  readonly queueDepth: Alarm;
  /** Oldest message older than the threshold for 2 consecutive minutes. */
  readonly ageOfOldestMessage: Alarm;
  /** Any message in the DLQ. */
  readonly deadLetterQueueDepth: Alarm;
  /** Any message in the subscription DLQ. */
  readonly subscriptionDeadLetterQueueDepth: Alarm;
  /** Any failed invocation (timeout, crash: the whole batch returns to the queue). */
  readonly functionErrors: Alarm;
  /** Any throttled invocation (account concurrency exhausted; maxConcurrency should prevent it). */
  readonly functionThrottles: Alarm;
  /** All of the above. */
  readonly all: readonly Alarm[];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const name = props.serviceName;
    const make = (
      alarmId: string,
      metric: Metric,
      threshold: number,
      description: string,
      evaluationPeriods = 1,
      datapointsToAlarm = 1,
    ): Alarm =>
      new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `order-events ${name}: ${description}`,
      });

    this.queueDepth = make(
      'QueueDepth',
      metricFactory.queueVisible(props.queue),
      props.thresholds.queueDepth,
      `more than ${props.thresholds.queueDepth} messages waiting (consumer behind or stopped)`,
      5,
      3,
    );
    this.ageOfOldestMessage = make(
      'AgeOfOldestMessage',
      metricFactory.queueOldestAge(props.queue),
      props.thresholds.ageOfOldestMessageSeconds,
      `oldest message older than ${props.thresholds.ageOfOldestMessageSeconds} s`,
      2,
      2,
    );
    this.deadLetterQueueDepth = make(
      'DlqDepth',
      metricFactory.queueVisible(props.deadLetterQueue),
      0,
      'messages in the DLQ (poison or exhausted retries): inspect, fix, redrive',
    );
    this.subscriptionDeadLetterQueueDepth = make(
      'SubscriptionDlqDepth',
      metricFactory.queueVisible(props.subscriptionDeadLetterQueue),
      0,
      'messages in the subscription DLQ (SNS could not deliver to the queue: policy or key problem)',
    );
    this.functionErrors = make(
      'FunctionErrors',
      metricFactory.functionErrors(props.function),
      0,
      'failed invocations (timeout or crash; the whole batch is retried)',
    );
    this.functionThrottles = make(
      'FunctionThrottles',
      metricFactory.functionThrottles(props.function),
      0,
      'throttled invocations (account concurrency exhausted)',
    );
    this.all = [
      this.queueDepth,
      this.ageOfOldestMessage,
      this.deadLetterQueueDepth,
      this.subscriptionDeadLetterQueueDepth,
      this.functionErrors,
      this.functionThrottles,
    ];
    const action = new SnsAction(props.alarmTopic);
    for (const alarm of this.all) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
