/**
 * Service-to-service flows the system depends on, evaluated with an IAM policy evaluator over the
 * synthesized template (intrinsics resolved into a fixed account and region). The emulators do not
 * evaluate IAM, resource or key policies; this is where a policy that would break the deployment fails.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { synthForTest } from './helpers.ts';
import { evaluate } from './iam/policy-evaluator.ts';
import { ACCOUNT, type RawTemplate, ResolvedTemplate } from './iam/resolved-template.ts';

let dev: ResolvedTemplate;

beforeAll(() => {
  dev = new ResolvedTemplate(synthForTest().template.toJSON() as RawTemplate);
});

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
});
