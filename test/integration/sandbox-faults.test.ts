/**
 * Sandbox faults of the embedded runtime on a tiny synthetic function that writes with the real
 * DynamoDB client: a sandbox killed right after a write and a call that hangs into the function
 * timeout (both injected by the endpoint proxy), and an init phase longer than the function timeout,
 * which Lambda does not count against the invocation.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { ObservedCall } from '../../local/call-observer.ts';
import type { FaultRule } from '../../local/fault-plan.ts';
import { InvocationError } from '../../local/function-host.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/local-runtime.ts';
import { writeAssembly } from './helpers/assembly.ts';
import { targetKind } from './helpers/target.ts';

// The asset lives in a temporary directory: it imports the repository's SDK by absolute URL.
const SDK = pathToFileURL(createRequire(import.meta.url).resolve('@aws-sdk/client-dynamodb')).href;

const WRITER = `
import { DynamoDBClient, PutItemCommand } from '${SDK}';
const db = new DynamoDBClient({});
// Init longer than the function's 1 s timeout (only when asked, to keep the other tests quick).
if (process.env.SLOW_INIT === 'yes') await new Promise((resolve) => setTimeout(resolve, 1500));
export const handler = async (event) => {
  for (const id of event.ids) {
    await db.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { pk: { S: id } } }));
  }
  return { written: event.ids.length };
};
`;

function template(slowInit: boolean) {
  return {
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Handler: 'index.handler',
          Runtime: 'nodejs24.x',
          // Long enough that the first write lands before the timeout on a loaded machine (it is the
          // sandbox's first call, well under a second), short because the hang test waits it out.
          Timeout: slowInit ? 1 : 5,
          MemorySize: 256,
          Environment: { Variables: { TABLE: { Ref: 'Table' }, SLOW_INIT: slowInit ? 'yes' : 'no' } },
        },
        Metadata: { 'aws:asset:path': 'asset.fn', 'aws:asset:property': 'Code' },
      },
    },
  };
}

/** Hang guard per test: a runtime starts and a fresh sandbox loads the SDK, slow on a loaded machine. */
const TEST_GUARD_MS = 120_000;

let runtime: LocalRuntime | undefined;
let dir: string | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function start(rules: readonly FaultRule[], slowInit = false) {
  dir = writeAssembly(template(slowInit), 'SandboxFaults', { 'asset.fn': WRITER });
  const calls: ObservedCall[] = [];
  runtime = await startLocalRuntime({
    stackName: 'SandboxFaults',
    assemblyDir: dir,
    outputsFile: false,
    endpointProxy: { observers: [(c) => calls.push(c)], faults: { seed: 1, rules } },
  });
  const fn = runtime.deployment.functions[0];
  const table = runtime.deployment.tables[0]?.name ?? '';
  const host = runtime.runner.host(fn?.logicalId ?? '');
  const items = async (): Promise<string[]> => {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const db = new DynamoDBClient(runtime?.emulators.clientConfig('dynamodb') ?? {});
    try {
      const out = await db.send(new ScanCommand({ TableName: table }));
      return (out.Items ?? []).map((i) => i.pk?.S ?? '').sort();
    } finally {
      db.destroy();
    }
  };
  return { host, fn, calls, items };
}

describe.skipIf(targetKind() !== 'embedded')(
  'sandbox faults (embedded runtime)',
  { timeout: TEST_GUARD_MS },
  () => {
    it('a sandbox killed right after a write: the write stays, the invocation fails, the next sandbox works', async () => {
      const { host, fn, calls, items } = await start([{ fault: 'killSandbox', rate: 1, limit: 1 }]);
      const failure = await host.invoke({ ids: ['a', 'b', 'c'] }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(InvocationError);
      expect(failure).toMatchObject({ errorType: 'Runtime.ExitError' });
      expect(await items()).toEqual(['a']);
      const killed = calls.find((c) => c.fault === 'killSandbox');
      expect(killed).toMatchObject({ caller: fn?.logicalId, action: 'PutItem', forwarded: true });
      expect(killed?.sandbox).toMatch(new RegExp(`^${fn?.logicalId}/`));
      const again = await host.invoke({ ids: ['b', 'c'] });
      expect(again.payload).toEqual({ written: 2 });
      // A new sandbox: another session token than the killed one.
      const later = calls.filter((c) => c.action === 'PutItem' && c.fault === undefined);
      expect(later.map((c) => c.sandbox)).not.toContain(killed?.sandbox);
    });

    it('a call that hangs after its write runs into the function timeout; the write stays', async () => {
      const { host, calls, items } = await start([{ fault: 'hang', rate: 1, limit: 1 }]);
      await expect(host.invoke({ ids: ['x', 'y'] })).rejects.toMatchObject({ errorType: 'Sandbox.Timedout' });
      expect(await items()).toEqual(['x']);
      expect(calls.find((c) => c.fault === 'hang')).toMatchObject({ action: 'PutItem', status: 0 });
      expect((await host.invoke({ ids: ['y'] })).payload).toEqual({ written: 1 });
    });

    it("the invocation's deadline starts after init: a 1.5 s import does not time out a 1 s function", async () => {
      const { host } = await start([], true);
      // No write: the invocation itself is instant, only the init is longer than the timeout.
      expect((await host.invoke({ ids: [] })).payload).toEqual({ written: 0 });
    });
  },
);
