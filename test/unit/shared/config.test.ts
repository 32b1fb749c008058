import { describe, expect, it } from 'vitest';
import { readConsumerConfig, readOrderApiConfig } from '../../../lambdas/shared/config.ts';
import { ConfigurationError } from '../../../lambdas/shared/errors.ts';

describe('config', () => {
  it('reads a complete consumer environment', () => {
    expect(
      readConsumerConfig({
        SERVICE_NAME: 'email',
        IDEMPOTENCY_TABLE_NAME: 'idem',
        IDEMPOTENCY_EXPIRY_SECONDS: '86400',
        EFFECT_TABLE_NAME: 'fx',
        DLQ_URL: 'http://q',
      }),
    ).toEqual({
      serviceName: 'email',
      idempotencyTableName: 'idem',
      idempotencyExpirySeconds: 86400,
      effectTableName: 'fx',
      dlqUrl: 'http://q',
    });
  });

  it('names every missing or invalid variable in one error', () => {
    let error: unknown;
    try {
      readConsumerConfig({ SERVICE_NAME: 'email', IDEMPOTENCY_EXPIRY_SECONDS: 'soon' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const ce = error as ConfigurationError;
    expect(ce.variables).toEqual([
      'IDEMPOTENCY_TABLE_NAME',
      'IDEMPOTENCY_EXPIRY_SECONDS',
      'EFFECT_TABLE_NAME',
      'DLQ_URL',
    ]);
    expect(ce.message).toMatch(/IDEMPOTENCY_EXPIRY_SECONDS must be a positive integer \(got "soon"\)/);
  });

  it('defaults MAX_BODY_BYTES and requires TOPIC_ARN', () => {
    expect(readOrderApiConfig({ TOPIC_ARN: 'arn:t' })).toEqual({ topicArn: 'arn:t', maxBodyBytes: 65536 });
    expect(() => readOrderApiConfig({})).toThrow(/TOPIC_ARN is not set/);
  });
});
