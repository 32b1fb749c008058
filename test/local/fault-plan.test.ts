/**
 * Fault decisions are a pure function of the seed and the order of requests: replayable runs, and a
 * plan that cannot be built names every problem.
 */
import { describe, expect, it } from 'vitest';
import type { ParsedRequest } from '../../local/aws-request.ts';
import { LOCAL_ACCOUNT_ID } from '../../local/emulators.ts';
import {
  chaosFaultRules,
  DEFAULT_CHAOS_RATES,
  FAULT_KINDS,
  FaultPlan,
  FaultPlanError,
  type FaultRule,
  mulberry32,
  validateFaultPlan,
} from '../../local/fault-plan.ts';

function request(overrides: Partial<ParsedRequest> = {}): ParsedRequest {
  return {
    service: 'dynamodb',
    action: 'UpdateItem',
    protocol: 'json',
    accessKeyId: 'Fn',
    sessionToken: 'Fn/sandbox',
    resources: [`arn:aws:dynamodb:us-east-1:${LOCAL_ACCOUNT_ID}:table/Effects`],
    authorizations: [],
    mutating: true,
    invocationId: undefined,
    attempt: 1,
    ...overrides,
  };
}

/** A fixed, mixed sequence of requests (reads and writes, sandboxes and not, several services). */
function traffic(n: number): ParsedRequest[] {
  return Array.from({ length: n }, (_, i) =>
    request({
      service: (['dynamodb', 'sqs', 'sns'] as const)[i % 3],
      action:
        i % 3 === 0 ? (i % 2 === 0 ? 'UpdateItem' : 'GetItem') : i % 3 === 1 ? 'SendMessage' : 'Publish',
      mutating: !(i % 3 === 0 && i % 2 === 1),
      sessionToken: i % 5 === 0 ? undefined : `Fn/sandbox-${i % 4}`,
      invocationId: `op-${Math.floor(i / 2)}`,
      attempt: (i % 2) + 1,
    }),
  );
}

const decisions = (seed: number, rules: readonly FaultRule[], requests: readonly ParsedRequest[]) => {
  const plan = new FaultPlan({ seed, rules });
  return requests.map((r) => plan.decide(r)?.fault ?? '-');
};

