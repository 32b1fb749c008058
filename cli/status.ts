/**
 * `status`: per service, the queue's visible and in-flight messages, the age of its oldest message,
 * and the depth of its DLQ and subscription DLQ; on AWS also the service's alarm states.
 *
 * SQS does not return the age of the oldest message from GetQueueAttributes; it is the CloudWatch
 * metric ApproximateAgeOfOldestMessage (AWS only; a minute behind). Emulators have no CloudWatch,
 * so it is absent there (never estimated by receiving, which would disturb the consumers).
 */
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { pascalCase } from '../infra/config.ts';
import { queueDepth } from './dlq.ts';
import type { OperateTarget } from './target.ts';

/** One service's line of `status`. */
export interface ServiceStatus {
  readonly service: string;
  readonly visible: number;
  readonly inFlight: number;
  /** Seconds (AWS only). */
  readonly ageOfOldestSeconds: number | undefined;
  /** Visible + in flight + delayed. */
  readonly dlq: number;
  readonly subscriptionDlq: number;
  /** Alarm name → state (AWS only). */
  readonly alarms: Readonly<Record<string, string>> | undefined;
}

function queueName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

function total(d: { visible: number; inFlight: number; delayed: number }): number {
  return d.visible + d.inFlight + d.delayed;
}

/** Reads the status of every service (or the given ones). */
export async function readStatus(
  target: OperateTarget,
  sqs: SQSClient,
  services: readonly string[],
): Promise<ServiceStatus[]> {
  const cloudwatch =
    target.kind === 'aws' ? new CloudWatchClient(target.clientConfig('cloudwatch')) : undefined;
  try {
    return await Promise.all(
      services.map(async (service) => {
        const q = target.queues(service);
        const [main, dlq, subscriptionDlq, age, alarms] = await Promise.all([
          queueDepth(sqs, q.queueUrl),
          queueDepth(sqs, q.dlqUrl),
          queueDepth(sqs, q.subscriptionDlqUrl),
          cloudwatch === undefined ? undefined : ageOfOldest(cloudwatch, queueName(q.queueUrl)),
          cloudwatch === undefined
            ? undefined
            : alarmStates(cloudwatch, `${target.stackName}-${pascalCase(service)}`),
        ]);
        return {
          service,
          visible: main.visible,
          inFlight: main.inFlight,
          ageOfOldestSeconds: age,
          dlq: total(dlq),
          subscriptionDlq: total(subscriptionDlq),
          alarms,
        };
      }),
    );
  } finally {
    cloudwatch?.destroy();
  }
}

async function ageOfOldest(cloudwatch: CloudWatchClient, queue: string): Promise<number | undefined> {
  const end = new Date();
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(end.getTime() - 10 * 60_000),
      EndTime: end,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'age',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: queue }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return out.MetricDataResults?.[0]?.Values?.[0];
}

/** Alarms CDK named `<stack>-<Service>…` (the construct path), with their state. */
async function alarmStates(cloudwatch: CloudWatchClient, prefix: string): Promise<Record<string, string>> {
  const states: Record<string, string> = {};
  let nextToken: string | undefined;
  do {
    const out = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, NextToken: nextToken }),
    );
    for (const alarm of out.MetricAlarms ?? []) {
      if (alarm.AlarmName !== undefined) states[alarm.AlarmName] = alarm.StateValue ?? 'UNKNOWN';
    }
    nextToken = out.NextToken;
  } while (nextToken !== undefined);
  return states;
}
