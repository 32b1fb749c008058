/**
 * Emulator shutdown with requests in flight: every request the emulators accepted is answered, and
 * nothing inside them fails after their stores closed (dynalite closes its database with its server;
 * a request still running used to end as an uncaught "Database is closed").
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
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
