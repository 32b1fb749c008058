/** Consumer plumbing cases that need a configuration the real handlers do not have. */
import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE } from '../../../infra/config.ts';
import type { ConsumerConfig } from '../../../lambdas/shared/config.ts';
import {
  createSqsConsumer,
  MAX_REPLAY_ID_LENGTH,
  POISON_ATTRIBUTE,
  REPLAY_SCOPE_ATTRIBUTE,
  replayIdProblem,
} from '../../../lambdas/shared/consumer.ts';
import type { OrderPlaced } from '../../../lambdas/shared/contract.ts';
import { ConfigurationError } from '../../../lambdas/shared/errors.ts';
import { type Emulators, LOCAL_ACCOUNT_ID, startEmulators } from '../../../local/emulators.ts';
import {
  createIdempotencyTable,
  createQueue,
  drainQueue,
  scanAll,
  type TestClients,
  testClients,
} from '../helpers/aws.ts';
import { captureMetrics, type MetricCapture } from '../helpers/emf.ts';
import { sampleEvent } from '../helpers/orders.ts';
import { eventRecord, lambdaContext, replayRecord, sqsEvent, sqsRecord } from '../helpers/sqs-event.ts';

let emulators: Emulators;
let clients: TestClients;
let metrics: MetricCapture;
let config: ConsumerConfig;
beforeAll(async () => {
  emulators = await startEmulators();
  clients = testClients(emulators);
  metrics = captureMetrics();
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_NAMESPACE = METRICS_NAMESPACE;
  const idempotencyTableName = `idem-${randomUUID().slice(0, 8)}`;
  await createIdempotencyTable(clients.dynamodb, idempotencyTableName);
  config = {
    serviceName: 'probe',
    idempotencyTableName,
    idempotencyExpirySeconds: 60,
    effectTableName: 'unused',
    // A queue that does not exist: the poison fast path cannot park anything.
    dlqUrl: `${emulators.endpoints.sqs}/${LOCAL_ACCOUNT_ID}/no-such-dlq-${randomUUID()}`,
    recordConcurrency: 3,
  };
});
afterAll(async () => {
  metrics?.restore();
  await emulators?.stop();
});

