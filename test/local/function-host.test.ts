/**
 * The function host: worker-thread sandboxes that behave like Lambda execution environments (warm
 * module state, one invocation at a time, a clean environment, the init phase outside the timeout,
 * a timed-out or crashed sandbox discarded).
 */
import { describe, it } from 'vitest';
import { LOCAL_ACCOUNT_ID } from '../../local/emulators.ts';
import { FunctionHost, InvocationError, type OutputLine } from '../../local/function-host.ts';
import { localFunction } from './helpers/local-function.ts';

const HANDLER = `
import { threadId } from 'node:worker_threads';
if (process.env.INIT_DELAY_MS) await new Promise((r) => setTimeout(r, Number(process.env.INIT_DELAY_MS)));
let calls = 0;
const initializedAt = Date.now();
export const handler = async (event, context) => {
  calls++;
  console.log('call ' + calls);
  if (event.action === 'hang') await new Promise((r) => setTimeout(r, 60_000));
  if (event.action === 'throw') { const e = new Error('boom'); e.name = 'BoomError'; throw e; }
  if (event.action === 'undefined') return undefined;
  return {
    calls,
    initializedAt,
    threadId,
    event,
    functionName: context.functionName,
    arn: context.invokedFunctionArn,
    memory: context.memoryLimitInMB,
    requestId: context.awsRequestId,
    remaining: context.getRemainingTimeInMillis(),
    env: { GREETING: process.env.GREETING, NAME: process.env.AWS_LAMBDA_FUNCTION_NAME, REGION: process.env.AWS_REGION, SQS: process.env.AWS_ENDPOINT_URL_SQS, HOME: process.env.HOME ?? null },
  };
};
`;

type OnFinished = (cleanup: () => Promise<void> | void) => void;

/** A host over `source`, closed (and its asset removed) when the calling test finishes. */
function host(
  onFinished: OnFinished,
  source: string | undefined,
  fnOverrides: Parameters<typeof localFunction>[1] = {},
  maxSandboxes?: number,
): { host: FunctionHost; output: OutputLine[] } {
  const fn = localFunction(source, fnOverrides);
  const output: OutputLine[] = [];
  const h = new FunctionHost(fn, {
    baseEnv: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9' },
    onOutput: (line) => output.push(line),
    ...(maxSandboxes === undefined ? {} : { maxSandboxes }),
  });
  onFinished(async () => {
    await h.close();
    fn.remove();
  });
  return { host: h, output };
}

type Echo = {
  calls: number;
  initializedAt: number;
  threadId: number;
  remaining: number;
  requestId: string;
  env: Record<string, unknown>;
};

