/**
 * Where the integration suite runs: the embedded runtime (default: emulators + local deploy +
 * local runner, fresh per test file) or a LocalStack / AWS deployment described by an outputs file
 * (`ORDER_EVENTS_TARGET=localstack|aws`, `ORDER_EVENTS_OUTPUTS`). Tests talk to the target only
 * through this interface, so the same assertions run everywhere.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FIFO_ASSEMBLY_DIR } from '../../../cli/synth.ts';
import { stackName as defaultStackName, pascalCase, type ServiceName } from '../../../infra/config.ts';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../../local/local-runtime.ts';

/** Where the suite runs. */
export type TargetKind = 'embedded' | 'localstack' | 'aws';

/** A consumer service name (infra/config.ts). */
export type { ServiceName };

/** The SDK clients and stack outputs a test needs, plus consumer control. */
export interface TestTarget {
  readonly kind: TargetKind;
  readonly outputs: Readonly<Record<string, string>>;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** The embedded runtime (undefined on LocalStack / AWS). */
  readonly local: LocalRuntime | undefined;
  /** An output value; throws when the stack does not have it. */
  output(name: string): string;
  /** An output of a service, e.g. `serviceOutput('high-value', 'QueueUrl')`. */
  serviceOutput(service: ServiceName, suffix: string): string;
  /** Stops a service's event source mapping (runner locally, `Enabled=false` elsewhere). */
  stopConsumer(service: ServiceName): Promise<void>;
  startConsumer(service: ServiceName): Promise<void>;
  /** Releases everything this target started. */
  close(): Promise<void>;
}

/** The target chosen by `ORDER_EVENTS_TARGET` (default `embedded`). */
export function targetKind(): TargetKind {
  const kind = process.env.ORDER_EVENTS_TARGET ?? 'embedded';
  if (kind !== 'embedded' && kind !== 'localstack' && kind !== 'aws') {
    throw new Error(`ORDER_EVENTS_TARGET must be embedded, localstack or aws (got ${kind})`);
  }
  return kind;
}

/**
 * Seconds of VisibilityTimeout the embedded deploy gives event-source queues: their batching window
 * plus 2 s, so that a failed record comes back in seconds instead of the template's minutes. Set
 * as a real queue attribute at creation: the emulator's visibility timeout and redrive policy
 * still decide when a message returns and when it moves to the DLQ.
 */
export function testVisibilityTimeout(batchingWindowSeconds: number): number {
  return batchingWindowSeconds + 2;
}

/** Options of {@link openTarget}. */
export interface OpenTargetOptions {
  /**
   * The FIFO variant: embedded, the `-c fifo=true` assembly ({@link FIFO_ASSEMBLY_DIR}); on
   * LocalStack / AWS, the stack named by `ORDER_EVENTS_FIFO_STACK` in the outputs file.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * Embedded only: VisibilityTimeout of event-source queues instead of {@link testVisibilityTimeout}.
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Embedded only: overrides of the embedded runtime's options (e.g. an endpoint proxy with faults);
   * applied last.
   */
  readonly embedded?: LocalRuntimeOptions;
}

/** Whether the FIFO suite can run on this target (always embedded; elsewhere with a FIFO stack named). */
export function fifoTargetAvailable(): boolean {
  return targetKind() === 'embedded' || (process.env.ORDER_EVENTS_FIFO_STACK ?? '') !== '';
}