describe('FaultPlan', () => {
  const rules = chaosFaultRules({ killRate: 0.05, kills: 3, hangs: 2 });
  const requests = traffic(5_000);

  it('decides the same faults for the same seed and request order', () => {
    expect(decisions(7, rules, requests)).toEqual(decisions(7, rules, requests));
  });

  it('decides differently for another seed', () => {
    expect(decisions(8, rules, requests)).not.toEqual(decisions(7, rules, requests));
  });

  it('injects every class near its rate, and at most `limit` of the limited ones', () => {
    const plan = new FaultPlan({ seed: 42, rules });
    for (const r of requests) plan.decide(r);
    const injected = plan.injected();
    expect(injected.killSandbox).toBe(3);
    expect(injected.hang).toBe(2);
    for (const kind of ['throttle', 'error500', 'outage', 'appliedThen500'] as const) {
      expect(injected[kind]).toBeGreaterThan(0);
    }
    // 5 % of the ~1,667 DynamoDB attempts + 2 % of the ~3,333 SQS/SNS ones ≈ 150.
    expect(injected.throttle).toBeGreaterThan(100);
    expect(injected.throttle).toBeLessThan(200);
  });

  it('keeps an operation in its outage for every retry, and only first attempts open one', () => {
    const plan = new FaultPlan({ seed: 1, rules: [{ fault: 'outage', rate: 1, limit: 1 }] });
    expect(plan.decide(request({ invocationId: 'op', attempt: 2 }))).toBeUndefined();
    expect(plan.decide(request({ invocationId: 'op', attempt: 1 }))?.fault).toBe('outage');
    expect(plan.decide(request({ invocationId: 'op', attempt: 2 }))?.fault).toBe('outage');
    expect(plan.decide(request({ invocationId: 'op', attempt: 3 }))?.fault).toBe('outage');
    expect(plan.decide(request({ invocationId: 'other', attempt: 1 }))).toBeUndefined();
  });

  it('chooses after-write faults only for writes, and sandbox faults only for sandboxes', () => {
    const plan = new FaultPlan({
      seed: 1,
      rules: [
        { fault: 'killSandbox', rate: 1 },
        { fault: 'appliedThen500', rate: 1 },
      ],
    });
    expect(plan.decide(request({ mutating: false }))).toBeUndefined();
    expect(plan.decide(request({ sessionToken: undefined }))?.fault).toBe('appliedThen500');
    expect(plan.decide(request())?.fault).toBe('killSandbox');
  });

  it('a released decision gives its limit back', () => {
    const plan = new FaultPlan({ seed: 1, rules: [{ fault: 'hang', rate: 1, limit: 1 }] });
    plan.decide(request())?.release();
    expect(plan.injected().hang).toBe(0);
    expect(plan.decide(request())?.fault).toBe('hang');
    expect(plan.decide(request())).toBeUndefined();
  });

  it('rejects a bad plan naming every problem', () => {
    const build = () =>
      new FaultPlan({
        seed: -1,
        rules: [
          { fault: 'throttle', rate: 1.5 },
          { fault: 'hang', rate: 0.1, limit: 0.5 },
        ],
      });
    expect(build).toThrow(FaultPlanError);
    expect(build).toThrow(/seed -1[\s\S]*rule 0 \(throttle\): rate 1.5[\s\S]*rule 1 \(hang\): limit 0.5/);
  });

  it('mulberry32 is a deterministic stream in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('mulberry32 is the published generator: known outputs of the reference C code', () => {
    // A seed printed by a chaos run replays the same run on any version: the stream is mulberry32's.
    // Reference: z = (s += 0x6D2B79F5); z = (z ^ z >> 15) * (z | 1); z ^= z + (z ^ z >> 7) * (z | 61);
    // return z ^ z >> 14 (uint32), scaled by 2^-32.
    const stream = (seed: number) => {
      const next = mulberry32(seed);
      return Array.from({ length: 4 }, () => next() * 4_294_967_296);
    };
    expect(stream(0)).toEqual([1144304738, 1416247, 958946056, 627933444]);
    expect(stream(42)).toEqual([2581720956, 1925393290, 3661312704, 2876485805]);
  });

  it('counts nothing before the first decision, every kind listed', () => {
    expect(new FaultPlan({ seed: 0, rules: [] }).injected()).toEqual(
      Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])),
    );
  });
});

