import { describe, expect, it } from 'vitest';
import {
  consumerSettings,
  fixedResources,
  functionMemory,
  type TemplateLike,
} from '../../bench/stack-settings.ts';
import { SERVICES } from '../../infra/config.ts';
import { ofType, synthForTest } from '../infra/helpers.ts';

describe('stack settings read from the synthesized template', () => {
  const { template, resources } = synthForTest();
  const json = template.toJSON() as TemplateLike;

  it('finds every consumer with the settings infra/config.ts gave it', () => {
    const consumers = consumerSettings(json);
    expect(consumers.map((c) => c.service).sort()).toEqual(SERVICES.map((s) => s.name).sort());
    for (const service of SERVICES) {
      const c = consumers.find((x) => x.service === service.name);
      expect(c, service.name).toMatchObject({
        batchSize: service.batchSize,
        batchingWindowSeconds: service.maxBatchingWindowSeconds,
        maximumConcurrency: service.maxConcurrency,
        timeoutSeconds: service.functionTimeoutSeconds,
        memoryMb: service.memoryMb,
        architecture: 'arm64',
        reservedConcurrency: undefined,
      });
      expect(c?.filterPolicy !== undefined, service.name).toBe(service.filterPolicy !== undefined);
      expect(resources[c?.queueLogicalId ?? '']?.Type).toBe('AWS::SQS::Queue');
    }
  });

  it('reads every function memory size', () => {
    const memory = functionMemory(json);
    expect(memory.size).toBe(ofType(resources, 'AWS::Lambda::Function').length);
    for (const [, mb] of memory) expect(mb).toBeGreaterThanOrEqual(128);
  });

  it('counts the resources with a fixed monthly price', () => {
    const fixed = fixedResources(json);
    expect(fixed.alarms).toBe(ofType(resources, 'AWS::CloudWatch::Alarm').length);
    expect(fixed.alarmMetrics).toBeGreaterThanOrEqual(fixed.alarms);
    expect(fixed.dashboards).toBe(ofType(resources, 'AWS::CloudWatch::Dashboard').length);
    expect(fixed.kmsKeys).toBe(ofType(resources, 'AWS::KMS::Key').length);
    // Every queue but the subscription DLQs (SSE-SQS, no KMS requests) is SSE-KMS with the SQS
    // default data key reuse period.
    const queues = ofType(resources, 'AWS::SQS::Queue');
    const sseSqs = queues.filter(([, q]) => q.SqsManagedSseEnabled === true);
    expect(sseSqs).toHaveLength(SERVICES.length);
    expect(fixed.kmsQueues.length).toBe(queues.length - sseSqs.length);
    for (const q of fixed.kmsQueues) expect(q.reusePeriodSeconds).toBe(300);
  });

  it('counts each metric of a metric-math alarm', () => {
    const fixed = fixedResources({
      Resources: {
        Plain: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors' } },
        Math: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { Metrics: [{ Expression: 'a + b' }, { MetricStat: {} }, { MetricStat: {} }] },
        },
      },
    });
    expect(fixed.alarms).toBe(2);
    expect(fixed.alarmMetrics).toBe(3);
  });
});