/** Starts (embedded) or connects to (LocalStack / AWS) the target. */
export async function openTarget(options: OpenTargetOptions = {}): Promise<TestTarget> {
  const kind = targetKind();
  if (kind === 'embedded') {
    const local = await startLocalRuntime({
      outputsFile: false,
      waitTimeSeconds: 1,
      // Several files run side by side, each with its own sandboxes: a batch in flight per core and
      // mapping keeps a file's worker threads near the machine's size instead of the template's 19.
      maxConcurrencyPerMapping: Math.max(2, availableParallelism()),
      ...(options.fifo === true ? { assemblyDir: FIFO_ASSEMBLY_DIR } : {}),
      queueAttributeOverrides: ({ eventSource }) =>
        eventSource === undefined
          ? undefined
          : {
              VisibilityTimeout: String(
                options.visibilityTimeoutSeconds ?? testVisibilityTimeout(eventSource.batchingWindowSeconds),
              ),
            },
      ...options.embedded,
    });
    const clients = makeClients((service) => local.emulators.clientConfig(service));
    // The runner knows functions, not services: a service's consumer is its function's mapping.
    const functionOf = (service: ServiceName): string => {
      const name = local.outputs[`${pascalCase(service)}FunctionName`];
      if (name === undefined) throw new Error(`the stack has no ${pascalCase(service)}FunctionName output`);
      return name;
    };
    return build(kind, local.outputs, clients, local, {
      stop: async (service) => {
        await local.runner.stop(functionOf(service));
      },
      start: async (service) => {
        local.runner.start(functionOf(service));
      },
      close: () => local.stop(),
    });
  }
  const file =
    process.env.ORDER_EVENTS_OUTPUTS ?? (kind === 'localstack' ? '.local/localstack-outputs.json' : '');
  if (file === '') throw new Error('ORDER_EVENTS_OUTPUTS must name the outputs file of the deployed stack');
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  const stackName =
    options.fifo === true
      ? (process.env.ORDER_EVENTS_FIFO_STACK ?? '')
      : (process.env.ORDER_EVENTS_STACK ?? defaultStackName());
  if (stackName === '') throw new Error('ORDER_EVENTS_FIFO_STACK must name the FIFO stack (-c fifo=true)');
  const outputs = all[stackName];
  if (outputs === undefined) throw new Error(`${file} has no outputs for ${stackName}`);
  const endpoint =
    kind === 'localstack'
      ? (process.env.AWS_ENDPOINT_URL ?? 'http://localhost.localstack.cloud:4566')
      : undefined;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const config = () => ({
    region,
    ...(endpoint !== undefined
      ? { endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
      : {}),
  });
  const clients = makeClients(config);
  const toggle = (enabled: boolean) => async (service: ServiceName) => {
    await setMappingEnabled(config(), outputs[`${pascalCase(service)}FunctionName`] ?? '', enabled);
  };
  return build(kind, outputs, clients, undefined, {
    stop: toggle(false),
    start: toggle(true),
    close: async () => undefined,
  });
}

interface Clients {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
}

function makeClients(config: (service: 'sns' | 'sqs' | 'dynamodb') => object): Clients {
  const dynamodb = new DynamoDBClient(config('dynamodb'));
  return {
    sns: new SNSClient(config('sns')),
    sqs: new SQSClient(config('sqs')),
    dynamodb,
    doc: DynamoDBDocumentClient.from(dynamodb),
  };
}

function build(
  kind: TargetKind,
  outputs: Readonly<Record<string, string>>,
  clients: Clients,
  local: LocalRuntime | undefined,
  control: {
    stop(service: ServiceName): Promise<void>;
    start(service: ServiceName): Promise<void>;
    close(): Promise<void>;
  },
): TestTarget {
  const output = (name: string): string => {
    const value = outputs[name];
    if (value === undefined) throw new Error(`stack output ${name} is missing`);
    return value;
  };
  return {
    kind,
    outputs,
    ...clients,
    local,
    output,
    serviceOutput: (service, suffix) => output(`${pascalCase(service)}${suffix}`),
    stopConsumer: control.stop,
    startConsumer: control.start,
    close: async () => {
      clients.sns.destroy();
      clients.sqs.destroy();
      clients.dynamodb.destroy();
      await control.close();
    },
  };
}

/**
 * Toggles a function's SQS event source mapping with UpdateEventSourceMapping. The Lambda client is
 * loaded on demand: it is only needed against LocalStack / AWS.
 */
async function setMappingEnabled(config: object, functionName: string, enabled: boolean): Promise<void> {
  const moduleName = '@aws-sdk/client-lambda';
  const lambda = (await import(moduleName).catch(() => {
    throw new Error(
      `${moduleName} is required to stop/start consumers on this target (npm i -D ${moduleName})`,
    );
  })) as {
    LambdaClient: new (c: object) => { send(c: unknown): Promise<unknown>; destroy(): void };
    ListEventSourceMappingsCommand: new (i: object) => unknown;
    UpdateEventSourceMappingCommand: new (i: object) => unknown;
  };
  const client = new lambda.LambdaClient(config);
  try {
    const listed = (await client.send(
      new lambda.ListEventSourceMappingsCommand({ FunctionName: functionName }),
    )) as {
      EventSourceMappings?: Array<{ UUID?: string }>;
    };
    for (const mapping of listed.EventSourceMappings ?? []) {
      await client.send(new lambda.UpdateEventSourceMappingCommand({ UUID: mapping.UUID, Enabled: enabled }));
    }
  } finally {
    client.destroy();
  }
}
