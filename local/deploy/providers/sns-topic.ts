/** `AWS::SNS::Topic` → CreateTopic in fauxqs. */
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { LocalDeployError } from '../deployment.ts';
import { isTrue, required } from '../properties.ts';
import type { ResourceProvider } from '../provider.ts';

/** Creates the topic with its FIFO, deduplication and display settings. */
export const snsTopicProvider: ResourceProvider = {
  types: ['AWS::SNS::Topic'],
  async provide(context, logicalId, resource) {
    const p = context.properties(logicalId, resource);
    const fifo = isTrue(p.FifoTopic);
    const name =
      typeof p.TopicName === 'string'
        ? p.TopicName
        : context.physicalName(logicalId, resource.Type, fifo ? '.fifo' : '');
    if (Array.isArray(p.Subscription) && p.Subscription.length > 0) {
      throw new LocalDeployError(
        `${logicalId}.Properties.Subscription: inline subscriptions are not supported locally`,
      );
    }
    const attributes: Record<string, string> = {};
    if (fifo) attributes.FifoTopic = 'true';
    if (p.ContentBasedDeduplication !== undefined)
      attributes.ContentBasedDeduplication = String(p.ContentBasedDeduplication);
    if (typeof p.KmsMasterKeyId === 'string') attributes.KmsMasterKeyId = p.KmsMasterKeyId;
    if (typeof p.DisplayName === 'string') attributes.DisplayName = p.DisplayName;
    const created = await context.clients.sns.send(
      new CreateTopicCommand({ Name: name, Attributes: attributes }),
    );
    const arn = required(created.TopicArn, `${logicalId}: CreateTopic returned no ARN`);
    if (p.KmsMasterKeyId !== undefined)
      context.gap(`${logicalId}: KmsMasterKeyId accepted, no encryption (no KMS)`);
    if (p.ArchivePolicy !== undefined)
      context.gap(
        `${logicalId}: ArchivePolicy accepted, no archive (fauxqs has no SNS message archiving or replay)`,
      );
    context.record.topics.push({ logicalId, name, arn });
    return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
  },
};