describe('createSqsConsumer', () => {
  it('refuses to start when SERVICE_NAME is not the handler’s service', () => {
    const refuse = () =>
      createSqsConsumer({ service: 'email', config, handle: async () => ({ outcome: 'applied' as const }) });
    expect(refuse).toThrow(ConfigurationError);
    expect(refuse).toThrow('SERVICE_NAME is "probe" but this handler is the "email" service');
    expect(() => refuse()).toThrow(expect.objectContaining({ variables: ['SERVICE_NAME'] }));
  });

  it('on a FIFO queue (its DLQ is FIFO) runs records in order and holds back only the failed group', async () => {
    const order: string[] = [];
    const failing = sampleEvent();
    const handler = createSqsConsumer({
      service: 'probe',
      config: { ...config, dlqUrl: `${config.dlqUrl}.fifo` },
      dynamodb: clients.dynamodb,
      sqs: clients.sqs,
      handle: async (event) => {
        order.push(event.eventId);
        // Concurrent records would all have started before the first one finishes.
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (event.eventId === failing.eventId) throw new Error('downstream unavailable');
        return { outcome: 'applied' as const };
      },
    });
    const grouped = (event: ReturnType<typeof sampleEvent>, group: string) => {
      const record = eventRecord(event);
      (record.attributes as { MessageGroupId?: string }).MessageGroupId = group;
      return record;
    };
    const a1 = grouped(failing, 'cust-a');
    const b1 = grouped(sampleEvent(), 'cust-b');
    const a2 = grouped(sampleEvent(), 'cust-a');
    const b2 = grouped(sampleEvent(), 'cust-b');
    metrics.reset();
    const response = await handler(sqsEvent(a1, b1, a2, b2), lambdaContext());
    // a2 waits behind a1 (reported, never run); customer b goes on; one after the other.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([a1.messageId, a2.messageId]);
    expect(order).toEqual([a1, b1, b2].map((r) => (JSON.parse(r.body) as { eventId: string }).eventId));
    expect(metrics.sums()).toEqual({ processed: 2, failed: 1 });
  });

  it('names the missing variables when the environment is incomplete', () => {
    const saved = process.env.DLQ_URL;
    delete process.env.DLQ_URL;
    try {
      expect(() =>
        createSqsConsumer({ service: 'probe', handle: async () => ({ outcome: 'applied' as const }) }),
      ).toThrow(/DLQ_URL is not set/);
    } finally {
      if (saved !== undefined) process.env.DLQ_URL = saved;
    }
  });

  it('keeps a poison record in batchItemFailures when the DLQ cannot take it (never lose it)', async () => {
    const handled: string[] = [];
    const handler = createSqsConsumer({
      service: 'probe',
      config,
      dynamodb: clients.dynamodb,
      sqs: clients.sqs,
      handle: async (event) => {
        handled.push(event.eventId);
        return { outcome: 'applied' as const };
      },
    });
    const poison = sqsRecord('not json');
    const good = sampleEvent();
    metrics.reset();
    const response = await handler(sqsEvent(poison, eventRecord(good)), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: poison.messageId }] });
    expect(handled).toEqual([good.eventId]);
    expect(metrics.sums()).toEqual({ processed: 1, failed: 1 });
  });

  it('processes at most recordConcurrency records of a batch at once, and every record of it', async () => {
    const events = Array.from({ length: 4 * config.recordConcurrency }, () => sampleEvent());
    // Each record begins with the idempotency store's PutItem: counted, it says how many have begun.
    const dynamodb = new DynamoDBClient(emulators.clientConfig('dynamodb'));
    let begun = 0;
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand') begun++;
        return await next(args);
      },
      { step: 'initialize' },
    );
    let entered = 0;
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    const handler = createSqsConsumer({
      service: 'probe',
      config,
      dynamodb,
      sqs: clients.sqs,
      handle: async (event) => {
        entered++;
        inFlight++;
        most = Math.max(most, inFlight);
        // Held until every record that has begun is in here: unbounded, that is all of them at once.
        await until(() => entered === begun);
        seen.push(event.eventId);
        inFlight--;
        return { outcome: 'applied' as const };
      },
    });
    try {
      const response = await handler(sqsEvent(...events.map((e) => eventRecord(e))), lambdaContext());
      expect(response.batchItemFailures).toEqual([]);
    } finally {
      dynamodb.destroy();
    }
    expect(seen.sort()).toEqual(events.map((e) => e.eventId).sort());
    expect(most).toBe(config.recordConcurrency);
  });

  it('reports every record (not an error) when the whole batch fails', async () => {
    const handler = createSqsConsumer({
      service: 'probe',
      config,
      dynamodb: clients.dynamodb,
      sqs: clients.sqs,
      handle: async () => {
        throw new Error('downstream unavailable');
      },
    });
    const records = [eventRecord(sampleEvent()), eventRecord(sampleEvent())];
    const response = await handler(sqsEvent(...records), lambdaContext());
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      records.map((r) => r.messageId).sort(),
    );
  });

  it('lets a redelivery take over the lock of an attempt that crashed (lock bounded by the remaining time)', async () => {
    const runs: string[] = [];
    let releaseCrashed: (() => void) | undefined;
    const handler = createSqsConsumer({
      service: 'probe',
      config: { ...config, dlqUrl: 'unused' },
      dynamodb: clients.dynamodb,
      sqs: clients.sqs,
      handle: async (_event) => {
        runs.push('run');
        // The first attempt hangs like a function that hit its timeout; later attempts return.
        if (runs.length === 1) await new Promise<void>((resolve) => (releaseCrashed = resolve));
        return { outcome: 'applied' as const };
      },
    });
    const event = sampleEvent();
    // The first attempt has 50 ms left: its in-progress lock expires with it.
    const crashed = handler(sqsEvent(eventRecord(event)), lambdaContext('probe', 50));
    await until(() => runs.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const retry = await handler(sqsEvent(eventRecord(event, { receiveCount: 2 })), lambdaContext('probe'));
    expect(retry).toEqual({ batchItemFailures: [] });
    expect(runs).toHaveLength(2);
    releaseCrashed?.();
    await crashed;
  });
});

