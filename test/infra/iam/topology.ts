/**
 * The fan-out as the resolved template wires it, read from the resources themselves (subscriptions,
 * event source mappings, function environments), not from the CDK constructs: what the evaluator
 * checks is exactly what CloudFormation would deploy.
 */
import type { DeployedResource, ResolvedTemplate } from './resolved-template.ts';

/** One consumer service, as deployed. */
export interface DeployedConsumer {
  readonly service: string;
  readonly functionLogicalId: string;
  readonly functionArn: string;
  readonly roleArn: string;
  readonly topicArn: string;
  readonly queueArn: string;
  /** The queue's KMS key (also the DLQ's). */
  readonly queueKeyArn: string;
  readonly dlqArn: string;
  readonly subscriptionDlqArn: string;
  readonly effectTableArn: string;
  readonly idempotencyTableArn: string;
}

/** The order API, as deployed. */
export interface DeployedApi {
  readonly functionArn: string;
  readonly roleArn: string;
  readonly apiId: string;
  readonly routes: readonly { routeKey: string; authorizationType: string }[];
  readonly topicArn: string;
  readonly topicKeyArn: string;
}

const str = (value: unknown, what: string): string => {
  if (typeof value !== 'string') throw new Error(`${what} is not a string: ${JSON.stringify(value)}`);
  return value;
};

function byRefOrArn(t: ResolvedTemplate, type: string, value: string): DeployedResource {
  const found = t.ofType(type).find((r) => r.ref === value || r.arn === value);
  if (found === undefined) throw new Error(`no ${type} ${value}`);
  return found;
}

/** Every consumer: subscription (sqs) → queue → event source mapping → function → role and tables. */
export function consumersOf(t: ResolvedTemplate): DeployedConsumer[] {
  return t
    .ofType('AWS::SNS::Subscription')
    .filter((s) => s.properties.Protocol === 'sqs')
    .map((sub) => {
      const queueArn = str(sub.properties.Endpoint, 'subscription endpoint');
      const queue = t.byArn(queueArn);
      const mapping = t
        .ofType('AWS::Lambda::EventSourceMapping')
        .find((m) => m.properties.EventSourceArn === queueArn);
      if (mapping === undefined) throw new Error(`no event source mapping reads ${queueArn}`);
      const fn = byRefOrArn(t, 'AWS::Lambda::Function', str(mapping.properties.FunctionName, 'FunctionName'));
      const env = (fn.properties.Environment as { Variables: Record<string, string> }).Variables;
      const table = (name: string | undefined) =>
        byRefOrArn(t, 'AWS::DynamoDB::Table', str(name, 'table name')).arn as string;
      return {
        service: str(env.SERVICE_NAME, 'SERVICE_NAME'),
        functionLogicalId: fn.logicalId,
        functionArn: fn.arn as string,
        roleArn: str(fn.properties.Role, 'Role'),
        topicArn: str(sub.properties.TopicArn, 'TopicArn'),
        queueArn,
        queueKeyArn: str(queue.properties.KmsMasterKeyId, 'queue KmsMasterKeyId'),
        dlqArn: str(
          (queue.properties.RedrivePolicy as { deadLetterTargetArn: string }).deadLetterTargetArn,
          'DLQ',
        ),
        subscriptionDlqArn: str(
          (sub.properties.RedrivePolicy as { deadLetterTargetArn: string } | undefined)?.deadLetterTargetArn,
          'subscription DLQ',
        ),
        effectTableArn: table(env.EFFECT_TABLE_NAME),
        idempotencyTableArn: table(env.IDEMPOTENCY_TABLE_NAME),
      };
    });
}

/** The order API: its route(s), integration function, role and the topic it publishes to. */
export function apiOf(t: ResolvedTemplate): DeployedApi {
  const [api] = t.ofType('AWS::ApiGatewayV2::Api');
  const fn = t.ofType('AWS::Lambda::Function').find((f) => {
    const env = (f.properties.Environment as { Variables: Record<string, string> }).Variables;
    return env.TOPIC_ARN !== undefined;
  });
  if (api === undefined || fn === undefined) throw new Error('no order API');
  const topicArn = (fn.properties.Environment as { Variables: Record<string, string> }).Variables
    .TOPIC_ARN as string;
  const topic = t.byArn(topicArn);
  return {
    functionArn: fn.arn as string,
    roleArn: str(fn.properties.Role, 'Role'),
    apiId: api.ref,
    routes: t.ofType('AWS::ApiGatewayV2::Route').map((r) => ({
      routeKey: str(r.properties.RouteKey, 'RouteKey'),
      authorizationType: str(r.properties.AuthorizationType, 'AuthorizationType'),
    })),
    topicArn,
    topicKeyArn: str(topic.properties.KmsMasterKeyId, 'topic KmsMasterKeyId'),
  };
}
