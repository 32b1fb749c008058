/** The replay id of `replay --reprocess`, and how it survives a DLQ round trip (no runtime needed). */
import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { redriveEntry } from '../../cli/dlq.ts';
import { UsageError } from '../../cli/publish.ts';
import { newReplayId, replayIdFor } from '../../cli/replay.ts';
import { POISON_ATTRIBUTE, REPLAY_SCOPE_ATTRIBUTE, replayIdProblem } from '../../lambdas/shared/consumer.ts';

const from = '2026-12-01T00:00:00Z';

describe('replay id', () => {
  it('is generated as UTC time and 8 random hex digits, a valid replay id, new each time', () => {
    const id = newReplayId(new Date('2026-12-01T09:30:05.123Z'));
    expect(id).toMatch(/^20261201T093005Z-[0-9a-f]{8}$/);
    expect(replayIdProblem(id)).toBeUndefined();
    expect(newReplayId()).not.toBe(newReplayId());
  });

  it('exists only with --reprocess: the given one (to resume) or a new one; never on FIFO', () => {
    expect(replayIdFor('analytics', { from }, false)).toBeUndefined();
    expect(replayIdFor('analytics', { from, reprocess: true }, false)).toMatch(/^\d{8}T\d{6}Z-/);
    expect(replayIdFor('analytics', { from, reprocess: true, replayId: 'fix-42' }, false)).toBe('fix-42');
    expect(() => replayIdFor('analytics', { from, reprocess: true }, true)).toThrow(UsageError);
    expect(() => replayIdFor('analytics', { from, replayId: 'fix-42' }, false)).toThrow(/needs --reprocess/);
    expect(() => replayIdFor('archive', { from, reprocess: true }, false)).toThrow(/archive/);
  });

  it('stays on a message redriven from a DLQ (the reprocess goes on in its replay), the poison attributes do not', () => {
    const message: Message = {
      MessageId: 'm-1',
      Body: '{"eventId":"e"}',
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'order.placed' },
        [REPLAY_SCOPE_ATTRIBUTE]: { DataType: 'String', StringValue: 'fix-42' },
        [POISON_ATTRIBUTE.reason]: { DataType: 'String', StringValue: 'boom' },
      },
    };
    expect(redriveEntry(message, '0', false).MessageAttributes).toEqual({
      eventType: { DataType: 'String', StringValue: 'order.placed' },
      [REPLAY_SCOPE_ATTRIBUTE]: { DataType: 'String', StringValue: 'fix-42' },
    });
  });
});
