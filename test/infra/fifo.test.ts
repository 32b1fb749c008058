import type { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHIVE_RETENTION_DAYS,
  ConfigValidationError,
  SERVICES,
  type ServiceConfig,
  serviceProfile,
} from '../../infra/config.ts';
import { EncryptedTopic } from '../../infra/constructs/encrypted-topic.ts';
import { ofType, synthForTest } from './helpers.ts';

let fifo: ReturnType<typeof synthForTest>;

beforeAll(() => {
  // The shipped SERVICES, exactly what `cdk synth -c fifo=true` builds.
  fifo = synthForTest({ stage: 'fifo', fifo: 'true' });
});

describe('FIFO variant (context fifo=true), shipped services', () => {
  it('makes the topic and every queue, DLQ and subscription DLQ FIFO', () => {
    const topic =
      fifo.resources[fifo.stack.getLogicalId(fifo.stack.topic.topic.node.defaultChild as CfnResource)];
    expect(topic?.Properties).toMatchObject({ FifoTopic: true, TopicName: expect.stringMatching(/\.fifo$/) });
    const queues = ofType(fifo.resources, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(SERVICES.length * 3);
    for (const [, q] of queues) expect(q.FifoQueue).toBe(true);
  });

  it('archives every message on the topic for ARCHIVE_RETENTION_DAYS (replay window)', () => {
    const topic =
      fifo.resources[fifo.stack.getLogicalId(fifo.stack.topic.topic.node.defaultChild as CfnResource)];
    expect(topic?.Properties?.ArchivePolicy).toEqual({ MessageRetentionPeriod: ARCHIVE_RETENTION_DAYS });
  });

  it('maps every service with its FIFO profile: no batching window, batch <= 10, ReportBatchItemFailures', () => {
    const mappings = ofType(fifo.resources, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(SERVICES.length);
    for (const [, m] of mappings) {
      expect(m.MaximumBatchingWindowInSeconds).toBeUndefined();
      expect(m.BatchSize as number).toBeLessThanOrEqual(10);
      expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('finds nothing unacknowledged with cdk-nag AwsSolutions', () => {
    const report = new AwsSolutionsChecks().validateScope(fifo.app);
    expect(
      report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`)),
    ).toEqual([]);
  });
});

describe('serviceProfile', () => {
  const analytics = SERVICES.find((s) => s.name === 'analytics') as ServiceConfig;

  it('keeps the standard settings on a standard stage and applies the FIFO profile on a FIFO one', () => {
    expect(serviceProfile(analytics, false)).toMatchObject({ batchSize: 100, maxBatchingWindowSeconds: 5 });
    expect(serviceProfile(analytics, true)).toMatchObject({ batchSize: 10, maxBatchingWindowSeconds: 0 });
    expect(serviceProfile(analytics, true)).not.toHaveProperty('fifoProfile');
  });

  it('fails synth when a FIFO profile is still not FIFO-valid, naming the service', () => {
    const broken = SERVICES.map((s) =>
      s.name === 'analytics' ? { ...s, fifoProfile: { batchSize: 50 } } : s,
    );
    expect(() => synthForTest({ stage: 'fifo', fifo: 'true' }, { services: broken })).toThrow(
      /service "analytics": batchSize 50 must be 1\.\.10 for FIFO queues[\s\S]*service "analytics": maxBatchingWindowSeconds must be 0/,
    );
  });
});

describe('EncryptedTopic archive', () => {
  it('refuses an archive on a standard topic and a retention outside 1..365 days, in one error', () => {
    const { stack } = synthForTest({ stage: 'dev' });
    expect(() => new EncryptedTopic(stack, 'Bad', { archiveRetentionDays: 400 })).toThrow(
      ConfigValidationError,
    );
    expect(() => new EncryptedTopic(stack, 'Bad2', { archiveRetentionDays: 400 })).toThrow(
      /only on FIFO topics.*[\s\S]*400 must be an integer in 1\.\.365/,
    );
  });
});
