/**
 * Fault decisions are a pure function of the seed and the order of requests: replayable runs, and a
 * plan that cannot be built names every problem.
 */
import { describe, expect, it } from 'vitest';
import type { ParsedRequest } from '../../local/aws-request.ts';
import { LOCAL_ACCOUNT_ID } from '../../local/emulators.ts';
import {
  chaosFaultRules,
  FaultPlan,
  FaultPlanError,
  type FaultRule,
  mulberry32,
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
});