describe('poison fast path', () => {
  /** A consumer parking poison in `dlqUrl`; its business function is never reached by poison. */
  function poisoning(dlqUrl: string) {
    return createSqsConsumer({
      service: 'probe',
      config: { ...config, dlqUrl },
      dynamodb: clients.dynamodb,
      sqs: clients.sqs,
      handle: async () => {
        throw new Error('a record that breaks the contract must not reach the business function');
      },
    });
  }

  /** An event that breaks the contract in `lines` item lines (each line adds three issues to the reason). */
  function brokenEvent(lines = 1): OrderPlaced {
    const event = structuredClone(sampleEvent()) as { data: { items: unknown[] } };
    event.data.items = Array.from({ length: lines }, () => ({ sku: '', quantity: -1, unitPrice: -1 }));
    return event as unknown as OrderPlaced;
  }

  const stringAttribute = (value: string) => ({
    stringValue: value,
    stringListValues: [],
    binaryListValues: [],
    dataType: 'String',
  });

  it('keeps the reason within 1024 characters and the message within 10 attributes (SQS limits)', async () => {
    const dlq = await createQueue(clients.sqs, `probe-dlq-${randomUUID().slice(0, 8)}`);
    const originals = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [`extra-${i}`, stringAttribute(`value-${i}`)]),
    );
    // 60 broken lines: a reason of several thousand characters.
    const record = eventRecord(brokenEvent(60), { messageAttributes: originals });
    const response = await poisoning(dlq.url)(sqsEvent(record), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    const [parked, ...more] = await drainQueue(clients.sqs, dlq.url);
    expect(more).toEqual([]);
    expect(parked?.Body).toBe(record.body);
    const attributes = parked?.MessageAttributes ?? {};
    expect(Object.keys(attributes)).toHaveLength(10);
    for (const name of Object.values(POISON_ATTRIBUTE)) expect(attributes).toHaveProperty(name);
    const reason = attributes[POISON_ATTRIBUTE.reason]?.StringValue ?? '';
    expect(reason).toHaveLength(1024);
    expect(reason.startsWith('invalid OrderPlaced: data.items.0.sku:')).toBe(true);
    expect(attributes[POISON_ATTRIBUTE.type]?.StringValue).toBe('ContractViolationError');
    expect(attributes[POISON_ATTRIBUTE.originalMessageId]?.StringValue).toBe(record.messageId);
    expect(attributes[POISON_ATTRIBUTE.service]?.StringValue).toBe('probe');
    // The first originals, in the record's order, fill the room left.
    expect(Object.keys(attributes).filter((name) => name.startsWith('extra-'))).toEqual(
      Object.keys(originals).slice(0, 5),
    );
  });

  it('says why, by whom and after how many receives; keeps the original attributes it can copy', async () => {
    const dlq = await createQueue(clients.sqs, `probe-dlq-${randomUUID().slice(0, 8)}`);
    const event = brokenEvent();
    const record = eventRecord(event, { receiveCount: 3 });
    record.messageAttributes = {
      ...record.messageAttributes,
      // An original named like one of ours does not replace ours; a binary one has no string to copy.
      service: stringAttribute('not-the-consumer'),
      blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    };
    const plain = sqsRecord('not json');
    (plain.attributes as { ApproximateReceiveCount?: string }).ApproximateReceiveCount = '';
    const response = await poisoning(dlq.url)(sqsEvent(record, plain), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    const parked = await drainQueue(clients.sqs, dlq.url);
    const byOriginal = new Map(
      parked.map((m) => [m.MessageAttributes?.[POISON_ATTRIBUTE.originalMessageId]?.StringValue, m]),
    );
    const attributes = byOriginal.get(record.messageId)?.MessageAttributes ?? {};
    expect(attributes).toEqual({
      [POISON_ATTRIBUTE.reason]: expect.objectContaining({
        DataType: 'String',
        StringValue: expect.stringMatching(/^invalid OrderPlaced: data\.items\.0\.sku: /),
      }),
      [POISON_ATTRIBUTE.type]: expect.objectContaining({
        DataType: 'String',
        StringValue: 'ContractViolationError',
      }),
      [POISON_ATTRIBUTE.originalMessageId]: expect.objectContaining({
        DataType: 'String',
        StringValue: record.messageId,
      }),
      [POISON_ATTRIBUTE.receiveCount]: expect.objectContaining({ DataType: 'Number', StringValue: '3' }),
      [POISON_ATTRIBUTE.service]: expect.objectContaining({ DataType: 'String', StringValue: 'probe' }),
      eventType: expect.objectContaining({ DataType: 'String', StringValue: event.eventType }),
      total: expect.objectContaining({ DataType: 'Number', StringValue: String(event.data.total) }),
    });
    // A body that is not even JSON is parked as it came, with the contract's reason; an empty
    // receive count is reported as the first receive.
    const unreadable = byOriginal.get(plain.messageId);
    expect(unreadable?.Body).toBe('not json');
    expect(unreadable?.MessageAttributes?.[POISON_ATTRIBUTE.type]?.StringValue).toBe(
      'ContractViolationError',
    );
    expect(unreadable?.MessageAttributes?.[POISON_ATTRIBUTE.receiveCount]?.StringValue).toBe('1');
  });

  it('parks a FIFO record in the FIFO DLQ under its own message group', async () => {
    const { QueueUrl } = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: `probe-dlq-${randomUUID().slice(0, 8)}.fifo`,
        Attributes: { FifoQueue: 'true' },
      }),
    );
    const url = QueueUrl ?? '';
    const grouped = eventRecord(brokenEvent());
    (grouped.attributes as { MessageGroupId?: string }).MessageGroupId = 'cust-42';
    const ungrouped = eventRecord(brokenEvent());
    const response = await poisoning(url)(sqsEvent(grouped, ungrouped), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    const parked = await drainQueue(clients.sqs, url);
    const byOriginal = Object.fromEntries(
      parked.map((m) => [
        m.MessageAttributes?.[POISON_ATTRIBUTE.originalMessageId]?.StringValue,
        m.Attributes?.MessageGroupId,
      ]),
    );
    // Its own group keeps the parked copy in the customer's order; without one, the service's.
    expect(byOriginal).toEqual({ [grouped.messageId]: 'cust-42', [ungrouped.messageId]: 'probe' });
  });
});

