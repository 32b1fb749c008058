/**
 * Counts what an order costs, from the calls observed at the emulators, the
 * invocations the function hosts ran and the lines the functions logged; turns the counts into
 * billable {@link Usage}. No I/O: the bench feeds it, test/bench/meter.test.ts checks it.
 */
import type { ObservedCall } from '../local/call-observer.ts';
import {
  billableRequests,
  dynamodbReadUnits,
  dynamodbWriteUnits,
  lambdaGbSeconds,
  type Usage,
} from './cost.ts';

/** The parts of an observed call the meter reads. */
export type MeteredCall = Pick<
  ObservedCall,
  'caller' | 'service' | 'action' | 'resources' | 'authorizations'
>;

/** How calls and functions map to services and sizes. */
export interface MeterContext {
  /** Service of a caller (function logical id); undefined for callers that are not functions. */
  readonly serviceOfFunction: (logicalId: string) => string | undefined;
  /** Service whose event source mapping polls the queue with this ARN. */
  readonly serviceOfQueue: (queueArn: string) => string | undefined;
  /** Access key id the event source mapping pollers sign with. */
  readonly pollerCaller: string;
  /** Access key id of the harness (the producer of the bench): only its publishes are counted. */
  readonly harnessCaller: string;
  /** Size of the published message (bytes): the 64 KB chunks of SNS/SQS payloads. */
  readonly messageBytes: number;
  /**
   * Log bytes Lambda itself adds per invocation (START, END and REPORT lines in text format), an
   * assumption: the embedded runtime prints none of them.
   */
  readonly platformLogBytesPerInvocation: number;
  /** Duration an invocation of `service` with `records` records would take on AWS (an assumption). */
  readonly awsDurationMs: (service: string, records: number) => number;
}

/** Requests of one service, by API action. */
export type ActionCounts = Record<string, number>;

/** DynamoDB items of one table, by kind of access. */
export interface ItemCounts {
  write: number;
  transactWrite: number;
  read: number;
  transactRead: number;
}

/** Largest item of a table (bytes), for write/read units. */
export type ItemBytesOf = (tableArn: string) => number;

/** Counts of one service. */
export interface ServiceCounts {
  readonly sns: ActionCounts;
  readonly sqs: ActionCounts;
  readonly dynamodb: ActionCounts;
  /** DynamoDB items touched (single operations and transaction parts), by table ARN and kind. */
  readonly items: Map<string, ItemCounts>;
  /** Billable SNS publish requests and SQS requests (64 KB chunks). */
  snsBillable: number;
  sqsBillable: number;
  invocations: number;
  /** Measured here (embedded runtime). */
  durationMs: number;
  gbSecondsLocal: number;
  /** With the AWS duration assumption. */
  gbSeconds: number;
  /** Records delivered to the function (sum of batch sizes). */
  records: number;
  logBytes: number;
}

const emptyCounts = (): ServiceCounts => ({
  sns: {},
  sqs: {},
  dynamodb: {},
  items: new Map(),
  snsBillable: 0,
  sqsBillable: 0,
  invocations: 0,
  durationMs: 0,
  gbSecondsLocal: 0,
  gbSeconds: 0,
  records: 0,
  logBytes: 0,
});

const DYNAMODB_WRITE_ACTIONS = new Set([
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:BatchWriteItem',
]);
const DYNAMODB_READ_ACTIONS = new Set([
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:BatchGetItem',
]);
/** SQS calls whose payload is messages (the rest carry receipt handles or attributes only). */
const SQS_MESSAGE_PAYLOAD = new Set(['ReceiveMessage', 'SendMessage', 'SendMessageBatch']);
/** Messages per SQS/SNS batch call at most: a receive or batch is sized as if full (upper bound). */
const MAX_BATCH_MESSAGES = 10;

/** Meters one phase of a run. */
export class UsageMeter {
  readonly byService = new Map<string, ServiceCounts>();
  /** Calls that were not attributed (deploy, the harness's own reads, unknown callers), by service:action. */
  readonly unattributed: Record<string, number> = {};
  private readonly emfMetrics = new Set<string>();

  constructor(private readonly context: MeterContext) {}

  private counts(service: string): ServiceCounts {
    let c = this.byService.get(service);
    if (c === undefined) {
      c = emptyCounts();
      this.byService.set(service, c);
    }
    return c;
  }

  /** The service a call is billed to: the calling function's, the polled queue's, or the producer. */
  private serviceOf(call: MeteredCall): string | undefined {
    const fn = this.context.serviceOfFunction(call.caller);
    if (fn !== undefined) return fn;
    if (call.caller === this.context.pollerCaller) {
      return call.resources.map((r) => this.context.serviceOfQueue(r)).find((s) => s !== undefined);
    }
    if (
      call.caller === this.context.harnessCaller &&
      call.service === 'sns' &&
      call.action.startsWith('Publish')
    ) {
      return 'producer';
    }
    return undefined;
  }

