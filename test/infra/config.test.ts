import { describe, expect, it } from 'vitest';
import {
  ConfigValidationError,
  effectiveVisibilityTimeoutSeconds,
  redeliveryHorizonSeconds,
  SERVICES,
  type ServiceConfig,
  type StageSettings,
  serviceProfile,
  stageSettingsFromContext,
  validateConfig,
} from '../../infra/config.ts';
import { PROJECT_ROOT } from '../../infra/stacks/order-events-stack.ts';
import { OrderEventsError } from '../../lambdas/shared/errors.ts';
import { synthForTest } from './helpers.ts';

const settings = (overrides: Partial<StageSettings> = {}): StageSettings => ({
  ...stageSettingsFromContext({ tryGetContext: () => undefined }),
  ...overrides,
});
// Without its FIFO profile, so FIFO cases check exactly the settings given here.
const base = serviceProfile(SERVICES[0] as ServiceConfig, false);
const svc = (overrides: Partial<ServiceConfig>): ServiceConfig => ({ ...base, ...overrides });

function problemsOf(run: () => void): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('effectiveVisibilityTimeoutSeconds', () => {
  it('is 6 x function timeout + batching window unless a larger timeout is requested', () => {
    const service = svc({ functionTimeoutSeconds: 10, maxBatchingWindowSeconds: 5 });
    expect(effectiveVisibilityTimeoutSeconds({ ...service, visibilityTimeoutSeconds: undefined })).toBe(65);
    expect(effectiveVisibilityTimeoutSeconds({ ...service, visibilityTimeoutSeconds: 20 })).toBe(65);
    expect(effectiveVisibilityTimeoutSeconds({ ...service, visibilityTimeoutSeconds: 100 })).toBe(100);
  });
});

