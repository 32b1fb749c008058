/**
 * Emulator shutdown with requests in flight: every request the emulators accepted is answered, and
 * nothing inside them fails after their stores closed (dynalite closes its database with its server;
 * a request still running used to end as an uncaught "Database is closed"). And SQS long polling as
 * SQS does it (patched fauxqs): a waiting receive answers with a message or at the end of its wait
 * time, never empty because another receive took the message that woke it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { startEmulators } from '../../local/emulators.ts';
import { tableActive } from '../unit/helpers/aws.ts';

describe('startEmulators().stop()', () => {
  it('answers the requests it is handling before closing the stores', async () => {
    const emulators = await startEmulators({ snsSqs: false });
    const dynamodb = new DynamoDBClient({ ...emulators.clientConfig('dynamodb'), maxAttempts: 1 });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'inflight',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await tableActive(dynamodb, 'inflight');
    const puts = Array.from({ length: 200 }, (_, i) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: 'inflight',
          Item: { pk: { S: `k${i}` }, data: { S: 'x'.repeat(10_000) } },
        }),
      ),
    );
    // Stop as soon as the first answer arrives: the others are queued, in flight or not yet sent.
    await Promise.race(puts);
    await emulators.stop();
    const outcomes = await Promise.allSettled(puts);
    dynamodb.destroy();
    const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    // A request either completed or never reached a handler (the connection was refused or closed
    // before it was read): none was answered with an error from inside the emulator.
    for (const failure of failures) {
      expect(
        (failure.reason as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
      ).toBeUndefined();
    }
    expect(outcomes.length - failures.length).toBeGreaterThan(0);
  });
});

describe('SQS long polling (patched fauxqs)', () => {
  it('a long poll woken by a message another receive took waits on, and gets the next one', async () => {
    const emulators = await startEmulators({ dynamodb: false });
    const sqs = new SQSClient(emulators.clientConfig('sqs'));
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'long-poll' }));
      const polls = Array.from({ length: 4 }, () =>
        sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 1 })),
      );
      // Not a timing: only lets the four polls reach the queue first, so that an unpatched fauxqs
      // (every waiter woken, all but one answered empty) would fail below.
      await sleep(300);
      const bodies = ['m0', 'm1', 'm2', 'm3'];
      const answered = new Set<number>();
      polls.forEach((p, i) => void p.then(() => answered.add(i)));
      for (const [i, body] of bodies.entries()) {
        await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
        // Each message answers one poll; the others stay waiting (none is answered empty).
        await expect.poll(() => answered.size, { timeout: 15_000 }).toBe(i + 1);
      }
      const received = (await Promise.all(polls)).map((out) => out.Messages?.map((m) => m.Body) ?? []);
      expect(received.flat().sort()).toEqual(bodies);
      expect(received.map((messages) => messages.length)).toEqual([1, 1, 1, 1]);
    } finally {
      sqs.destroy();
      await emulators.stop();
    }
  });
});