// Every test has its own host (its own sandboxes), so they run side by side.
describe('FunctionHost', { concurrent: true }, () => {
  it('invokes with a Lambda context and only the function and emulator environment', async ({
    expect,
    onTestFinished,
  }) => {
    const { host: h } = host(onTestFinished, HANDLER);
    const result = await h.invoke({ action: 'echo', n: 1 });
    expect(result.payload).toMatchObject({
      calls: 1,
      event: { action: 'echo', n: 1 },
      functionName: 'Stack-Fn-ABC',
      arn: `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT_ID}:function:Stack-Fn-ABC`,
      memory: '256',
      requestId: result.awsRequestId,
      env: {
        GREETING: 'hello',
        NAME: 'Stack-Fn-ABC',
        REGION: 'eu-west-1',
        SQS: 'http://127.0.0.1:9',
        HOME: null,
      },
    });
    const { remaining } = result.payload as Echo;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(5000);
  });

  it('keeps module state in a warm sandbox and returns null for an undefined result', async ({
    expect,
    onTestFinished,
  }) => {
    const { host: h, output } = host(onTestFinished, HANDLER);
    const first = (await h.invoke({})).payload as Echo;
    const second = (await h.invoke({})).payload as Echo;
    expect([first.calls, second.calls]).toEqual([1, 2]);
    expect(second.threadId).toBe(first.threadId);
    expect((await h.invoke({ action: 'undefined' })).payload).toBeNull();
    // Output lines travel on the worker's stdout stream, apart from the result: wait for them.
    await expect
      .poll(() => output.filter((l) => l.line.startsWith('call ')).map((l) => [l.functionLogicalId, l.line]))
      .toEqual([
        ['Fn', 'call 1'],
        ['Fn', 'call 2'],
        ['Fn', 'call 3'],
      ]);
  });

  it('reports a thrown error with its type and keeps the sandbox', async ({ expect, onTestFinished }) => {
    const { host: h } = host(onTestFinished, HANDLER);
    const error = await h.invoke({ action: 'throw' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationError);
    expect(error).toMatchObject({ errorType: 'BoomError', message: 'Stack-Fn-ABC: BoomError: boom' });
    expect(((await h.invoke({})).payload as Echo).calls).toBe(2);
  });

  it('times out an invocation and discards its sandbox (the next one starts cold)', async ({
    expect,
    onTestFinished,
  }) => {
    const { host: h } = host(onTestFinished, HANDLER, { timeoutSeconds: 1 });
    const warm = (await h.invoke({})).payload as Echo;
    const error = await h.invoke({ action: 'hang' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      errorType: 'Sandbox.Timedout',
      message: expect.stringMatching(/timed out after 1\.00 seconds/),
    });
    const fresh = (await h.invoke({})).payload as Echo;
    expect(fresh.calls).toBe(1);
    expect(fresh.threadId).not.toBe(warm.threadId);
  });

  it('does not count the init phase against the function timeout (as Lambda)', async ({
    expect,
    onTestFinished,
  }) => {
    // Module init takes longer than the 1 s timeout; the invocation itself is quick.
    const { host: h } = host(onTestFinished, HANDLER, {
      timeoutSeconds: 1,
      environment: { INIT_DELAY_MS: '1500' },
    });
    expect(((await h.invoke({})).payload as Echo).calls).toBe(1);
  });

  it('never runs more invocations at once than maxSandboxes', async ({ expect, onTestFinished }) => {
    const { host: h } = host(onTestFinished, HANDLER, {}, 1);
    const results = await Promise.all([h.invoke({}), h.invoke({}), h.invoke({})]);
    const threads = new Set(results.map((r) => (r.payload as Echo).threadId));
    expect(threads.size).toBe(1);
    expect(results.map((r) => (r.payload as Echo).calls).sort()).toEqual([1, 2, 3]);
  });

  it('prewarm initializes sandboxes before any event, up to maxSandboxes, and invocations use them', async ({
    expect,
    onTestFinished,
  }) => {
    const { host: h } = host(onTestFinished, HANDLER, {}, 2);
    const inits = await h.prewarm(5);
    const warmAt = Date.now();
    expect(inits).toHaveLength(2);
    for (const ms of inits) expect(ms).toBeGreaterThan(0);
    const payloads = (await Promise.all([h.invoke({ action: 'echo' }), h.invoke({ action: 'echo' })])).map(
      (r) => r.payload as Echo,
    );
    // Both ran in the two sandboxes whose module was imported before prewarm resolved.
    expect(new Set(payloads.map((p) => p.threadId)).size).toBe(2);
    for (const p of payloads) expect(p.initializedAt).toBeLessThanOrEqual(warmAt);
    // Already warm: nothing more is started.
    expect(await h.prewarm(2)).toEqual([]);
  });

  it('names the handler module it could not find, on every invocation', async ({
    expect,
    onTestFinished,
  }) => {
    const { host: h } = host(onTestFinished, undefined);
    for (let i = 0; i < 2; i++) {
      await expect(h.invoke({})).rejects.toThrow(
        /no module for handler 'index\.handler' in .* \(\.mjs, \.js or \.cjs\)/,
      );
    }
  });

  it('refuses invocations once closed', async ({ expect, onTestFinished }) => {
    const { host: h } = host(onTestFinished, HANDLER);
    await h.invoke({});
    await h.close();
    await expect(h.invoke({})).rejects.toMatchObject({ errorType: 'HostClosed' });
  });
});
