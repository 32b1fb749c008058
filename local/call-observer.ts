/**
 * What an observer of AWS calls sees, and the two pieces both observation points share: the set of
 * observers (whose exceptions are collected, not lost) and the table key schemas that
 * `dynamodb:LeadingKeys` needs. Calls are observed either at the emulators themselves
 * (`startEmulators({ observers })`: no extra hop, what `npm run bench` counts with) or by the
 * endpoint proxy (`startEndpointProxy`, which can also inject faults).
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type ArnContext,
  type ParsedRequest,
  type PartitionKeyOf,
  parseAwsRequest,
  type RequestBody,
  type RequestHeaders,
} from './aws-request.ts';
import type { LocalClientConfig } from './emulators.ts';
import type { FaultKind } from './fault-plan.ts';

/** One call as it was seen, delivered to observers once it was answered (or abandoned). */
export interface ObservedCall extends ParsedRequest {
  /** Order in which the observation point saw it, from 1 (arrival at the proxy; report from an emulator). */
  readonly seq: number;
  /** The caller: the access key id (a function's logical id; `test` for the harness's own clients). */
  readonly caller: string;
  /** The sandbox that signed the call (its session token), if a sandbox did. */
  readonly sandbox: string | undefined;
  /** HTTP status returned to the caller; 0 when it got no answer (hang, killed sandbox). */
  readonly status: number;
  /** Whether the emulator received the request (false for faults answered by the proxy alone). */
  readonly forwarded: boolean;
  /** The fault injected into this call, if any. */
  readonly fault: FaultKind | undefined;
}

/** Receives every {@link ObservedCall}. Exceptions it throws are collected and rethrown on close. */
export type CallObserver = (call: ObservedCall) => void;

/** A set of {@link CallObserver}s; an observer that throws never stops the call or the others. */
export class CallObservers {
  private readonly observers: Set<CallObserver>;
  private readonly errors: unknown[] = [];

  constructor(observers: readonly CallObserver[] = []) {
    this.observers = new Set(observers);
  }

  /** How many observers there are. */
  get size(): number {
    return this.observers.size;
  }

  /** Adds an observer; returns a function that removes it. */
  add(observer: CallObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Delivers `call` to every observer, collecting what they throw. */
  notify(call: ObservedCall): void {
    for (const observer of this.observers) {
      try {
        observer(call);
      } catch (error) {
        this.errors.push(error);
      }
    }
  }

  /** Throws one AggregateError of everything the observers threw, if they threw. */
  rethrow(message: string): void {
    if (this.errors.length > 0) throw new AggregateError(this.errors, message);
  }
}

/**
 * Access key id of the DescribeTable calls {@link TableKeys} makes: an observation point skips
 * them, so observing never observes itself (nor asks again about a table in a loop).
 */
export const KEY_SCHEMA_CALLER = 'local-call-observer';

/** Partition key attribute of each table, learnt once per table with DescribeTable. */
export class TableKeys {
  private readonly client: DynamoDBClient;
  private readonly known = new Map<string, string>();
  private readonly learning = new Map<string, Promise<void>>();

  /** @param clientConfig of a DynamoDB client talking to the emulator directly */
  constructor(clientConfig: LocalClientConfig) {
    this.client = new DynamoDBClient({
      ...clientConfig,
      credentials: {
        accessKeyId: KEY_SCHEMA_CALLER,
        secretAccessKey: clientConfig.credentials.secretAccessKey,
      },
    });
  }

  /** The partition key of a table already learnt. */
  readonly partitionKeyOf: PartitionKeyOf = (table) => this.known.get(table);

  /** Whether a DynamoDB request names a table whose key schema is not known yet. */
  needs(parsed: ParsedRequest): boolean {
    return parsed.service === 'dynamodb' && tablesOf(parsed).some((t) => !this.known.has(t));
  }

  /** Learns the key schema of every table the request names (a table that does not exist stays unknown). */
  async learn(parsed: ParsedRequest): Promise<void> {
    await Promise.all(
      tablesOf(parsed)
        .filter((t) => !this.known.has(t))
        .map((table) => {
          let pending = this.learning.get(table);
          if (pending === undefined) {
            pending = this.describe(table).finally(() => this.learning.delete(table));
            this.learning.set(table, pending);
          }
          return pending;
        }),
    );
  }

  /** Releases the client. */
  destroy(): void {
    this.client.destroy();
  }

  private async describe(table: string): Promise<void> {
    try {
      const out = await this.client.send(new DescribeTableCommand({ TableName: table }));
      const hash = out.Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
      if (hash !== undefined) this.known.set(table, hash);
    } catch {
      // No such table (yet): the call itself says so; no leading keys to report.
    }
  }
}

function tablesOf(parsed: ParsedRequest): string[] {
  const tables = parsed.resources
    .map((arn) => /:table\/([^/]+)/.exec(arn)?.[1])
    .filter((t): t is string => t !== undefined);
  return [...new Set(tables)];
}

/** A request as an emulator answered it: what a {@link CallTap} is fed. */
export interface AnsweredRequest {
  readonly headers: RequestHeaders;
  readonly body: RequestBody;
  readonly status: number;
}

/**
 * Turns the requests the emulators answered into {@link ObservedCall}s, in the order they reach it:
 * each emulator's in the order it answered them (dynalite's cross from its thread, so one answered
 * just before an SQS call may arrive just after it). The calls of {@link TableKeys} itself are
 * skipped. A DynamoDB call naming a table not seen before waits for its key schema, and the calls
 * after it wait their turn, so that order is kept.
 */
export class CallTap {
  private readonly observers: CallObservers;
  private readonly context: ArnContext;
  private readonly tableKeys: TableKeys;
  private seq = 0;
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(observers: CallObservers, context: ArnContext, tableKeys: TableKeys) {
    this.observers = observers;
    this.context = context;
    this.tableKeys = tableKeys;
  }

  /** Observes one answered request. */
  readonly record = (request: AnsweredRequest): void => {
    const parse = (): ParsedRequest =>
      parseAwsRequest(request.headers, request.body, this.context, this.tableKeys.partitionKeyOf);
    const parsed = parse();
    if (parsed.accessKeyId === KEY_SCHEMA_CALLER) return;
    const seq = ++this.seq;
    const deliver = (call: ParsedRequest): void =>
      this.observers.notify({
        ...call,
        seq,
        caller: call.accessKeyId,
        sandbox: call.sessionToken,
        status: request.status,
        forwarded: true,
        fault: undefined,
      });
    if (this.waiting === 0 && !this.tableKeys.needs(parsed)) {
      deliver(parsed);
      return;
    }
    this.waiting++;
    this.tail = this.tail
      .then(() => this.tableKeys.learn(parsed))
      .then(() => deliver(parse()))
      .finally(() => {
        this.waiting--;
      });
  };

  /** Resolves once every call recorded so far was delivered. */
  async settled(): Promise<void> {
    await this.tail;
  }
}
