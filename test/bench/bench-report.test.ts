/** Reading back what `npm run bench` prints, for the A/B comparison (bench/ab.ts). */
import { describe, expect, it } from 'vitest';
import { childCpuSeconds, median, parseBenchReport } from '../../bench/bench-report.ts';

// An excerpt of a real run's output (f557cc4, a loaded machine).
const REPORT = `
### Cold start: the first order on fresh sandboxes

| service | publish → processed ms |
|---|---:|
| email | 1166 |
| inventory | 388 |

### Warm latency, steady: 1000 orders at 50/s, PublishBatch per 100 ms

Sandboxes started during this phase: 0 (their first invocation includes an init).

| service | batch size | batching window | p50 ms | p99 ms | max ms | orders |
|---|---:|---:|---:|---:|---:|---:|
| email | 10 | 1 s | 2013 | 4319 | 5075 | 1000 |
| inventory | 10 | 0 s | 7326 | 93694 | 98075 | 1000 |

### Warm latency, API: 200 orders through POST /orders at 20/s (POST → processed)

| service | batch size | batching window | p50 ms | p99 ms | max ms | orders |
|---|---:|---:|---:|---:|---:|---:|
| inventory | 10 | 0 s | 1733 | 8198 | 8689 | 200 |

### Throughput and CPU (process.cpuUsage: main thread, emulators and every worker sandbox)

| phase | orders | wall s | orders/s | CPU ms per order | cores busy |
|---|---:|---:|---:|---:|---:|
| cold | 1 | 5.2 | 0 | 1223.5 | 0.24 |
| steady 50/s (INCOMPLETE) | 1000 | 149.5 | 7 | 44.4 | 0.30 |
| burst 1000 | 1000 | 277.1 | 4 | 64.1 | 0.23 |

### Requests per order, counted at the emulators
`;

describe('parseBenchReport', () => {
  const figures = parseBenchReport(REPORT);

  it('reads every phase of the throughput and CPU table, INCOMPLETE marked', () => {
    expect(figures.phases).toEqual([
      {
        phase: 'cold',
        complete: true,
        orders: 1,
        wallSeconds: 5.2,
        ordersPerSecond: 0,
        cpuMsPerOrder: 1223.5,
        coresBusy: 0.24,
      },
      {
        phase: 'steady 50/s',
        complete: false,
        orders: 1000,
        wallSeconds: 149.5,
        ordersPerSecond: 7,
        cpuMsPerOrder: 44.4,
        coresBusy: 0.3,
      },
      {
        phase: 'burst 1000',
        complete: true,
        orders: 1000,
        wallSeconds: 277.1,
        ordersPerSecond: 4,
        cpuMsPerOrder: 64.1,
        coresBusy: 0.23,
      },
    ]);
  });

  it('reads each warm latency table by its title, with the batching window', () => {
    expect([...figures.latency.keys()]).toEqual([
      'steady: 1000 orders at 50/s, PublishBatch per 100 ms',
      'API: 200 orders through POST /orders at 20/s (POST → processed)',
    ]);
    expect(figures.latency.get('steady: 1000 orders at 50/s, PublishBatch per 100 ms')).toEqual([
      { service: 'email', batchingWindowSeconds: 1, p50: 2013, p99: 4319, max: 5075 },
      { service: 'inventory', batchingWindowSeconds: 0, p50: 7326, p99: 93694, max: 98075 },
    ]);
  });

  it('reads the cold start per service', () => {
    expect(Object.fromEntries(figures.cold)).toEqual({ email: 1166, inventory: 388 });
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones; NaN for nothing', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});

describe('childCpuSeconds', () => {
  it("adds user and system time of bash's `times` second line", () => {
    expect(childCpuSeconds('0m0.004s 0m0.001s\n1m2.500s 0m3.250s')).toBeCloseTo(65.75, 6);
    expect(childCpuSeconds('garbage')).toBeUndefined();
  });
});
