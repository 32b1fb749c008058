/**
 * Local event source mapping runner: for each AWS::Lambda::EventSourceMapping of the deployment it
 * long-polls the queue, builds batches (BatchSize, MaximumBatchingWindowInSeconds), invokes the
 * bundled function with a Lambda-shaped SQSEvent, deletes what succeeded and leaves the rest to the
 * queue's own visibility timeout and redrive policy — what the Lambda service does for SQS.
 */

import { availableParallelism } from 'node:os';
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import type { LocalDeployment, LocalEventSourceMapping } from './deploy/deployment.ts';
import { type Emulators, LOCAL_ACCOUNT_ID } from './emulators.ts';
import { LocalRuntimeError } from './errors.ts';
import { FunctionHost, InvocationError, type OutputLine } from './function-host.ts';
import { MetricsSink } from './metrics-sink.ts';

/** The runner was asked for a function or mapping the deployment does not have. */
export class LocalRunnerError extends LocalRuntimeError {}

/**
 * Access key id the pollers sign with (the Lambda service's own calls to SQS), so an endpoint proxy
 * tells them apart from the functions' calls and the harness's.
 */
export const EVENT_SOURCE_MAPPING_CALLER = 'lambda-event-source-mapping';

/** Counters of one mapping, maintained by the runner (not by the function). */
export interface MappingStats {
  /** ReceiveMessage calls of the pollers, and of those, how many came back empty. */
  receives: number;
  emptyReceives: number;
  batches: number;
  records: number;
  deleted: number;
  /** Records left for redelivery after a partial batch response. */
  itemFailures: number;
  /** Invocations that threw, crashed, timed out or returned a malformed response (whole batch back). */
  failedBatches: number;
  timeouts: number;
  /** Processed records whose delete failed: they come back after the visibility timeout. */
  deleteFailures: number;
  lastError: string | undefined;
}

/** Init durations (ms) of the sandboxes {@link LocalRunner.prewarm} started, by function logical id. */
export type PrewarmReport = Record<string, readonly number[]>;

/** Options of {@link LocalRunner}. */
export interface LocalRunnerOptions {
  /**
   * ReceiveMessage WaitTimeSeconds of the pollers. Lambda uses 20; a stop() waits for the poll in
   * flight (an aborted long poll would still take messages in fauxqs and hide them for a whole
   * visibility timeout), so tests use 1.
   * @default 20
   */
  readonly waitTimeSeconds?: number;
  /**
   * Concurrent batches per mapping when the template sets no ScalingConfig.MaximumConcurrency
   * (Lambda starts with 5 pollers and scales up; locally it stays here).
   * @default 5
   */
  readonly defaultConcurrency?: number;
  /**
   * Upper bound on the concurrent batches of any one mapping, whatever the template's
   * MaximumConcurrency (which still bounds it when lower): each batch in flight holds a worker-thread
   * sandbox, each sandbox is a V8 isolate that loads and JIT-compiles the bundle on its own, and a
   * machine runs only as many of them at once as it has cores. `Infinity` lifts the bound (one
   * sandbox per unit of template concurrency, as Lambda would scale). Functions invoked directly
   * (the API) get as many sandboxes (10 when the bound is lifted).
   * @default {@link defaultMaxConcurrencyPerMapping}() = max(2, os.availableParallelism())
   */
  readonly maxConcurrencyPerMapping?: number;
  /** Receives every function output line (after the metrics sink saw it). */
  readonly echo?: (line: OutputLine) => void;
}

/**
 * The default of {@link LocalRunnerOptions.maxConcurrencyPerMapping}: one batch in flight per core the
 * process may use (`cores`, os.availableParallelism() unless given), and at least 2 (Lambda's
 * smallest MaximumConcurrency), so one poller can wait on the queue while another batch runs even
 * on a single core.
 */
export function defaultMaxConcurrencyPerMapping(cores: number = availableParallelism()): number {
  return Math.max(2, Math.floor(cores));
}