describe('validateConfig', () => {
  it('accepts the shipped configuration, entries included', () => {
    expect(() => validateConfig(SERVICES, settings(), { projectRoot: PROJECT_ROOT })).not.toThrow();
    expect(() =>
      validateConfig(SERVICES, settings({ stage: 'prod', apiAuthorization: 'iam' })),
    ).not.toThrow();
  });

  it('keeps every shipped idempotency expiry beyond the redelivery horizon', () => {
    for (const s of SERVICES)
      expect(s.idempotencyExpirySeconds).toBeGreaterThanOrEqual(redeliveryHorizonSeconds(s));
  });

  it('reports every problem of a bad standard-queue config in ONE error', () => {
    const bad = [
      svc({ name: 'Bad_Name', maxConcurrency: 1, idempotencyExpirySeconds: 3600, recordConcurrency: 51 }),
      svc({ name: 'big', batchSize: 50, maxBatchingWindowSeconds: 0, entry: 'lambdas/nope/handler.ts' }),
      svc({
        name: 'big',
        functionTimeoutSeconds: 900,
        maxBatchingWindowSeconds: 300,
        visibilityTimeoutSeconds: 50_000,
      }),
      svc({
        name: 'late',
        queueRetentionSeconds: 1_209_600,
        alarms: { queueDepth: 0, ageOfOldestMessageSeconds: 30 },
      }),
      svc({
        name: 'filters',
        filterPolicy: { 'data.total': { kind: 'numeric' }, eventType: { kind: 'string', allowlist: [] } },
      }),
    ];
    let error: unknown;
    try {
      validateConfig(bad, settings({ stage: 'Prod!', alarmEmail: 'not-an-email' }), {
        projectRoot: PROJECT_ROOT,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error).toBeInstanceOf(OrderEventsError);
    const e = error as ConfigValidationError;
    expect(e.name).toBe('ConfigValidationError');
    const expected = [
      /stage "Prod!"/,
      /alarmEmail "not-an-email"/,
      /service "Bad_Name": name must be kebab-case/,
      /service "Bad_Name": maxConcurrency 1 must be an integer in 2\.\.1000/,
      /service "Bad_Name": recordConcurrency 51 must be an integer in 1\.\.50 \(the AWS SDK's socket pool/,
      /service "Bad_Name": idempotencyExpirySeconds 3600 is shorter than the redelivery horizon 1555200/,
      /service "big": batchSize 50 > 10 needs maxBatchingWindowSeconds >= 1/,
      /service "big": entry lambdas\/nope\/handler\.ts does not exist/,
      /service "big": duplicate name/,
      /service "big": visibilityTimeoutSeconds 50000 must be an integer in 0\.\.43200/,
      /service "big": visibility timeout max\(50000, 6 × 900 \+ 300\) = 50000 s exceeds the SQS maximum/,
      /service "late": queueRetentionSeconds 1209600 must be/,
      /service "late": alarms\.queueDepth must be a positive integer/,
      /service "late": alarms\.ageOfOldestMessageSeconds must be an integer >= 60/,
      /service "filters": filterPolicy\.data\.total numeric filter has no bound/,
      /service "filters": filterPolicy\.eventType allowlist is empty/,
    ];
    for (const pattern of expected)
      expect(
        e.problems.some((p) => pattern.test(p)),
        String(pattern),
      ).toBe(true);
    // Each problem is in the one message, one line each.
    for (const p of e.problems) expect(e.message).toContain(p);
    expect(e.message).toMatch(/^Invalid order-events configuration \(\d+ problems\):/);
  });

  it('reports FIFO-specific problems: batching window and batch size > 10', () => {
    const problems = problemsOf(() =>
      validateConfig([svc({ batchSize: 20, maxBatchingWindowSeconds: 5 })], settings({ fifo: true })),
    );
    expect(problems).toEqual([
      expect.stringMatching(/batchSize 20 must be 1\.\.10 for FIFO/),
      expect.stringMatching(/maxBatchingWindowSeconds must be 0 for FIFO/),
    ]);
  });

  it('refuses an open API together with sesFromAddress, naming every problem in one message', () => {
    const problems = problemsOf(() =>
      validateConfig(
        SERVICES,
        settings({ stage: 'prod', apiAuthorization: 'none', sesFromAddress: 'orders@example.com' }),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/stage prod requires apiAuth "iam"/),
      expect.stringMatching(/apiAuth "none" together with sesFromAddress "orders@example.com"/),
    ]);
    expect(
      problemsOf(() =>
        validateConfig(
          SERVICES,
          settings({ apiAuthorization: 'none', sesFromAddress: 'orders@example.com' }),
        ),
      ),
    ).toEqual([expect.stringMatching(/apiAuth "none" together with sesFromAddress/)]);
    expect(() => validateConfig(SERVICES, settings({ sesFromAddress: 'orders@example.com' }))).not.toThrow();
    expect(() => validateConfig(SERVICES, settings({ apiAuthorization: 'none' }))).not.toThrow();
  });

  it('requires the age alarm above two visibility timeouts (the metric drops messages received 3+ times)', () => {
    // inventory-like: 15 s timeout, no window → visibility 90 s → threshold must exceed 180 s.
    const service = svc({ functionTimeoutSeconds: 15, maxBatchingWindowSeconds: 0, batchSize: 10 });
    expect(
      problemsOf(() =>
        validateConfig(
          [{ ...service, alarms: { queueDepth: 10, ageOfOldestMessageSeconds: 180 } }],
          settings(),
        ),
      ),
    ).toEqual([
      expect.stringMatching(
        /ageOfOldestMessageSeconds 180 must exceed two visibility timeouts \(2 × 90 = 180 s\)/,
      ),
    ]);
    expect(() =>
      validateConfig(
        [{ ...service, alarms: { queueDepth: 10, ageOfOldestMessageSeconds: 181 } }],
        settings(),
      ),
    ).not.toThrow();
  });

  it('refuses an unauthenticated API in prod and an unknown apiAuth', () => {
    expect(
      problemsOf(() => validateConfig(SERVICES, settings({ stage: 'prod', apiAuthorization: 'none' }))),
    ).toEqual([expect.stringMatching(/stage prod requires apiAuth "iam"/)]);
    const unknown = stageSettingsFromContext({
      tryGetContext: (k) => (k === 'apiAuth' ? 'cognito' : undefined),
    });
    expect(problemsOf(() => validateConfig(SERVICES, unknown))).toEqual([
      expect.stringMatching(/apiAuth "cognito" must be "iam" or "none"/),
    ]);
  });

  it('reads stage settings from context', () => {
    const prod = stageSettingsFromContext({
      tryGetContext: (k) => ({ stage: 'prod', alarmEmail: 'ops@example.com' })[k],
    });
    expect(prod).toMatchObject({
      stage: 'prod',
      alarmEmail: 'ops@example.com',
      removalPolicy: 'retain',
      apiAuthorization: 'iam',
    });
    // Secure by default: IAM on every stage unless the stage opts out.
    expect(settings()).toMatchObject({
      stage: 'dev',
      removalPolicy: 'destroy',
      apiAuthorization: 'iam',
      fifo: false,
    });
    expect(
      stageSettingsFromContext({ tryGetContext: (k) => ({ apiAuth: 'none' })[k] }).apiAuthorization,
    ).toBe('none');
    expect(settings().alarmEmail).toBeUndefined();
  });
});

describe('synth', () => {
  it('fails with the one validation error when the config is bad', () => {
    const bad = [svc({ maxConcurrency: 1 }), svc({ batchSize: 11, maxBatchingWindowSeconds: 0 })];
    const problems = problemsOf(() => synthForTest({}, { services: bad }));
    expect(problems).toEqual([
      expect.stringMatching(/service "email": maxConcurrency 1/),
      expect.stringMatching(/service "email": duplicate name/),
      expect.stringMatching(/service "email": batchSize 11 > 10 needs maxBatchingWindowSeconds/),
    ]);
  });
});