describe('FaultPlan matching', () => {
  const effects = `arn:aws:dynamodb:us-east-1:${LOCAL_ACCOUNT_ID}:table/Effects`;
  /** Whether a rate-1 rule of `fault` with `match` faults `req` (a fresh plan per call). */
  const hits = (match: FaultRule['match'], req: ParsedRequest, fault: FaultRule['fault'] = 'throttle') =>
    new FaultPlan({ seed: 1, rules: [{ fault, rate: 1, match }] }).decide(req)?.fault === fault;

  it('a resource pattern matches exactly, or as a prefix with a trailing *', () => {
    expect(hits({ resources: [effects] }, request())).toBe(true);
    expect(hits({ resources: [`${effects}*`] }, request())).toBe(true);
    expect(hits({ resources: ['arn:aws:dynamodb:*'] }, request())).toBe(true);
    // Without the `*` a prefix is not enough, and a pattern longer than the ARN never matches.
    expect(hits({ resources: [effects.slice(0, -1)] }, request())).toBe(false);
    expect(hits({ resources: [`${effects}X*`] }, request())).toBe(false);
    expect(hits({ resources: ['*'] }, request({ resources: [] }))).toBe(false);
    // Any of the request's resources and any of the patterns.
    expect(
      hits({ resources: ['nope', 'arn:aws:sqs:*'] }, request({ resources: [effects, 'arn:aws:sqs:q'] })),
    ).toBe(true);
  });

  it('services, actions, callers and exceptCallers each narrow the rule', () => {
    expect(hits({ services: ['sqs'] }, request())).toBe(false);
    expect(hits({ services: ['sqs', 'dynamodb'] }, request())).toBe(true);
    expect(hits({ actions: ['PutItem'] }, request())).toBe(false);
    expect(hits({ actions: ['UpdateItem'] }, request())).toBe(true);
    expect(hits({ callers: ['Other'] }, request())).toBe(false);
    expect(hits({ callers: ['Fn'] }, request())).toBe(true);
    expect(hits({ exceptCallers: ['Fn'] }, request())).toBe(false);
    expect(hits({ exceptCallers: ['Other'] }, request())).toBe(true);
  });

  it('writesOnly overrides the default of the fault kind, both ways', () => {
    const read = request({ mutating: false });
    expect(hits({}, read, 'throttle')).toBe(true);
    expect(hits({ writesOnly: true }, read, 'throttle')).toBe(false);
    expect(hits({}, read, 'appliedThen500')).toBe(false);
    expect(hits({ writesOnly: false }, read, 'appliedThen500')).toBe(true);
  });

  it('a rule of rate 0 never fires and one of rate 1 always does, whatever the seed', () => {
    for (const seed of [0, 1, 42, 0xffffffff]) {
      const plan = new FaultPlan({
        seed,
        rules: [
          { fault: 'error500', rate: 0 },
          { fault: 'throttle', rate: 1 },
        ],
      });
      for (let i = 0; i < 50; i++) expect(plan.decide(request())?.fault).toBe('throttle');
    }
  });

  it('a limit of 0 disables the rule, and later rules get their turn', () => {
    const plan = new FaultPlan({
      seed: 1,
      rules: [
        { fault: 'throttle', rate: 1, limit: 0 },
        { fault: 'error500', rate: 1 },
      ],
    });
    expect(plan.decide(request())).toMatchObject({ fault: 'error500', rule: 1 });
  });

  it('the chaos rules spare the excepted callers and use the given rates', () => {
    const none = Object.fromEntries(Object.keys(DEFAULT_CHAOS_RATES).map((k) => [k, 0]));
    const plan = new FaultPlan({
      seed: 3,
      rules: chaosFaultRules({ ...none, throttle: 1, sqsError500: 1 }, ['Harness']),
    });
    expect(plan.decide(request())?.fault).toBe('throttle');
    expect(plan.decide(request({ accessKeyId: 'Harness' }))).toBeUndefined();
    expect(plan.decide(request({ service: 'sqs', action: 'SendMessage' }))?.fault).toBe('error500');
    expect(plan.decide(request({ service: 'sns', action: 'Publish' }))?.fault).toBe('error500');
    expect(plan.decide(request({ service: 'sqs', accessKeyId: 'Harness' }))).toBeUndefined();
  });
});

describe('FaultPlan outages and releases', () => {
  it('remembers at most 10,000 operations in an outage, then starts over', () => {
    const plan = new FaultPlan({ seed: 1, rules: [{ fault: 'outage', rate: 1 }] });
    for (let i = 0; i < 10_000; i++) plan.decide(request({ invocationId: `op-${i}` }));
    expect(plan.decide(request({ invocationId: 'op-0', attempt: 2 }))?.fault).toBe('outage');
    // The 10,001st operation clears the memory: earlier operations' retries go through again.
    plan.decide(request({ invocationId: 'op-10000' }));
    expect(plan.decide(request({ invocationId: 'op-0', attempt: 2 }))).toBeUndefined();
    expect(plan.decide(request({ invocationId: 'op-10000', attempt: 2 }))?.fault).toBe('outage');
  });

  it('an outage without an invocation id faults that attempt only', () => {
    const plan = new FaultPlan({ seed: 1, rules: [{ fault: 'outage', rate: 1, limit: 1 }] });
    expect(plan.decide(request({ invocationId: undefined }))?.fault).toBe('outage');
    expect(plan.decide(request({ invocationId: undefined, attempt: 2 }))).toBeUndefined();
  });

  it('releasing a continuing outage takes back that attempt only', () => {
    const plan = new FaultPlan({ seed: 1, rules: [{ fault: 'outage', rate: 1, limit: 1 }] });
    plan.decide(request({ invocationId: 'op' }));
    const retry = plan.decide(request({ invocationId: 'op', attempt: 2 }));
    expect(retry).toMatchObject({ fault: 'outage', rule: undefined });
    expect(plan.injected().outage).toBe(2);
    retry?.release();
    expect(plan.injected().outage).toBe(1);
  });

  it('a fault other than outage does not put its operation in an outage', () => {
    const plan = new FaultPlan({ seed: 1, rules: [{ fault: 'throttle', rate: 1, limit: 1 }] });
    expect(plan.decide(request({ invocationId: 'op' }))?.fault).toBe('throttle');
    expect(plan.decide(request({ invocationId: 'op', attempt: 2 }))).toBeUndefined();
  });

  it('releasing one of several decisions of a rule gives back one use of its limit', () => {
    const plan = new FaultPlan({ seed: 1, rules: [{ fault: 'error500', rate: 1, limit: 2 }] });
    plan.decide(request());
    plan.decide(request())?.release();
    expect(plan.decide(request())?.fault).toBe('error500');
    expect(plan.decide(request())).toBeUndefined();
    expect(plan.injected().error500).toBe(2);
  });

  it('a decision released twice gives its limit back once', () => {
    const plan = new FaultPlan({ seed: 1, rules: [{ fault: 'hang', rate: 1, limit: 1 }] });
    const decision = plan.decide(request());
    decision?.release();
    decision?.release();
    expect(plan.injected().hang).toBe(0);
    expect(plan.decide(request())?.fault).toBe('hang');
    expect(plan.decide(request())).toBeUndefined();
    expect(plan.injected().hang).toBe(1);
  });
});