/**
 * Concurrent batches (= pollers) of one mapping: the template's MaximumConcurrency (or
 * `defaultConcurrency` when it sets none), bounded by `maxConcurrencyPerMapping`, at least 1.
 */
export function mappingConcurrency(
  mapping: Pick<LocalEventSourceMapping, 'maximumConcurrency'>,
  options: Pick<LocalRunnerOptions, 'defaultConcurrency' | 'maxConcurrencyPerMapping'> = {},
): number {
  return Math.max(
    1,
    Math.min(
      mapping.maximumConcurrency ?? options.defaultConcurrency ?? 5,
      options.maxConcurrencyPerMapping ?? defaultMaxConcurrencyPerMapping(),
    ),
  );
}

/** Invokes the deployment's functions and drives its event source mappings. */
export class LocalRunner {
  /** EMF metrics and recent logs of every function. */
  readonly metrics: MetricsSink;
  private readonly hosts = new Map<string, FunctionHost>();
  private readonly consumers = new Map<string, MappingConsumer>();
  private readonly sqs: SQSClient;
  /** Poll loops per function logical id, over all of its mappings. */
  private readonly pollers = new Map<string, number>();
  /** Sandboxes of a function that only takes direct invocations (the API). */
  private readonly directSandboxes: number;

  constructor(
    readonly deployment: LocalDeployment,
    private readonly emulators: Emulators,
    options: LocalRunnerOptions = {},
  ) {
    this.metrics = new MetricsSink(options.echo ? { echo: options.echo } : {});
    const sqsConfig = emulators.clientConfig('sqs');
    this.sqs = new SQSClient({
      ...sqsConfig,
      credentials: { ...sqsConfig.credentials, accessKeyId: EVENT_SOURCE_MAPPING_CALLER },
    });
    const concurrency = (m: LocalEventSourceMapping) => mappingConcurrency(m, options);
    const cap = options.maxConcurrencyPerMapping ?? defaultMaxConcurrencyPerMapping();
    this.directSandboxes = Number.isFinite(cap) ? Math.max(1, cap) : 10;
    for (const m of deployment.eventSourceMappings) {
      this.pollers.set(m.functionLogicalId, (this.pollers.get(m.functionLogicalId) ?? 0) + concurrency(m));
    }
    for (const mapping of deployment.eventSourceMappings) {
      this.consumers.set(
        mapping.logicalId,
        new MappingConsumer(mapping, this.host(mapping.functionLogicalId), this.sqs, {
          waitTimeSeconds: options.waitTimeSeconds ?? 20,
          concurrency: concurrency(mapping),
          region: emulators.region,
        }),
      );
    }
  }

  /** The host (sandbox pool) of a function, created on first use. */
  host(functionLogicalId: string): FunctionHost {
    let host = this.hosts.get(functionLogicalId);
    if (host === undefined) {
      const fn = this.deployment.functions.find((f) => f.logicalId === functionLogicalId);
      if (fn === undefined) throw new LocalRunnerError(`no function ${functionLogicalId} in the deployment`);
      host = new FunctionHost(fn, {
        baseEnv: this.emulators.env,
        onOutput: this.metrics.accept,
        // Room for every poller of the function's mappings, so each mapping's concurrency (see
        // mappingConcurrency) is what bounds its batches, never a shortage of sandboxes.
        maxSandboxes: Math.max(this.directSandboxes, this.pollers.get(functionLogicalId) ?? 0),
      });
      this.hosts.set(functionLogicalId, host);
    }
    return host;
  }

  /**
   * Pre-warms every function: as many sandboxes as the pollers of its mappings (so each concurrent
   * batch finds one initialized), one for a function only invoked directly. Resolves once all of
   * them finished their init, with each function's init durations (ms from spawn to the end of the
   * handler module's import).
   */
  async prewarm(): Promise<PrewarmReport> {
    const report: Record<string, number[]> = {};
    await Promise.all(
      this.deployment.functions.map(async (fn) => {
        report[fn.logicalId] = await this.host(fn.logicalId).prewarm(
          Math.max(1, this.pollers.get(fn.logicalId) ?? 0),
        );
      }),
    );
    return report;
  }

