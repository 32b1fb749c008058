/**
 * The SES transport against moto's `moto_server`, an independent SES v2 implementation (there is no
 * SES in the embedded runtime): the SendEmail request the real SDK client sends for a confirmation,
 * read back from what moto recorded, and SES's rejection of an unverified sender surfacing as an error
 * (so the consumer retries the record instead of marking it sent).
 *
 * Without moto_server on PATH these cases skip with a printed reason; under `CI=true` they fail instead.
 */
import { CreateEmailIdentityCommand, MessageRejected, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesTransport } from '../../../lambdas/email/adapters.ts';
import { type MotoServer, motoCasesRun, requireMotoServer } from '../../conformance/moto-server.ts';

const motoRuns = motoCasesRun('the SES transport cases');

/** A message as moto's inspection API (`/moto-api/data.json`) lists it. */
interface MotoMessage {
  readonly source: string;
  readonly destinations: Record<string, string[]>;
  readonly subject: string;
  readonly body: string;
}

describe.skipIf(!motoRuns)('sesTransport against moto_server (SES v2)', () => {
  let moto: MotoServer | undefined;
  let ses: SESv2Client;
  beforeAll(async () => {
    moto = await requireMotoServer();
    ses = new SESv2Client({
      endpoint: moto.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'shop@example.com' }));
  });
  afterAll(async () => {
    ses?.destroy();
    await moto?.stop();
  });

  async function sentTo(address: string): Promise<MotoMessage[]> {
    const response = await fetch(`${moto?.endpoint}/moto-api/data.json`);
    const data = (await response.json()) as { ses?: { Message?: MotoMessage[] } };
    return (data.ses?.Message ?? []).filter((m) => Object.values(m.destinations).flat().includes(address));
  }

  it('sends one plain-text email from the configured sender to the buyer', async () => {
    const transport = sesTransport(ses, 'shop@example.com');
    // The name is what the outbox record keeps as `transport`.
    expect(transport.name).toBe('ses');
    await transport.send({
      to: 'buyer@example.com',
      subject: 'Order o-1 confirmed',
      text: 'Thank you — 2 items, 28.99 EUR.',
    });
    expect(await sentTo('buyer@example.com')).toEqual([
      {
        id: expect.any(String),
        source: 'shop@example.com',
        destinations: { ToAddresses: ['buyer@example.com'] },
        subject: 'Order o-1 confirmed',
        body: 'Thank you — 2 items, 28.99 EUR.',
      },
    ]);
  });

  it("rejects with SES's MessageRejected when the sender is not verified, and sends nothing", async () => {
    const transport = sesTransport(ses, 'unverified@example.com');
    await expect(transport.send({ to: 'other@example.com', subject: 's', text: 't' })).rejects.toBeInstanceOf(
      MessageRejected,
    );
    expect(await sentTo('other@example.com')).toEqual([]);
  });
});
