import type { CfnResource } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../../infra/config.ts';
import { ofType, synthForTest } from './helpers.ts';

let fifo: ReturnType<typeof synthForTest>;

beforeAll(() => {
  // FIFO needs batch size <= 10 and no batching window; validateConfig refuses the shipped analytics/email.
  const services = SERVICES.map((s) => ({
    ...s,
    batchSize: Math.min(s.batchSize, 10),
    maxBatchingWindowSeconds: 0,
  }));
  fifo = synthForTest({ stage: 'fifo', fifo: 'true' }, { services });
});

describe('FIFO variant (context fifo=true)', () => {
  it('makes the topic and every queue, DLQ and subscription DLQ FIFO', () => {
    const topic =
      fifo.resources[fifo.stack.getLogicalId(fifo.stack.topic.topic.node.defaultChild as CfnResource)];
    expect(topic?.Properties).toMatchObject({ FifoTopic: true, TopicName: expect.stringMatching(/\.fifo$/) });
    const queues = ofType(fifo.resources, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(SERVICES.length * 3);
    for (const [, q] of queues) expect(q.FifoQueue).toBe(true);
  });

  it('maps without a batching window and keeps ReportBatchItemFailures', () => {
    for (const [, m] of ofType(fifo.resources, 'AWS::Lambda::EventSourceMapping')) {
      expect(m.MaximumBatchingWindowInSeconds).toBeUndefined();
      expect(m.BatchSize as number).toBeLessThanOrEqual(10);
      expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });
});
