/**
 * Service-to-service flows the system depends on, evaluated with an IAM policy evaluator over the
 * synthesized template (intrinsics resolved into a fixed account and region). The emulators do not
 * evaluate IAM, resource or key policies; this is where a policy that would break the deployment fails.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { synthForTest } from './helpers.ts';
import { evaluate } from './iam/policy-evaluator.ts';
import { ACCOUNT, OTHER_ACCOUNT, type RawTemplate, ResolvedTemplate } from './iam/resolved-template.ts';

let devRaw: RawTemplate;
let dev: ResolvedTemplate;

beforeAll(() => {
  devRaw = synthForTest().template.toJSON() as RawTemplate;
  dev = new ResolvedTemplate(devRaw);
});

/** The raw template with the statements `sid` removed from every topic policy (a deliberate break). */
function withoutTopicStatement(raw: RawTemplate, sid: string): RawTemplate {
  const copy = structuredClone(raw) as {
    Resources: Record<
      string,
      { Type: string; Properties?: { PolicyDocument?: { Statement: { Sid?: string }[] } } }
    >;
  };
  for (const r of Object.values(copy.Resources)) {
    const doc = r.Type === 'AWS::SNS::TopicPolicy' ? r.Properties?.PolicyDocument : undefined;
    if (doc !== undefined) doc.Statement = doc.Statement.filter((s) => s.Sid !== sid);
  }
  return copy as unknown as RawTemplate;
}

function opsTopicOf(t: ResolvedTemplate): { topicArn: string; keyArn: string } {
  const topic = t.ofType('AWS::SNS::Topic').find((r) => r.properties.DisplayName === 'order-events alarms');
  if (topic?.arn === undefined) throw new Error('no ops topic');
  const keyArn = String(topic.properties.KmsMasterKeyId);
  return { topicArn: topic.arn, keyArn };
}

describe('CloudWatch → ops topic', () => {
  it('every alarm action may publish to the ops topic and use its key', async () => {
    const { topicArn, keyArn } = opsTopicOf(dev);
    const alarms = dev.ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.properties.AlarmActions).toEqual([topicArn]);
      const context = { 'aws:SourceArn': alarm.arn as string, 'aws:SourceAccount': ACCOUNT };
      const principal = 'cloudwatch.amazonaws.com';
      expect(
        await evaluate(dev, { principal, action: 'sns:Publish', resource: topicArn, context }),
        alarm.logicalId,
      ).toBe('Allowed');
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        expect(
          await evaluate(dev, { principal, action, resource: keyArn, context }),
          `${alarm.logicalId} ${action}`,
        ).toBe('Allowed');
      }
    }
  });

  it('is implicitly denied without the topic-policy Allow (the template before issue 8)', async () => {
    const broken = new ResolvedTemplate(withoutTopicStatement(devRaw, 'AllowCloudWatchAlarms'));
    const { topicArn } = opsTopicOf(broken);
    const alarm = broken.ofType('AWS::CloudWatch::Alarm')[0];
    const context = { 'aws:SourceArn': alarm?.arn as string, 'aws:SourceAccount': ACCOUNT };
    expect(
      await evaluate(broken, {
        principal: 'cloudwatch.amazonaws.com',
        action: 'sns:Publish',
        resource: topicArn,
        context,
      }),
    ).toBe('ImplicitlyDenied');
  });

  it("denies another account's alarms (confused deputy)", async () => {
    const { topicArn, keyArn } = opsTopicOf(dev);
    const context = {
      'aws:SourceArn': `arn:aws:cloudwatch:eu-west-1:${OTHER_ACCOUNT}:alarm:anything`,
      'aws:SourceAccount': OTHER_ACCOUNT,
    };
    const principal = 'cloudwatch.amazonaws.com';
    expect(await evaluate(dev, { principal, action: 'sns:Publish', resource: topicArn, context })).not.toBe(
      'Allowed',
    );
    expect(
      await evaluate(dev, { principal, action: 'kms:GenerateDataKey', resource: keyArn, context }),
    ).not.toBe('Allowed');
  });
});
