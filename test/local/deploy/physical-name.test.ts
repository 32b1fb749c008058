/** CloudFormation-like physical names: stack prefix, truncated logical id, random part, type limit, suffix kept. */
import { describe, expect, it } from 'vitest';
import { physicalName } from '../../../local/deploy/physical-name.ts';

describe('physicalName', () => {
  it('is <stack>-<logicalId>-<12 random chars>, fresh each time', () => {
    const a = physicalName('Stack', 'Orders', 'AWS::DynamoDB::Table');
    expect(a).toMatch(/^Stack-Orders-[A-Z0-9]{12}$/);
    expect(physicalName('Stack', 'Orders', 'AWS::DynamoDB::Table')).not.toBe(a);
  });

  it("truncates the logical id to the type's limit and keeps a suffix whole", () => {
    const longId = 'A'.repeat(200);
    const queue = physicalName('Stack', longId, 'AWS::SQS::Queue', '.fifo');
    expect(queue).toHaveLength(80);
    expect(queue.endsWith('.fifo')).toBe(true);
    expect(physicalName('Stack', longId, 'AWS::Lambda::Function')).toHaveLength(64);
    expect(physicalName('Stack', longId, 'AWS::Logs::LogGroup')).toHaveLength(128);
  });
});