  /** Starts every mapping whose template `Enabled` is not false. */
  startAll(): void {
    for (const consumer of this.consumers.values()) if (consumer.mapping.enabled) consumer.start();
  }

  /**
   * Starts the mapping(s) of a function (logical id or name), a mapping (logical id), or a queue
   * (a fragment of its URL). Returns how many were started.
   */
  start(selector: string): number {
    const selected = this.select(selector);
    for (const consumer of selected) consumer.start();
    return selected.length;
  }

  /** Stops the selected mapping(s): no new polls; the batch in flight completes. */
  async stop(selector: string): Promise<number> {
    const selected = this.select(selector);
    await Promise.all(selected.map((c) => c.stop()));
    return selected.length;
  }

  /** Stats of every mapping, keyed by the mapping's logical id. */
  stats(): Record<string, MappingStats & { running: boolean }> {
    const out: Record<string, MappingStats & { running: boolean }> = {};
    for (const consumer of this.consumers.values()) {
      out[consumer.mapping.logicalId] = { ...consumer.stats, running: consumer.running };
    }
    return out;
  }

  /**
   * Stops every poller (aborting long polls in flight: nothing will process their messages any more)
   * and terminates every sandbox. Idempotent.
   */
  async close(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((c) => c.stop({ abortPolls: true })));
    await Promise.all([...this.hosts.values()].map((h) => h.close()));
    this.sqs.destroy();
  }

  private select(selector: string): MappingConsumer[] {
    const selected = [...this.consumers.values()].filter((c) => {
      const fn = this.hosts.get(c.mapping.functionLogicalId)?.fn;
      return (
        c.mapping.logicalId === selector ||
        c.mapping.functionLogicalId === selector ||
        fn?.name === selector ||
        c.mapping.queueUrl.includes(selector)
      );
    });
    if (selected.length === 0) throw new LocalRunnerError(`no event source mapping matches '${selector}'`);
    return selected;
  }
}

interface ConsumerSettings {
  readonly waitTimeSeconds: number;
  readonly concurrency: number;
  readonly region: string;
}

/** One event source mapping: `concurrency` poll → invoke → delete loops. */
class MappingConsumer {
  readonly stats: MappingStats = {
    receives: 0,
    emptyReceives: 0,
    batches: 0,
    records: 0,
    deleted: 0,
    itemFailures: 0,
    failedBatches: 0,
    timeouts: 0,
    deleteFailures: 0,
    lastError: undefined,
  };
  private loops: Array<Promise<void>> = [];
  private active = false;
  private abort = new AbortController();

