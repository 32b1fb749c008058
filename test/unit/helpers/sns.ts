/** A topic with a raw-delivery queue subscribed, on the embedded fauxqs. */
import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { Emulators } from '../../../local/emulators.ts';
import { createQueue, type TestClients } from './aws.ts';

/** A topic and the URL of a queue subscribed to it with raw message delivery. */
export interface SubscribedTopic {
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly queueUrl: string;
}

/** Creates a topic and a raw-delivery queue subscription with unique names. */
export async function subscribedTopic(emulators: Emulators, clients: TestClients): Promise<SubscribedTopic> {
  const sns = new SNSClient(emulators.clientConfig('sns'));
  const suffix = randomUUID().slice(0, 8);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `order-events-${suffix}` }));
  if (!TopicArn) throw new Error('no topic ARN');
  const queue = await createQueue(clients.sqs, `raw-${suffix}`);
  await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { sns, topicArn: TopicArn, queueUrl: queue.url };
}
