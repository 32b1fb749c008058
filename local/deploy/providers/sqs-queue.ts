/** `AWS::SQS::Queue` → CreateQueue in fauxqs, with the template's attributes and tags. */
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Template } from '../../assembly.ts';
import type { ResolvedValue, TemplateValue } from '../../intrinsics.ts';
import type { QueueOverrideContext } from '../deployment.ts';
import { isTrue, jsonString, required } from '../properties.ts';
import type { ResourceProvider } from '../provider.ts';

/** Queue properties that are SQS attributes of the same name, passed as strings. */
const PLAIN_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
] as const;

/** Lambda's defaults when the template leaves them out. */
const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 3;

/** Creates the queue; {@link DeployLocalOptions.queueAttributeOverrides} may add attributes first. */
export const sqsQueueProvider: ResourceProvider = {
  types: ['AWS::SQS::Queue'],
  async provide(context, logicalId, resource) {
    const p = context.properties(logicalId, resource);
    const fifo = isTrue(p.FifoQueue);
    const name =
      typeof p.QueueName === 'string'
        ? p.QueueName
        : context.physicalName(logicalId, resource.Type, fifo ? '.fifo' : '');
    const attributes: Record<string, string> = {};
    for (const key of PLAIN_ATTRIBUTES) if (p[key] !== undefined) attributes[key] = String(p[key]);
    if (fifo) attributes.FifoQueue = 'true';
    for (const key of ['RedrivePolicy', 'RedriveAllowPolicy']) {
      const value = p[key];
      if (value !== undefined) attributes[key] = jsonString(value);
    }
    const eventSource = eventSourceOf(context.template, logicalId);
    Object.assign(
      attributes,
      context.options.queueAttributeOverrides?.({
        logicalId,
        attributes: { ...attributes },
        ...(eventSource ? { eventSource } : {}),
      }),
    );
    const tags = Array.isArray(p.Tags)
      ? Object.fromEntries(
          (p.Tags as Array<{ Key?: ResolvedValue; Value?: ResolvedValue }>).map((t) => [
            String(t.Key),
            String(t.Value),
          ]),
        )
      : undefined;
    const sqs = context.clients.sqs;
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes, ...(tags ? { tags } : {}) }),
    );
    const url = required(created.QueueUrl, `${logicalId}: CreateQueue returned no URL`);
    const read = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn = required(read.Attributes?.QueueArn, `${logicalId}: no QueueArn`);
    context.record.queues.push({ logicalId, name, url, arn, attributes });
    return { ref: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
  },
};

/**
 * The mapping reading a queue, looked up in the raw template: mappings are provided after their
 * queue, and the override must know before the queue exists.
 */
function eventSourceOf(template: Template, queueLogicalId: string): QueueOverrideContext['eventSource'] {
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const props = resource.Properties ?? {};
    const source = props.EventSourceArn as { 'Fn::GetAtt'?: TemplateValue } | undefined;
    const getAtt = source?.['Fn::GetAtt'];
    if (!Array.isArray(getAtt) || getAtt[0] !== queueLogicalId) continue;
    const fnRef = (props.FunctionName as { Ref?: string } | undefined)?.Ref;
    const fn = fnRef === undefined ? undefined : template.Resources[fnRef];
    const timeout = fn?.Properties?.Timeout;
    const window = props.MaximumBatchingWindowInSeconds;
    return {
      batchingWindowSeconds: typeof window === 'number' ? window : 0,
      functionTimeoutSeconds: typeof timeout === 'number' ? timeout : DEFAULT_FUNCTION_TIMEOUT_SECONDS,
    };
  }
  return undefined;
}
