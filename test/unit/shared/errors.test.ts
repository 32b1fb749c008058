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
});
