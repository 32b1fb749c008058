/**
 * A stopped consumer: while its event source mapping is off, orders keep arriving, its backlog
 * grows (nothing lost, other services unaffected), and on restart it drains to exactly one effect
 * per order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishOrderPlaced } from '../../lambdas/shared/publisher.ts';
import { drained, effectCount, effectsOf, eventually, orderEvent, queueDepth } from './helpers/observe.ts';
import { openTarget, type TestTarget } from './helpers/target.ts';

let target: TestTarget;

beforeAll(async () => {
  target = await openTarget();
});

afterAll(async () => {
  await target?.close();
});

describe('stopped consumer', () => {
  it('keeps the backlog while stopped and drains it exactly once on restart', async () => {
    const service = 'email';
    await target.stopConsumer(service);
    const orders = Array.from({ length: 25 }, (_, i) => orderEvent(10 + i));
    await publishOrderPlaced(target.sns, target.output('TopicArn'), orders);

    // The other services process everything meanwhile.
    for (const event of orders) {
      await eventually(
        () => effectsOf(target, event, ['inventory', 'analytics']),
        (e) => e.inventory === 1 && e.analytics === 1,
        { what: 'other services' },
      );
    }
    const queueUrl = target.serviceOutput(service, 'QueueUrl');
    // Approximate counters settle eventually (on AWS too): wait for them instead of reading once.
    await eventually(
      () => queueDepth(target, queueUrl),
      (n) => n === orders.length,
      { what: 'backlog' },
    );
    const emails = await Promise.all(orders.map((o) => effectCount(target, service, o)));
    expect(emails.every((n) => n === 0)).toBe(true);

    await target.startConsumer(service);
    await drained(target, [service]);
    for (const event of orders) {
      await eventually(
        () => effectCount(target, service, event),
        (n) => n >= 1,
        { what: 'email effect' },
      );
    }
    const after = await Promise.all(orders.map((o) => effectCount(target, service, o)));
    expect(after).toEqual(orders.map(() => 1));
    expect(await queueDepth(target, target.serviceOutput(service, 'DlqUrl'))).toBe(0);
  });
});
