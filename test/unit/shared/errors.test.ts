import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ContractViolationError,
  OrderEventsError,
  PublishFailedError,
  TransientError,
} from '../../../lambdas/shared/errors.ts';

describe('errors', () => {
  it('set name to the class name, keep the cause and extend OrderEventsError', () => {
    const cause = new Error('root');
    const errors = [
      new ContractViolationError([{ path: 'a', message: 'bad' }], { cause }),
      new TransientError('later', { cause }),
      new ConfigurationError('missing', ['X'], { cause }),
      new PublishFailedError([], [], { cause }),
    ];
    expect(errors.map((e) => e.name)).toEqual([
      'ContractViolationError',
      'TransientError',
      'ConfigurationError',
      'PublishFailedError',
    ]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(OrderEventsError);
      expect(e.cause).toBe(cause);
    }
  });

  it('ContractViolationError says which field and why', () => {
    const e = new ContractViolationError([
      { path: 'data.total', message: 'must equal the sum' },
      { path: '', message: 'not valid JSON' },
    ]);
    expect(e.message).toBe('contract violation: data.total: must equal the sum; (body): not valid JSON');
  });

  it('PublishFailedError lists every event that was not published, with its code and message', () => {
    const e = new PublishFailedError(
      [
        { eventId: 'ev-1', orderId: 'o-1', code: 'Throttled', message: 'slow down' },
        { eventId: 'ev-2', orderId: 'o-2', code: 'MissingFromResponse', message: 'absent' },
      ],
      [{ eventId: 'ev-3', orderId: 'o-3', messageId: 'm-3' }],
    );
    expect(e.message).toBe(
      '2 event(s) not published: ev-1 (Throttled: slow down); ev-2 (MissingFromResponse: absent)',
    );
    expect(new OrderEventsError('base').name).toBe('OrderEventsError');
  });
});
