import type { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ofType, synthForTest } from './helpers.ts';

let prod: ReturnType<typeof synthForTest>;

beforeAll(() => {
  prod = synthForTest({ stage: 'prod', alarmEmail: 'ops@example.com', sesFromAddress: 'orders@example.com' });
});

describe('prod stage', () => {
  it('is OrderEvents-prod and passes AwsSolutions without the dev acknowledgement', () => {
    expect(prod.stack.stackName).toBe('OrderEvents-prod');
    const report = new AwsSolutionsChecks().validateScope(prod.app);
    expect(report.violations).toEqual([]);
  });

  it('authorizes POST /orders with IAM', () => {
    const routes = ofType(prod.resources, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => [r.RouteKey, r.AuthorizationType])).toEqual([['POST /orders', 'AWS_IAM']]);
  });

  it('retains tables, keys, log groups and every queue (undrained DLQ messages survive)', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::SQS::Queue']) {
      const all = Object.values(prod.resources).filter((r) => r.Type === type) as {
        DeletionPolicy?: string;
      }[];
      expect(all.length).toBeGreaterThan(0);
      for (const r of all) expect(r.DeletionPolicy, type).toBe('Retain');
    }
    for (const [, lg] of ofType(prod.resources, 'AWS::Logs::LogGroup')) expect(lg.RetentionInDays).toBe(365);
  });

  it('subscribes alarmEmail to the ops topic', () => {
    const subs = ofType(prod.resources, 'AWS::SNS::Subscription').filter(([, s]) => s.Protocol === 'email');
    expect(subs).toHaveLength(1);
    const [, sub] = subs[0] as [string, Record<string, unknown>];
    expect(sub.Endpoint).toBe('ops@example.com');
    expect(sub.TopicArn).toEqual({
      Ref: prod.stack.getLogicalId(prod.stack.opsTopic.topic.node.defaultChild as CfnResource),
    });
  });

  it('lets only the email service send from the configured SES address', () => {
    const sesStatements = ofType(prod.resources, 'AWS::IAM::Policy').flatMap(([, p]) =>
      (
        p.PolicyDocument as { Statement: { Action: unknown; Condition?: unknown; Resource: unknown }[] }
      ).Statement.filter((s) => JSON.stringify(s.Action).includes('ses:')).map((s) => ({
        roles: p.Roles,
        ...s,
      })),
    );
    expect(sesStatements).toHaveLength(1);
    expect(sesStatements[0]?.Action).toBe('ses:SendEmail');
    expect(sesStatements[0]?.Condition).toEqual({
      StringEquals: { 'ses:FromAddress': 'orders@example.com' },
    });
    const emailRole = prod.stack.getLogicalId(
      prod.stack.consumers.get('email')?.consumer.role.node.defaultChild as CfnResource,
    );
    expect(sesStatements[0]?.roles).toEqual([{ Ref: emailRole }]);
    const emailFn = prod.stack.consumers.get('email')?.consumer.function.node.defaultChild;
    const fnProps = prod.resources[prod.stack.getLogicalId(emailFn as CfnResource)]?.Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fnProps.Environment.Variables.SES_FROM_ADDRESS).toBe('orders@example.com');
  });
});
