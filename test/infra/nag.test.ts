import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../../infra/config.ts';
import { synthForTest } from './helpers.ts';

type Synth = ReturnType<typeof synthForTest>;

/** Unacknowledged AwsSolutions findings (errors and warnings) as `rule @ path`. */
function findings(synth: Synth): string[] {
  const report = new AwsSolutionsChecks().validateScope(synth.app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`),
  );
}

/** Findings as if nothing were acknowledged (the pack's private hook, replaced on this instance only). */
function rawFindings(synth: Synth): string[] {
  const pack = new AwsSolutionsChecks();
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  const report = pack.validateScope(synth.app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`),
  );
}

/** Every acknowledgement in the tree with its reason and where it was made. */
function acknowledgements(synth: Synth): { id: string; reason: string; path: string }[] {
  const out: { id: string; reason: string; path: string }[] = [];
  for (const c of synth.app.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ id: id.replace(/^annotation::/i, ''), reason, path: c.node.path });
      }
    }
  }
  return out;
}

let dev: Synth;

beforeAll(() => {
  dev = synthForTest({ stage: 'dev' });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the dev stack', () => {
    expect(findings(dev)).toEqual([]);
  });

  it('acknowledges only with full finding ids and a reason', () => {
    const acks = acknowledgements(dev);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id).toMatch(/AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length).toBeGreaterThan(40);
    }
    // One subscription DLQ per service (a DLQ has no DLQ); the API is IAM-authorized by default.
    expect(acks.map((a) => a.id).sort()).toEqual([...SERVICES.map(() => 'AwsSolutions-SQS3')]);
  });

  it('acknowledges the unauthenticated route only when a stage opts out with apiAuth=none', () => {
    const open = synthForTest({ stage: 'dev', apiAuth: 'none' });
    expect(findings(open)).toEqual([]);
    expect(acknowledgements(open).filter((a) => a.id === 'AwsSolutions-APIG4')).toHaveLength(1);
  });

  it('has no stale acknowledgement: each one silences a real finding under its construct', () => {
    const raw = rawFindings(dev);
    for (const ack of acknowledgements(dev)) {
      expect(
        raw.some((f) => f.startsWith(`${ack.id} @ ${ack.path}/`)),
        `${ack.id} at ${ack.path}`,
      ).toBe(true);
    }
  });

  it('fails on a non-compliant resource (the check can fail)', () => {
    const probe = synthForTest({ stage: 'probe' });
    new Queue(probe.stack, 'UnprotectedQueue');
    expect(findings(probe)).toEqual([
      'AwsSolutions-SQS3 @ OrderEvents-probe/UnprotectedQueue/Resource',
      'AwsSolutions-SQS4 @ OrderEvents-probe/UnprotectedQueue/Resource',
    ]);
  });
});