  /** Feeds one observed call. */
  readonly observe = (call: MeteredCall): void => {
    const service = this.serviceOf(call);
    if (service === undefined) {
      const key = `${call.service}:${call.action}`;
      this.unattributed[key] = (this.unattributed[key] ?? 0) + 1;
      return;
    }
    const c = this.counts(service);
    const bytes = this.context.messageBytes;
    if (call.service === 'sns') {
      c.sns[call.action] = (c.sns[call.action] ?? 0) + 1;
      c.snsBillable += billableRequests(call.action === 'PublishBatch' ? MAX_BATCH_MESSAGES * bytes : bytes);
    } else if (call.service === 'sqs') {
      c.sqs[call.action] = (c.sqs[call.action] ?? 0) + 1;
      const payload = !SQS_MESSAGE_PAYLOAD.has(call.action)
        ? 0
        : call.action === 'SendMessage'
          ? bytes
          : MAX_BATCH_MESSAGES * bytes;
      c.sqsBillable += billableRequests(payload);
    } else if (call.service === 'dynamodb') {
      c.dynamodb[call.action] = (c.dynamodb[call.action] ?? 0) + 1;
      const transactional = call.action.startsWith('Transact');
      for (const auth of call.authorizations) {
        let items = c.items.get(auth.resource);
        if (items === undefined) {
          items = { write: 0, transactWrite: 0, read: 0, transactRead: 0 };
          c.items.set(auth.resource, items);
        }
        if (DYNAMODB_WRITE_ACTIONS.has(auth.action)) {
          if (transactional) items.transactWrite++;
          else items.write++;
        } else if (DYNAMODB_READ_ACTIONS.has(auth.action)) {
          if (transactional) items.transactRead++;
          else items.read++;
        }
      }
    }
  };

  /**
   * Feeds one invocation of a function (its service, memory, measured duration and batch size).
   * GB-s are kept twice: from the measured duration and from the AWS duration assumption.
   */
  invocation(service: string, memoryMb: number, durationMs: number, records: number): void {
    const c = this.counts(service);
    c.invocations++;
    c.durationMs += durationMs;
    c.gbSecondsLocal += lambdaGbSeconds(memoryMb, durationMs);
    c.gbSeconds += lambdaGbSeconds(memoryMb, this.context.awsDurationMs(service, records));
    c.records += records;
    c.logBytes += this.context.platformLogBytesPerInvocation;
  }

  /** Feeds one line a function printed (CloudWatch Logs ingestion; EMF lines name custom metrics). */
  logLine(service: string, line: string): void {
    this.counts(service).logBytes += Buffer.byteLength(line) + 1;
    if (!line.includes('"_aws"')) return;
    for (const metric of emfMetricIdentities(line)) this.emfMetrics.add(metric);
  }

  /** Distinct EMF custom metrics seen (`namespace|dimension values|name`). */
  customMetrics(): ReadonlySet<string> {
    return this.emfMetrics;
  }

  /**
   * DynamoDB units of a service: every item counted at its table's largest item size (an upper
   * bound), transactions at 2×, reads as strongly consistent (the request's ConsistentRead is not
   * observed: again an upper bound).
   */
  static units(c: ServiceCounts, itemBytes: ItemBytesOf): { write: number; read: number } {
    let write = 0;
    let read = 0;
    for (const [table, items] of c.items) {
      const size = itemBytes(table);
      write += items.write * dynamodbWriteUnits(size, false);
      write += items.transactWrite * dynamodbWriteUnits(size, true);
      read += items.read * dynamodbReadUnits(size, 'strong');
      read += items.transactRead * dynamodbReadUnits(size, 'transactional');
    }
    return { write, read };
  }

  /** Billable usage over `orders` orders, all services together. */
  usage(orders: number, itemBytes: ItemBytesOf): Usage {
    let total = {
      apiRequests: 0,
      snsPublishRequests: 0,
      sqsRequests: 0,
      lambdaInvocations: 0,
      lambdaGbSeconds: 0,
      lambdaGbSecondsLocal: 0,
      dynamodbWriteUnits: 0,
      dynamodbReadUnits: 0,
      logBytes: 0,
    };
    for (const [service, c] of this.byService) {
      const units = UsageMeter.units(c, itemBytes);
      total = {
        apiRequests: total.apiRequests + (service === 'order-api' ? c.invocations : 0),
        snsPublishRequests: total.snsPublishRequests + c.snsBillable,
        sqsRequests: total.sqsRequests + c.sqsBillable,
        lambdaInvocations: total.lambdaInvocations + c.invocations,
        lambdaGbSeconds: total.lambdaGbSeconds + c.gbSeconds,
        lambdaGbSecondsLocal: total.lambdaGbSecondsLocal + c.gbSecondsLocal,
        dynamodbWriteUnits: total.dynamodbWriteUnits + units.write,
        dynamodbReadUnits: total.dynamodbReadUnits + units.read,
        logBytes: total.logBytes + c.logBytes,
      };
    }
    // KMS: the queues and the topic reuse data keys for a period, so KMS calls do not grow with
    // the volume (their monthly count is in the fixed cost).
    return { orders, ...total, kmsRequests: 0 };
  }
}

/** `namespace|dimension values|name` of every metric an EMF line declares. */
export function emfMetricIdentities(line: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return [];
  }
  if (typeof doc !== 'object' || doc === null) return [];
  const record = doc as Record<string, unknown>;
  const aws = record._aws as
    | {
        CloudWatchMetrics?: Array<{
          Namespace?: string;
          Dimensions?: string[][];
          Metrics?: Array<{ Name: string }>;
        }>;
      }
    | undefined;
  const out: string[] = [];
  for (const directive of aws?.CloudWatchMetrics ?? []) {
    for (const dimensionSet of directive.Dimensions?.length ? directive.Dimensions : [[]]) {
      const values = dimensionSet.map((d) => `${d}=${String(record[d])}`).join(',');
      for (const metric of directive.Metrics ?? [])
        out.push(`${directive.Namespace}|${values}|${metric.Name}`);
    }
  }
  return out;
}
