/** Scaling a template's time settings for a local run (local/time-scale.ts). */
import { describe, expect, it } from 'vitest';
import type { Template } from '../../local/assembly.ts';
import { LocalRuntimeError } from '../../local/errors.ts';
import { InvalidTimeScaleError, scaleTemplateTimes } from '../../local/time-scale.ts';

/** A consumer as the stack builds it: visibility 6× the function timeout plus the batching window. */
function consumer(timeout: number, window: number): Template {
  return {
    Parameters: { Stage: { Type: 'String', Default: 'dev' } },
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Timeout: timeout, MemorySize: 256 } },
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          VisibilityTimeout: 6 * timeout + window,
          ReceiveMessageWaitTimeSeconds: 20,
          DelaySeconds: 3,
          MessageRetentionPeriod: 345_600,
          RedrivePolicy: { maxReceiveCount: 5 },
        },
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { BatchSize: 10, MaximumBatchingWindowInSeconds: window },
      },
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { TimeToLiveSpecification: { Enabled: true } } },
    },
    Outputs: { Url: { Value: { Ref: 'Queue' } } },
  };
}

const props = (t: Template, id: string) => t.Resources[id]?.Properties ?? {};

describe('scaleTemplateTimes', () => {
  it('scales timeouts, waits, delays and windows; SQS values in whole seconds, rounded up', () => {
    const scaled = scaleTemplateTimes(consumer(15, 5), 0.2);
    expect(props(scaled, 'Fn')).toEqual({ Timeout: 3, MemorySize: 256 });
    // 6 × 15 + 5 = 95 → 19; 20 → 4; 3 → 0.6 → 1.
    expect(props(scaled, 'Queue')).toEqual({
      VisibilityTimeout: 19,
      ReceiveMessageWaitTimeSeconds: 4,
      DelaySeconds: 1,
      MessageRetentionPeriod: 345_600,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(props(scaled, 'Mapping')).toEqual({ BatchSize: 10, MaximumBatchingWindowInSeconds: 1 });
    expect(scaled.Resources.Table).toEqual(consumer(15, 5).Resources.Table);
    expect(scaled.Parameters).toEqual(consumer(15, 5).Parameters);
    expect(scaled.Outputs).toEqual(consumer(15, 5).Outputs);
  });

  it('keeps the visibility timeout at least 6× the function timeout plus the window, never a second more', () => {
    for (const [timeout, window] of [
      [15, 1],
      [20, 1],
      [30, 5],
      [7, 3],
    ] as const) {
      for (const factor of [0.1, 0.25, 1 / 3, 0.5, 0.9]) {
        const scaled = scaleTemplateTimes(consumer(timeout, window), factor);
        const fnTimeout = props(scaled, 'Fn').Timeout as number;
        const batching = props(scaled, 'Mapping').MaximumBatchingWindowInSeconds as number;
        const visibility = props(scaled, 'Queue').VisibilityTimeout as number;
        expect(Number.isInteger(visibility)).toBe(true);
        expect(visibility).toBeGreaterThanOrEqual(6 * fnTimeout + batching - 1e-9);
        expect(visibility).toBeLessThan(6 * fnTimeout + batching + 1);
      }
    }
  });

  it('does not round a product that floating point puts a hair above a whole second', () => {
    // 90 × 0.2 is 18.000000000000004 in binary floating point.
    const template = consumer(15, 0);
    expect(props(scaleTemplateTimes(template, 0.2), 'Queue').VisibilityTimeout).toBe(18);
  });

  it('leaves zero, absent and computed values alone and never changes its input', () => {
    const template: Template = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function' },
        Queue: {
          Type: 'AWS::SQS::Queue',
          Properties: { VisibilityTimeout: { 'Fn::If': ['IsDev', 7, 70] }, DelaySeconds: 0 },
        },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { MaximumBatchingWindowInSeconds: 0 },
        },
      },
    };
    const copy = structuredClone(template);
    expect(scaleTemplateTimes(template, 0.5)).toEqual(copy);
    const original = consumer(15, 5);
    scaleTemplateTimes(original, 0.5);
    expect(original).toEqual(consumer(15, 5));
  });

  it('returns the template itself at 1', () => {
    const template = consumer(15, 5);
    expect(scaleTemplateTimes(template, 1)).toBe(template);
  });

  it.each([0, -0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses %s with a runtime error',
    (factor) => {
      const refuse = () => scaleTemplateTimes(consumer(15, 5), factor);
      expect(refuse).toThrow(InvalidTimeScaleError);
      expect(refuse).toThrow(LocalRuntimeError);
      expect(refuse).toThrow(`time scale must be a number in (0, 1], got ${factor}`);
    },
  );
});
