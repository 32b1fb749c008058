/** `AWS::SNS::Subscription` (protocol sqs) → Subscribe in fauxqs. */
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { LocalDeployError } from '../deployment.ts';
import { expectString, jsonString, required } from '../properties.ts';
import type { ResourceProvider } from '../provider.ts';

/** Subscribes a queue with the template's raw delivery and filter policy. */
export const snsSubscriptionProvider: ResourceProvider = {
  types: ['AWS::SNS::Subscription'],
  async provide(context, logicalId, resource) {
    const p = context.properties(logicalId, resource);
    const topicArn = expectString(p.TopicArn, `${logicalId}.Properties.TopicArn`);
    const endpoint = expectString(p.Endpoint, `${logicalId}.Properties.Endpoint`);
    const protocol = expectString(p.Protocol, `${logicalId}.Properties.Protocol`);
    if (protocol !== 'sqs') {
      throw new LocalDeployError(
        `${logicalId}.Properties.Protocol: only sqs subscriptions are emulated (got ${protocol})`,
      );
    }
    const attributes: Record<string, string> = {};
    if (p.RawMessageDelivery !== undefined) attributes.RawMessageDelivery = String(p.RawMessageDelivery);
    if (p.FilterPolicy !== undefined) attributes.FilterPolicy = jsonString(p.FilterPolicy);
    if (typeof p.FilterPolicyScope === 'string') attributes.FilterPolicyScope = p.FilterPolicyScope;
    if (p.RedrivePolicy !== undefined) {
      attributes.RedrivePolicy = jsonString(p.RedrivePolicy);
      context.gap(
        `${logicalId}: subscription RedrivePolicy stored but not enforced by fauxqs (undeliverable messages are not moved to the subscription DLQ)`,
      );
    }
    const created = await context.clients.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: protocol,
        Endpoint: endpoint,
        Attributes: attributes,
        ReturnSubscriptionArn: true,
      }),
    );
    const arn = required(created.SubscriptionArn, `${logicalId}: Subscribe returned no ARN`);
    context.record.subscriptions.push({ logicalId, arn, topicArn, endpoint });
    return { ref: arn, attributes: {} };
  },
};
