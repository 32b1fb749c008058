import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { snsTopicMetric } from './topic-delivery-alarms.ts';

/** What the dashboard shows of one consumer service. */
export interface DashboardService {
  /** Service name (also the Powertools `service` metric dimension). */
  readonly name: string;
  /** Source queue. */
  readonly queue: IQueue;
  /** DLQ. */
  readonly deadLetterQueue: IQueue;
  /** Subscription DLQ. */
  readonly subscriptionDeadLetterQueue: IQueue;
  /** Consumer function. */
  readonly function: IFunction;
}

/** Properties of {@link OperationsDashboard}. */
export interface OperationsDashboardProps {
  /** The order-events topic. */
  readonly topic: ITopic;
  /** The consumer services, one row each. */
  readonly services: readonly DashboardService[];
  /** The order API function. */
  readonly apiFunction: IFunction;
  /**
   * Alarms shown in an alarm-status widget at the top.
   * @default []
   */
  readonly alarms?: readonly Alarm[];
  /**
   * Namespace of the Powertools metrics.
   * @default 'OrderEvents'
   */
  readonly metricsNamespace?: string;
}

const PERIOD = Duration.minutes(1);

/**
 * One CloudWatch dashboard for the whole fan-out: alarm states, the topic, the API, then one row per
 * service (backlog, age, DLQs, function health, and the handlers' own processed/duplicate/failed/
 * poisoned counts).
 */
export class OperationsDashboard extends Construct {
  /** The dashboard. */
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const namespace = props.metricsNamespace ?? 'OrderEvents';
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const alarms = props.alarms ?? [];
    if (alarms.length > 0) {
      this.dashboard.addWidgets(
        new AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24, height: 4 }),
      );
    }
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Topic',
        width: 12,
        left: [
          ...(
            [
              'NumberOfMessagesPublished',
              'NumberOfNotificationsDelivered',
              'NumberOfNotificationsFailed',
              'NumberOfNotificationsFilteredOut-MessageAttributes',
              'NumberOfNotificationsRedrivenToDlq',
              'NumberOfNotificationsFailedToRedriveToDlq',
            ] as const
          ).map((name) => snsTopicMetric(props.topic, name, { period: PERIOD })),
        ],
      }),
      new GraphWidget({
        title: 'Order API function',
        width: 12,
        left: [
          props.apiFunction.metricInvocations({ period: PERIOD }),
          props.apiFunction.metricErrors({ period: PERIOD }),
          props.apiFunction.metricThrottles({ period: PERIOD }),
        ],
        right: [props.apiFunction.metricDuration({ period: PERIOD, statistic: 'p99' })],
      }),
    );
    for (const s of props.services) {
      const custom = (metricName: string): Metric =>
        new Metric({
          namespace,
          metricName,
          dimensionsMap: { service: s.name },
          statistic: 'Sum',
          period: PERIOD,
        });
      this.dashboard.addWidgets(new TextWidget({ markdown: `### ${s.name}`, width: 24, height: 1 }));
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${s.name}: queue`,
          width: 6,
          left: [
            s.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
            s.queue.metricApproximateNumberOfMessagesNotVisible({ period: PERIOD, statistic: 'Maximum' }),
          ],
          right: [s.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' })],
        }),
        new GraphWidget({
          title: `${s.name}: dead letters`,
          width: 6,
          left: [
            s.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: 'Maximum',
              label: 'DLQ',
            }),
            s.subscriptionDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: 'Maximum',
              label: 'subscription DLQ',
            }),
          ],
        }),
        new GraphWidget({
          title: `${s.name}: function`,
          width: 6,
          left: [
            s.function.metricInvocations({ period: PERIOD }),
            s.function.metricErrors({ period: PERIOD }),
            s.function.metricThrottles({ period: PERIOD }),
          ],
          right: [s.function.metricDuration({ period: PERIOD, statistic: 'p99' })],
        }),
        new GraphWidget({
          title: `${s.name}: records`,
          width: 6,
          left: [
            custom('processed'),
            custom('duplicate'),
            custom('skipped'),
            custom('failed'),
            custom('poisoned'),
          ],
        }),
      );
    }
  }
}
