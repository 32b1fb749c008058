/**
 * The one place CloudWatch metrics of the stack are defined: the alarms and the dashboard both take
 * their metrics from here, so a graph always shows exactly what its alarm evaluates (statistic,
 * period, dimensions). Modelled on cdk-monitoring-constructs' MetricFactory: a metric is asked for
 * by what it means, never built inline.
 */
import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { METRIC } from '../lambdas/shared/consumer.ts';
import { METRICS_NAMESPACE } from './config.ts';

/** SNS topic metrics the alarms and the dashboard read. */
export type SnsTopicMetricName =
  | 'NumberOfMessagesPublished'
  | 'NumberOfNotificationsDelivered'
  | 'NumberOfNotificationsFailed'
  | 'NumberOfNotificationsFilteredOut-MessageAttributes'
  | 'NumberOfNotificationsRedrivenToDlq'
  | 'NumberOfNotificationsFailedToRedriveToDlq';

/** A record count the consumers publish through Powertools (EMF), dimension `service`. */
export type ServiceCountName = (typeof METRIC)[keyof typeof METRIC];

/** Every metric is evaluated and drawn per minute. */
export const METRIC_PERIOD = Duration.minutes(1);

const MAXIMUM = 'Maximum';
const SUM = 'Sum';

/**
 * Queue gauges are `Maximum` per minute (a backlog that existed for a moment counts), counters are
 * `Sum` per minute, durations p99. `options.label` and the like may be added; statistic and period
 * are fixed here.
 */
export const metricFactory = {
  /** Messages waiting to be received. */
  queueVisible: (queue: IQueue, options: MetricOptions = {}): Metric =>
    queue.metricApproximateNumberOfMessagesVisible({ ...options, period: METRIC_PERIOD, statistic: MAXIMUM }),
  /** Messages received and not yet deleted (in a batch, or waiting out their visibility timeout). */
  queueInFlight: (queue: IQueue, options: MetricOptions = {}): Metric =>
    queue.metricApproximateNumberOfMessagesNotVisible({
      ...options,
      period: METRIC_PERIOD,
      statistic: MAXIMUM,
    }),
  /** Age in seconds of the oldest message. */
  queueOldestAge: (queue: IQueue, options: MetricOptions = {}): Metric =>
    queue.metricApproximateAgeOfOldestMessage({ ...options, period: METRIC_PERIOD, statistic: MAXIMUM }),
  /** Invocations of a function. */
  functionInvocations: (fn: IFunction): Metric =>
    fn.metricInvocations({ period: METRIC_PERIOD, statistic: SUM }),
  /** Failed invocations (timeout, crash, thrown error). */
  functionErrors: (fn: IFunction): Metric => fn.metricErrors({ period: METRIC_PERIOD, statistic: SUM }),
  /** Throttled invocations. */
  functionThrottles: (fn: IFunction): Metric => fn.metricThrottles({ period: METRIC_PERIOD, statistic: SUM }),
  /** p99 duration of a function. */
  functionDurationP99: (fn: IFunction): Metric =>
    fn.metricDuration({ period: METRIC_PERIOD, statistic: 'p99' }),
  /** 5xx answers of an HTTP API (what its callers see when publishing fails or times out). */
  httpApiServerErrors: (api: IHttpApi): Metric =>
    api.metricServerError({ period: METRIC_PERIOD, statistic: SUM }),
  /**
   * An AWS/SNS topic metric. SNS publishes these with the `TopicName` dimension only: there is no
   * per-subscription dimension, so a failed delivery is attributed to a subscription by its
   * subscription DLQ's depth.
   */
  topic: (topic: ITopic, metricName: SnsTopicMetricName): Metric =>
    new Metric({
      namespace: 'AWS/SNS',
      metricName,
      dimensionsMap: { TopicName: topic.topicName },
      statistic: SUM,
      period: METRIC_PERIOD,
    }),
  /** A record count of one consumer service (processed, duplicate, skipped, failed, poisoned). */
  serviceCount: (service: string, metricName: ServiceCountName): Metric =>
    new Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service },
      statistic: SUM,
      period: METRIC_PERIOD,
    }),
} as const;
