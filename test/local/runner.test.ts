/**
 * How many batches of one event source mapping run at once: the template's MaximumConcurrency,
 * bounded by default by what the machine can run (one sandbox per core, at least 2).
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultMaxConcurrencyPerMapping, mappingConcurrency } from '../../local/runner.ts';

describe('defaultMaxConcurrencyPerMapping', () => {
  it('is one batch per core, and never below Lambda’s smallest MaximumConcurrency (2)', () => {
    expect([1, 2, 3, 8, 64].map((cores) => defaultMaxConcurrencyPerMapping(cores))).toEqual([2, 2, 3, 8, 64]);
  });

  it('reads the cores this process may use when none are given', () => {
    expect(defaultMaxConcurrencyPerMapping()).toBe(defaultMaxConcurrencyPerMapping(availableParallelism()));
  });
});

describe('mappingConcurrency', () => {
  const cap = defaultMaxConcurrencyPerMapping();

  it('bounds a template MaximumConcurrency above the machine by the default cap', () => {
    expect(mappingConcurrency({ maximumConcurrency: cap + 17 })).toBe(cap);
  });

  it('keeps a template MaximumConcurrency below the cap: the template still bounds the batches', () => {
    expect(mappingConcurrency({ maximumConcurrency: 3 }, { maxConcurrencyPerMapping: 8 })).toBe(3);
    expect(mappingConcurrency({ maximumConcurrency: 2 })).toBe(2);
  });

  it('takes defaultConcurrency (5 unless given) when the template sets no MaximumConcurrency', () => {
    expect(mappingConcurrency({ maximumConcurrency: undefined }, { maxConcurrencyPerMapping: 100 })).toBe(5);
    expect(
      mappingConcurrency(
        { maximumConcurrency: undefined },
        { defaultConcurrency: 1, maxConcurrencyPerMapping: 100 },
      ),
    ).toBe(1);
  });

  it('lifts the bound with Infinity (one poller per unit of template concurrency)', () => {
    expect(
      mappingConcurrency(
        { maximumConcurrency: 1000 },
        { maxConcurrencyPerMapping: Number.POSITIVE_INFINITY },
      ),
    ).toBe(1000);
  });

  it('runs at least one poller whatever the numbers', () => {
    expect(mappingConcurrency({ maximumConcurrency: 0 }, { maxConcurrencyPerMapping: 0 })).toBe(1);
  });
});