describe('createSqsConsumer: one fact, one effect, whatever the id', () => {
  it('parks a copy of an event with a random or upper-cased eventId as poison with its reason; the canonical one runs once', async () => {
    const dlq = await createQueue(clients.sqs, `probe-dlq-${randomUUID().slice(0, 8)}`);
    const handled: string[] = [];
    const handler = createSqsConsumer({
      service: 'probe',
      config: { ...config, dlqUrl: dlq.url },
      dynamodb: clients.dynamodb,
      sqs: clients.sqs,
      handle: async (event) => {
        handled.push(event.eventId);
        return { outcome: 'applied' };
      },
    });
    const event = sampleEvent();
    const random = eventRecord({ ...event, eventId: randomUUID() });
    const upper = eventRecord({ ...event, eventId: event.eventId.toUpperCase() });
    const canonical = eventRecord(event);
    metrics.reset();
    const response = await handler(sqsEvent(random, canonical, upper), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(handled).toEqual([event.eventId]);
    expect(metrics.sums()).toEqual({ processed: 1, poisoned: 2 });
    const parked = await drainQueue(clients.sqs, dlq.url);
    const reasons = new Map(
      parked.map((m) => [
        m.MessageAttributes?.['original-message-id']?.StringValue,
        m.MessageAttributes?.['error-reason']?.StringValue,
      ]),
    );
    expect([...reasons.keys()].sort()).toEqual([random.messageId, upper.messageId].sort());
    for (const reason of reasons.values())
      expect(reason).toMatch(/^invalid OrderPlaced: eventId: must be the canonical eventId/);
  });

  it('keys idempotency on the fact (eventType + orderId), not on the eventId field', async () => {
    const runs: string[] = [];
    const handler = createSqsConsumer({
      service: 'probe',
      config,
      dynamodb: clients.dynamodb,
      sqs: clients.sqs,
      handle: async (event) => {
        runs.push(event.eventId);
        return { outcome: 'applied' };
      },
    });
    const event = sampleEvent();
    await handler(sqsEvent(eventRecord(event)), lambdaContext());
    const keys = (await scanAll(clients.doc, config.idempotencyTableName)).map((i) => String(i.id));
    const expected = `probe#${createHash('md5')
      .update(JSON.stringify([event.eventType, event.data.orderId]))
      .digest('base64')}`;
    expect(keys).toContain(expected);
  });
});

describe('createSqsConsumer: replay scope (replay --reprocess)', () => {
  /** md5/base64 of the JSON key tuple, as Powertools hashes it, under the `probe` prefix. */
  const keyOf = (tuple: readonly string[]) =>
    `probe#${createHash('md5').update(JSON.stringify(tuple)).digest('base64')}`;

  it('keys a scoped delivery by the fact plus the scope, hands the scope over, and runs it once per scope; the unscoped key is unchanged', async () => {
    const runs: Array<string | undefined> = [];
    const handler = createSqsConsumer({
      service: 'probe',
      config,
      dynamodb: clients.dynamodb,
      sqs: clients.sqs,
      handle: async (_event, { replayScope }) => {
        runs.push(replayScope);
        return { outcome: 'applied' };
      },
    });
    const event = sampleEvent();
    metrics.reset();
    for (const record of [
      eventRecord(event),
      replayRecord(event, 'r-1'),
      replayRecord(event, 'r-1'),
      eventRecord(event),
      replayRecord(event, 'r-2'),
    ]) {
      expect(await handler(sqsEvent(record), lambdaContext())).toEqual({ batchItemFailures: [] });
    }
    expect(runs).toEqual([undefined, 'r-1', 'r-2']);
    expect(metrics.sums()).toEqual({ processed: 3, duplicate: 2 });
    const keys = (await scanAll(clients.doc, config.idempotencyTableName)).map((i) => String(i.id));
    const fact = [event.eventType, event.data.orderId];
    // The unscoped key is the one every record stored before replay scopes existed.
    expect(keys).toEqual(
      expect.arrayContaining([keyOf(fact), keyOf([...fact, 'r-1']), keyOf([...fact, 'r-2'])]),
    );
  });

  it.each([
    ['too long', 'r'.repeat(MAX_REPLAY_ID_LENGTH + 1), 'String', /is 65 characters long \(at most 64\)/],
    ['a "#" (a sort key separator)', 'r-1#COUNTED', 'String', /may contain only A-Z/],
    ['a space', 'r 1', 'String', /may contain only A-Z/],
    ['not a String', '42', 'Number', /must be a String attribute holding a replay id \(got Number\)/],
  ])(
    'parks a delivery whose replay scope has %s as poison with its reason; nothing runs',
    async (_case, value, dataType, reason) => {
      const dlq = await createQueue(clients.sqs, `probe-dlq-${randomUUID().slice(0, 8)}`);
      const runs: string[] = [];
      const handler = createSqsConsumer({
        service: 'probe',
        config: { ...config, dlqUrl: dlq.url },
        dynamodb: clients.dynamodb,
        sqs: clients.sqs,
        handle: async (event) => {
          runs.push(event.eventId);
          return { outcome: 'applied' };
        },
      });
      const record = replayRecord(sampleEvent(), value, { dataType });
      metrics.reset();
      expect(await handler(sqsEvent(record), lambdaContext())).toEqual({ batchItemFailures: [] });
      expect(runs).toEqual([]);
      expect(metrics.sums()).toEqual({ poisoned: 1 });
      const [parked, ...more] = await drainQueue(clients.sqs, dlq.url);
      expect(more).toEqual([]);
      expect(parked?.Body).toBe(record.body);
      const attributes = parked?.MessageAttributes ?? {};
      expect(attributes[POISON_ATTRIBUTE.type]?.StringValue).toBe('ContractViolationError');
      const text = attributes[POISON_ATTRIBUTE.reason]?.StringValue ?? '';
      expect(text).toMatch(
        new RegExp(`^invalid replay scope: messageAttributes\\.${REPLAY_SCOPE_ATTRIBUTE}: `),
      );
      expect(text).toMatch(reason);
      // The original attribute travels with it: a redrive after a fix keeps the replay's scope.
      expect(attributes[REPLAY_SCOPE_ATTRIBUTE]?.StringValue).toBe(value);
    },
  );

  it('parks a binary replay-scope attribute (no string value) as poison', async () => {
    const dlq = await createQueue(clients.sqs, `probe-dlq-${randomUUID().slice(0, 8)}`);
    const handler = createSqsConsumer({
      service: 'probe',
      config: { ...config, dlqUrl: dlq.url },
      dynamodb: clients.dynamodb,
      sqs: clients.sqs,
      handle: async () => ({ outcome: 'applied' }),
    });
    const record = eventRecord(sampleEvent());
    record.messageAttributes[REPLAY_SCOPE_ATTRIBUTE] = {
      binaryValue: Buffer.from('r-1').toString('base64'),
      stringListValues: [],
      binaryListValues: [],
      dataType: 'Binary',
    };
    metrics.reset();
    expect(await handler(sqsEvent(record), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(metrics.sums()).toEqual({ poisoned: 1 });
    const [parked] = await drainQueue(clients.sqs, dlq.url);
    expect(parked?.MessageAttributes?.[POISON_ATTRIBUTE.reason]?.StringValue).toMatch(/\(got Binary\)/);
  });
});

describe('replayIdProblem', () => {
  it('accepts 1 to 64 of A-Z a-z 0-9 _ -, and names what is wrong otherwise', () => {
    expect(replayIdProblem('20261201T093000Z-5f0c2a9e')).toBeUndefined();
    expect(replayIdProblem('a')).toBeUndefined();
    expect(replayIdProblem('A_z-9'.repeat(12).slice(0, 64))).toBeUndefined();
    expect(replayIdProblem('')).toBe('is empty');
    expect(replayIdProblem('x'.repeat(65))).toBe('is 65 characters long (at most 64)');
    for (const bad of ['a#b', 'a b', 'a.b', 'a/b', 'é', 'a\nb']) {
      expect(replayIdProblem(bad), bad).toMatch(/may contain only/);
    }
  });
});

describe('createSqsConsumer logs', () => {
  it('say cold_start true on the first invocation of a sandbox only, on every line (per-record child loggers too)', async () => {
    const saved = { ...process.env };
    // POWERTOOLS_DEV makes the Logger write through the global console, which the test can watch.
    Object.assign(process.env, {
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_DEV: 'true',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    });
    const lines: Record<string, unknown>[] = [];
    const record = (text: unknown) => void lines.push(JSON.parse(String(text)) as Record<string, unknown>);
    const spies = (['info', 'warn', 'error'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(record),
    );
    try {
      const handler = createSqsConsumer({
        service: 'probe',
        config,
        dynamodb: clients.dynamodb,
        sqs: clients.sqs,
        handle: async (_event, { logger }) => {
          logger.info('business');
          return { outcome: 'applied' };
        },
      });
      const coldStarts = async () => {
        lines.length = 0;
        await handler(sqsEvent(eventRecord(sampleEvent()), eventRecord(sampleEvent())), lambdaContext());
        return lines.map((l) => l.cold_start);
      };
      const first = await coldStarts();
      expect(first.length).toBeGreaterThanOrEqual(4);
      expect(first.every((c) => c === true)).toBe(true);
      const second = await coldStarts();
      expect(second.length).toBeGreaterThanOrEqual(4);
      expect(second.every((c) => c === false)).toBe(true);
    } finally {
      for (const spy of spies) spy.mockRestore();
      process.env = saved;
    }
  });
});

/** Polls `condition` every 5 ms (no timing assertion: the test timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
