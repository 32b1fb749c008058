/**
 * Fan-out through the real template and bundles: every subscribed service gets each order once,
 * the high-value filter policy admits totals >= 100 only, delivery is raw, a duplicate publish has
 * one effect per service, and the order API rejects bad input without publishing.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishOrderPlaced } from '../../lambdas/shared/publisher.ts';
import {
  attachProbe,
  effectItems,
  effectsOf,
  eventually,
  orderEvent,
  queueDepth,
} from './helpers/observe.ts';
import { openTarget, type TestTarget, targetKind } from './helpers/target.ts';

let target: TestTarget;

beforeAll(async () => {
  target = await openTarget();
});

afterAll(async () => {
  await target?.close();
});

describe.skipIf(targetKind() !== 'embedded')('what runs locally', () => {
  it('is the template cdk synth wrote and, per function, the bundle that template uploads', () => {
    const deployment = target.local?.deployment;
    if (!deployment) throw new Error('embedded target without a local deployment');
    const stackName = deployment.stackName;
    expect(deployment.templatePath).toBe(resolve('cdk.out', `${stackName}.template.json`));
    const template = JSON.parse(readFileSync(deployment.templatePath, 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: unknown } } }>;
    };
    const functions = Object.entries(template.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    );
    expect(deployment.functions.map((f) => f.logicalId).sort()).toEqual(functions.map(([id]) => id).sort());
    for (const fn of deployment.functions) {
      // The zip CloudFormation would deploy is named after the asset hash; the runner runs that directory.
      const s3Key = template.Resources[fn.logicalId]?.Properties.Code?.S3Key;
      expect(fn.assetDir).toBe(resolve('cdk.out', basename(fn.assetDir)));
      expect(s3Key).toBe(`${basename(fn.assetDir).replace(/^asset\./, '')}.zip`);
    }
  });
});

const ALL_FOUR = { email: 1, inventory: 1, analytics: 1, 'high-value': 1 };
const NOT_HIGH_VALUE = { email: 1, inventory: 1, analytics: 1, 'high-value': 0 };

// Independent orders (fresh ids, own analytics day, own probe queue): the cases run concurrently.
describe.concurrent('fan-out', () => {
  it('delivers one order to every subscribed service, and to high-value only at total >= 100 (filter policy)', async () => {
    const orders = [orderEvent(99.99), orderEvent(100), orderEvent(250)];
    await publishOrderPlaced(target.sns, target.output('TopicArn'), orders);
    const [low, hundred, high] = orders as [(typeof orders)[0], (typeof orders)[0], (typeof orders)[0]];

    await eventually(
      () => effectsOf(target, hundred),
      (e) => e['high-value'] === 1 && e.analytics === 1,
      { what: '100.00 effects' },
    );
    await eventually(
      () => effectsOf(target, high),
      (e) => e['high-value'] === 1 && e.analytics === 1,
      { what: '250 effects' },
    );
    await eventually(
      () => effectsOf(target, low),
      (e) => e.analytics === 1 && e.email === 1 && e.inventory === 1,
      { what: '99.99 effects' },
    );
    // The filter runs at publish time: with the high-value queue and its DLQ empty, a missing
    // effect means the message was never delivered (not that it is still on its way).
    await eventually(
      () => queueDepth(target, target.serviceOutput('high-value', 'QueueUrl')),
      (n) => n === 0,
      { what: 'high-value queue empty' },
    );

    expect(await effectsOf(target, low)).toEqual(NOT_HIGH_VALUE);
    expect(await effectsOf(target, hundred)).toEqual(ALL_FOUR);
    expect(await effectsOf(target, high)).toEqual(ALL_FOUR);
    expect(await queueDepth(target, target.serviceOutput('high-value', 'DlqUrl'))).toBe(0);
  });

  it('delivers the bare event (raw delivery): the probe gets the published JSON, consumers use its fields', async () => {
    const probe = await attachProbe(target);
    const event = orderEvent(321.5);
    await publishOrderPlaced(target.sns, target.output('TopicArn'), event);
    await eventually(
      () => effectsOf(target, event, ['high-value']),
      (e) => e['high-value'] === 1,
      { what: 'review' },
    );

    const [review] = await effectItems(target, 'high-value', event);
    expect(review).toMatchObject({
      eventId: event.eventId,
      total: 321.5,
      customerId: event.data.customerId,
      status: 'open',
    });
    // The probe may also see other cases' orders (they run concurrently): find this one.
    const delivered = await eventually(
      () => probe.receiveAll(),
      (m) => m.some((x) => x.Body?.includes(event.eventId) === true),
      { what: 'probe message' },
    );
    const body = delivered.find((m) => m.Body?.includes(event.eventId) === true)?.Body ?? '';
    expect(JSON.parse(body)).toEqual(event);
  });

  it('suppresses a duplicate publish (same eventId): exactly one effect per service', async () => {
    const event = orderEvent(180);
    await publishOrderPlaced(target.sns, target.output('TopicArn'), event);
    await publishOrderPlaced(target.sns, target.output('TopicArn'), event);
    await eventually(
      () => effectsOf(target, event),
      (e) => Object.values(e).every((n) => n >= 1),
      { what: 'effects' },
    );
    for (const service of ['email', 'inventory', 'analytics', 'high-value'] as const) {
      await eventually(
        () => queueDepth(target, target.serviceOutput(service, 'QueueUrl')),
        (n) => n === 0,
        { what: `${service} drained` },
      );
    }
    expect(await effectsOf(target, event)).toEqual(ALL_FOUR);
    if (target.local !== undefined) {
      // The consumers themselves reported the suppression (EMF `duplicate` metric).
      for (const service of ['email', 'inventory', 'analytics', 'high-value']) {
        expect(target.local.runner.metrics.get(service, 'duplicate'), service).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('order API answers 400 to bad input and publishes nothing; 202 and one event for a valid order', async () => {
    const url = `${target.output('OrderApiUrl').replace(/\/$/, '')}/orders`;
    const post = (body: string) =>
      fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const probe = await attachProbe(target);

    const malformedBody = '{"orderId":';
    const invalidOrder = { ...orderEvent(10).data, total: 11 };
    const malformed = await post(malformedBody);
    const invalid = await post(JSON.stringify(invalidOrder));
    expect(malformed.status).toBe(400);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { issues: Array<{ path: string }> }).issues).toContainEqual(
      expect.objectContaining({ path: 'total' }),
    );

    const good = orderEvent(42).data;
    const accepted = await post(JSON.stringify(good));
    expect(accepted.status).toBe(202);
    const { eventId } = (await accepted.json()) as { eventId: string };

    // The probe was subscribed before the requests: once the valid order arrived, anything the bad
    // requests had published would be there too (it also sees the concurrent cases' orders).
    const seen = await eventually(
      () => probe.receiveAll(),
      (m) => m.some((x) => x.Body?.includes(eventId) === true),
      { what: 'probe message' },
    );
    const bodies = seen.map((m) => m.Body ?? '');
    expect(bodies.filter((b) => b.includes(eventId))).toHaveLength(1);
    expect(bodies.filter((b) => b.includes(invalidOrder.orderId) || b === malformedBody)).toEqual([]);
  });
});
