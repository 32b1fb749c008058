import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC } from '../../lambdas/shared/consumer.ts';
import { metricFactory } from '../metric-factory.ts';

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
  /** The order API and its function. */
  readonly api: IHttpApi;
  readonly apiFunction: IFunction;
  /**
   * Alarms shown in an alarm-status widget at the top.
   * @default []
   */
  readonly alarms?: readonly Alarm[];
}

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
          ).map((name) => metricFactory.topic(props.topic, name)),
        ],
      }),
      new GraphWidget({
        title: 'Order API',
        width: 12,
        left: [
          metricFactory.functionInvocations(props.apiFunction),
          metricFactory.functionErrors(props.apiFunction),
          metricFactory.functionThrottles(props.apiFunction),
          metricFactory.httpApiServerErrors(props.api),
        ],
        right: [metricFactory.functionDurationP99(props.apiFunction)],
      }),
    );
    for (const s of props.services) {
      this.dashboard.addWidgets(new TextWidget({ markdown: `### ${s.name}`, width: 24, height: 1 }));
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${s.name}: queue`,
          width: 6,
          left: [metricFactory.queueVisible(s.queue), metricFactory.queueInFlight(s.queue)],
          right: [metricFactory.queueOldestAge(s.queue)],
        }),
        new GraphWidget({
          title: `${s.name}: dead letters`,
          width: 6,
          left: [
            metricFactory.queueVisible(s.deadLetterQueue, { label: 'DLQ' }),
            metricFactory.queueVisible(s.subscriptionDeadLetterQueue, { label: 'subscription DLQ' }),
          ],
        }),
        new GraphWidget({
          title: `${s.name}: function`,
          width: 6,
          left: [
            metricFactory.functionInvocations(s.function),
            metricFactory.functionErrors(s.function),
            metricFactory.functionThrottles(s.function),
          ],
          right: [metricFactory.functionDurationP99(s.function)],
        }),
        new GraphWidget({
          title: `${s.name}: records`,
          width: 6,
          left: Object.values(METRIC).map((name) => metricFactory.serviceCount(s.name, name)),
        }),
      );
    }
  }
}
