import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RECORD_CONCURRENCY,
  readConsumerConfig,
  readOrderApiConfig,
} from '../../../lambdas/shared/config.ts';
import { ConfigurationError } from '../../../lambdas/shared/errors.ts';
import { thrownMessage } from '../helpers/errors.ts';

/** Every variable a consumer needs, RECORD_CONCURRENCY left to its default. */
const CONSUMER_ENV = {
  SERVICE_NAME: 'email',
  IDEMPOTENCY_TABLE_NAME: 'idem',
  IDEMPOTENCY_EXPIRY_SECONDS: '86400',
  EFFECT_TABLE_NAME: 'fx',
  DLQ_URL: 'http://q',
};

describe('config', () => {
  it('reads a complete consumer environment', () => {
    expect(readConsumerConfig(CONSUMER_ENV)).toEqual({
      serviceName: 'email',
      idempotencyTableName: 'idem',
      idempotencyExpirySeconds: 86400,
      effectTableName: 'fx',
      dlqUrl: 'http://q',
      recordConcurrency: DEFAULT_RECORD_CONCURRENCY,
    });
  });

  it('reads RECORD_CONCURRENCY when set, and refuses one that is not a positive integer', () => {
    expect(readConsumerConfig({ ...CONSUMER_ENV, RECORD_CONCURRENCY: '12' }).recordConcurrency).toBe(12);
    expect(thrownMessage(() => readConsumerConfig({ ...CONSUMER_ENV, RECORD_CONCURRENCY: '0' }))).toBe(
      'consumer configuration: RECORD_CONCURRENCY must be a positive integer (got "0")',
    );
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

  it('says which configuration, and every problem in order; trims values; refuses 0 and fractions', () => {
    const complete = {
      SERVICE_NAME: ' email ',
      IDEMPOTENCY_TABLE_NAME: 'idem',
      IDEMPOTENCY_EXPIRY_SECONDS: ' 60 ',
      EFFECT_TABLE_NAME: 'fx',
      DLQ_URL: 'http://q',
    };
    expect(readConsumerConfig(complete)).toMatchObject({
      serviceName: 'email',
      idempotencyExpirySeconds: 60,
    });
    expect(
      thrownMessage(() =>
        readConsumerConfig({ ...complete, SERVICE_NAME: '  ', IDEMPOTENCY_EXPIRY_SECONDS: '0' }),
      ),
    ).toBe(
      'consumer configuration: SERVICE_NAME is not set; IDEMPOTENCY_EXPIRY_SECONDS must be a positive integer (got "0")',
    );
    expect(thrownMessage(() => readConsumerConfig({ ...complete, IDEMPOTENCY_EXPIRY_SECONDS: '' }))).toBe(
      'consumer configuration: IDEMPOTENCY_EXPIRY_SECONDS is not set',
    );
    expect(() => readConsumerConfig({ ...complete, IDEMPOTENCY_EXPIRY_SECONDS: ' ' })).toThrow(
      expect.objectContaining({ variables: ['IDEMPOTENCY_EXPIRY_SECONDS'] }),
    );
    expect(thrownMessage(() => readOrderApiConfig({ TOPIC_ARN: 'arn:t', MAX_BODY_BYTES: '1.5' }))).toBe(
      'order API configuration: MAX_BODY_BYTES must be a positive integer (got "1.5")',
    );
    expect(readOrderApiConfig({ TOPIC_ARN: 'arn:t', MAX_BODY_BYTES: '1024' }).maxBodyBytes).toBe(1024);
    expect(() => readOrderApiConfig({ TOPIC_ARN: 'arn:t', MAX_BODY_BYTES: '0' })).toThrow(ConfigurationError);
  });
});