  constructor(
    readonly mapping: LocalEventSourceMapping,
    private readonly host: FunctionHost,
    private readonly sqs: SQSClient,
    private readonly settings: ConsumerSettings,
  ) {}

  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.abort = new AbortController();
    this.loops = Array.from({ length: this.settings.concurrency }, () => this.loop());
  }

  /**
   * Stops polling; the batch in flight completes. A long poll in flight is awaited, not aborted,
   * unless `abortPolls`: fauxqs still hands messages to an abandoned poll, which would hide them for
   * a whole visibility timeout.
   */
  async stop(options: { abortPolls?: boolean } = {}): Promise<void> {
    this.active = false;
    if (options.abortPolls === true) this.abort.abort();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    while (this.active) {
      try {
        const messages = await this.collectBatch();
        if (messages.length > 0) await this.process(messages);
      } catch (error) {
        // Emulator gone (shutdown) or a transient SDK error: note it and back off briefly.
        this.stats.lastError = (error as Error).message;
        if (this.active) await sleep(200);
      }
    }
  }

  private async receive(max: number, waitTimeSeconds: number): Promise<Message[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.mapping.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    this.stats.receives++;
    if ((out.Messages ?? []).length === 0) this.stats.emptyReceives++;
    return out.Messages ?? [];
  }

  /**
   * First a long poll; then, within the batching window, more receives until the batch is full or
   * the window is over. Inside the window the receives are long polls too, as long as whole seconds
   * of it are left (WaitTimeSeconds is whole seconds, and a poll must not outlast the window): they
   * answer as soon as a message arrives, so a quiet queue costs one receive per second of window
   * instead of one every 50 ms. The last fraction of a second is short polls 50 ms apart.
   */
  private async collectBatch(): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowInSeconds } = this.mapping;
    const batch = await this.receive(batchSize, this.settings.waitTimeSeconds);
    if (batch.length === 0 || maximumBatchingWindowInSeconds <= 0) return batch;
    const windowEnds = Date.now() + maximumBatchingWindowInSeconds * 1000;
    while (batch.length < batchSize && Date.now() < windowEnds) {
      const left = windowEnds - Date.now();
      const wait = Math.min(this.settings.waitTimeSeconds, Math.floor(left / 1000));
      const more = await this.receive(batchSize - batch.length, wait);
      if (more.length > 0) batch.push(...more);
      else if (wait === 0) await sleep(Math.min(50, Math.max(0, windowEnds - Date.now())));
    }
    return batch;
  }

  private async process(messages: Message[]): Promise<void> {
    this.stats.batches++;
    this.stats.records += messages.length;
    const event: SQSEvent = {
      Records: messages.map((m) => toRecord(m, this.mapping.queueArn, this.settings.region)),
    };
    let failedIds: Set<string>;
    try {
      const result = await this.host.invoke(event);
      failedIds = this.mapping.reportBatchItemFailures
        ? failuresFrom(result.payload, messages)
        : new Set<string>();
    } catch (error) {
      // Thrown error, crash or timeout: the whole batch returns after the visibility timeout.
      this.stats.failedBatches++;
      if (error instanceof InvocationError && error.errorType === 'Sandbox.Timedout') this.stats.timeouts++;
      this.stats.lastError = (error as Error).message;
      return;
    }
    this.stats.itemFailures += failedIds.size;
    const done = messages.filter((m) => !failedIds.has(m.MessageId ?? ''));
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      const out = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.mapping.queueUrl,
          Entries: chunk.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
      this.stats.deleted += out.Successful?.length ?? 0;
      const failed = out.Failed ?? [];
      if (failed.length > 0) {
        this.stats.deleteFailures += failed.length;
        this.stats.lastError = `DeleteMessageBatch: ${failed.map((f) => f.Message ?? f.Code).join('; ')}`;
      }
    }
  }
}

/**
 * Message ids to leave on the queue, from a ReportBatchItemFailures response. As Lambda: a null or
 * empty response / list means all succeeded; a malformed one (not an object, an item without a
 * string itemIdentifier, or an id not in the batch) fails the whole batch.
 */
export function failuresFrom(payload: unknown, messages: readonly Message[]): Set<string> {
  const all = new Set(messages.map((m) => m.MessageId ?? ''));
  if (payload === null || payload === undefined) return new Set();
  if (typeof payload !== 'object' || Array.isArray(payload)) return all;
  const list = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === null || list === undefined) return new Set();
  if (!Array.isArray(list)) return all;
  const failed = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/** Converts a ReceiveMessage message into the record Lambda puts in an SQSEvent. */
export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const attributes: Record<string, string> = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? String(Date.now()),
    SenderId: system.SenderId ?? LOCAL_ACCOUNT_ID,
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  for (const key of [
    'MessageGroupId',
    'MessageDeduplicationId',
    'SequenceNumber',
    'AWSTraceHeader',
  ] as const) {
    const value = system[key];
    if (value !== undefined) attributes[key] = value;
  }
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = toLambdaAttribute(value);
  }
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: attributes as unknown as SQSRecordAttributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes !== undefined) {
    (record as SQSRecord & { md5OfMessageAttributes: string }).md5OfMessageAttributes =
      message.MD5OfMessageAttributes;
  }
  return record;
}

function toLambdaAttribute(value: MessageAttributeValue): SQSRecord['messageAttributes'][string] {
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined
      ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
      : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
    dataType: (value.DataType ?? 'String') as SQSRecord['messageAttributes'][string]['dataType'],
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