describe('validateFaultPlan', () => {
  const rule = (r: Partial<FaultRule>): FaultRule => ({ fault: 'throttle', rate: 0.5, ...r });

  it('accepts the bounds themselves', () => {
    expect(
      validateFaultPlan({
        seed: 0,
        rules: [
          rule({ rate: 0, limit: 0 }),
          rule({ rate: 1 }),
          ...FAULT_KINDS.map((fault) => rule({ fault })),
        ],
      }),
    ).toEqual([]);
    expect(validateFaultPlan({ seed: 0xffffffff, rules: [] })).toEqual([]);
  });

  it('names every problem: the seed, unknown kinds, rates outside 0..1, limits that are not counts', () => {
    expect(
      validateFaultPlan({
        seed: 2 ** 32,
        rules: [
          rule({ fault: 'crash' as FaultRule['fault'] }),
          rule({ rate: -0.1 }),
          rule({ rate: 1.01 }),
          rule({ rate: Number.NaN }),
          rule({ rate: Number.POSITIVE_INFINITY }),
          rule({ limit: -1 }),
          rule({ limit: 1.5 }),
        ],
      }),
    ).toEqual([
      'seed 4294967296 must be an integer in 0..4294967295',
      'rule 0 (crash): unknown fault kind',
      'rule 1 (throttle): rate -0.1 must be a number in 0..1',
      'rule 2 (throttle): rate 1.01 must be a number in 0..1',
      'rule 3 (throttle): rate NaN must be a number in 0..1',
      'rule 4 (throttle): rate Infinity must be a number in 0..1',
      'rule 5 (throttle): limit -1 must be a non-negative integer',
      'rule 6 (throttle): limit 1.5 must be a non-negative integer',
    ]);
    expect(validateFaultPlan({ seed: 1.5, rules: [] })).toEqual([
      'seed 1.5 must be an integer in 0..4294967295',
    ]);
    expect(validateFaultPlan({ seed: -1, rules: [] })).toHaveLength(1);
  });

  it('FaultPlan throws them all in one error, one line each', () => {
    const build = () => new FaultPlan({ seed: -1, rules: [rule({ rate: 2 })] });
    expect(build).toThrow(FaultPlanError);
    expect(build).toThrow(
      expect.objectContaining({
        problems: [
          'seed -1 must be an integer in 0..4294967295',
          'rule 0 (throttle): rate 2 must be a number in 0..1',
        ],
        message:
          'invalid fault plan:\n  - seed -1 must be an integer in 0..4294967295\n  - rule 0 (throttle): rate 2 must be a number in 0..1',
      }),
    );
  });
});
