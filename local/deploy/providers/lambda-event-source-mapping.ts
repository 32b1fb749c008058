/**
 * `AWS::Lambda::EventSourceMapping` (SQS) → recorded for the runner, which polls the queue the way
 * the Lambda service does. The queue and the function must be resources of this stack.
 */
import { randomUUID } from 'node:crypto';
import { LocalDeployError } from '../deployment.ts';
import { expectString } from '../properties.ts';
import type { ResourceProvider } from '../provider.ts';

/** Lambda's defaults for an SQS mapping. */
const DEFAULTS = { batchSize: 10, maximumBatchingWindowInSeconds: 0 } as const;

/** Records the mapping; settings the runner does not apply are reported as gaps. */
export const lambdaEventSourceMappingProvider: ResourceProvider = {
  types: ['AWS::Lambda::EventSourceMapping'],
  provide(context, logicalId, resource) {
    const p = context.properties(logicalId, resource);
    const sourceArn = expectString(p.EventSourceArn, `${logicalId}.Properties.EventSourceArn`);
    const queue = context.record.queues.find((q) => q.arn === sourceArn);
    if (queue === undefined) {
      throw new LocalDeployError(
        `${logicalId}.Properties.EventSourceArn: ${sourceArn} is not a queue of this stack`,
      );
    }
    const functionName = expectString(p.FunctionName, `${logicalId}.Properties.FunctionName`);
    const fn = context.record.functions.find((f) => f.name === functionName || f.arn === functionName);
    if (fn === undefined) {
      throw new LocalDeployError(
        `${logicalId}.Properties.FunctionName: ${functionName} is not a function with a bundled asset in this stack`,
      );
    }
    for (const unsupported of ['FilterCriteria', 'MetricsConfig']) {
      if (p[unsupported] !== undefined)
        context.gap(`${logicalId}: ${unsupported} not applied by the local runner`);
    }
    const uuid = randomUUID();
    const scaling = p.ScalingConfig as { MaximumConcurrency?: number } | undefined;
    const responseTypes = Array.isArray(p.FunctionResponseTypes) ? p.FunctionResponseTypes : [];
    context.record.eventSourceMappings.push({
      logicalId,
      uuid,
      functionLogicalId: fn.logicalId,
      queueArn: queue.arn,
      queueUrl: queue.url,
      batchSize: typeof p.BatchSize === 'number' ? p.BatchSize : DEFAULTS.batchSize,
      maximumBatchingWindowInSeconds:
        typeof p.MaximumBatchingWindowInSeconds === 'number'
          ? p.MaximumBatchingWindowInSeconds
          : DEFAULTS.maximumBatchingWindowInSeconds,
      reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
      maximumConcurrency: scaling?.MaximumConcurrency,
      // `Enabled: "false"` is as off as `false` (CloudFormation accepts both).
      enabled: p.Enabled !== false && p.Enabled !== 'false',
    });
    return { ref: uuid, attributes: { Id: uuid } };
  },
};
