/**
 * What a local deployment produces: the records the runner and the API server read (functions,
 * event source mappings, HTTP routes), what was created in the emulators, what was left out and why,
 * and the options of {@link deployLocal}. Types only, plus the deployer's error.
 */
import { LocalRuntimeError } from '../errors.ts';

/** A function the runner can invoke: the bundled asset and its resolved configuration. */
export interface LocalFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** `index.handler` → module `index`, export `handler`. */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Absolute path of the asset directory in cdk.out (from `aws:asset:path`). */
  readonly assetDir: string;
  readonly environment: Readonly<Record<string, string>>;
}

/** An SQS event source mapping, resolved. */
export interface LocalEventSourceMapping {
  readonly logicalId: string;
  readonly uuid: string;
  readonly functionLogicalId: string;
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** From ScalingConfig.MaximumConcurrency; undefined = not set in the template. */
  readonly maximumConcurrency: number | undefined;
  readonly enabled: boolean;
}

/** An API Gateway HTTP API route backed by a Lambda proxy integration. */
export interface LocalHttpRoute {
  readonly routeKey: string;
  readonly functionLogicalId: string;
  readonly payloadFormatVersion: string;
}

/** A topic as created. */
export interface LocalTopic {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
}

/** A queue as created. */
export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** An SNS subscription as created. */
export interface LocalSubscription {
  readonly logicalId: string;
  readonly arn: string;
  readonly topicArn: string;
  readonly endpoint: string;
}

/** A DynamoDB table as created. */
export interface LocalTable {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The template's TTL attribute (reported as a gap when the emulator cannot apply it). */
  readonly ttlAttribute?: string;
}

/** What {@link DeployLocalOptions.queueAttributeOverrides} learns about a queue before it is created. */
export interface QueueOverrideContext {
  readonly logicalId: string;
  /** The template attributes, resolved. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Set when an event source mapping reads this queue. */
  readonly eventSource?: { readonly batchingWindowSeconds: number; readonly functionTimeoutSeconds: number };
}

/** A resource type the deployer did not emulate, with how many and which. */
export interface NotEmulated {
  readonly type: string;
  readonly count: number;
  readonly logicalIds: readonly string[];
  readonly why: string;
}

/** What one local deployment created and what it left out. */
export interface LocalDeployment {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly assemblyDir: string;
  /** Absolute path of the template that was deployed: the file `cdk synth` wrote, read as it is. */
  readonly templatePath: string;
  readonly topics: readonly LocalTopic[];
  readonly queues: readonly LocalQueue[];
  readonly subscriptions: readonly LocalSubscription[];
  readonly tables: readonly LocalTable[];
  readonly functions: readonly LocalFunction[];
  readonly eventSourceMappings: readonly LocalEventSourceMapping[];
  readonly httpRoutes: readonly LocalHttpRoute[];
  /** Stack outputs, resolved (what `cdk deploy --outputs-file` writes under the stack name). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly notEmulated: readonly NotEmulated[];
  /** Settings present in the template that the emulators do not honour (emulator gaps). */
  readonly gaps: readonly string[];
  /** Order in which resources were processed. */
  readonly order: readonly string[];
}

/** Options of {@link deployLocal}. */
export interface DeployLocalOptions {
  /** Stack to deploy. @default the assembly's only stack (an assembly with several must name one) */
  readonly stackName?: string;
  /** Cloud assembly directory. @default 'cdk.out' */
  readonly assemblyDir?: string;
  /** URL the local API server answers on; becomes the HTTP API's `ApiEndpoint`. */
  readonly apiEndpoint?: string;
  /**
   * Extra queue attributes set at creation, on top of the template's. Tests use it to shorten the
   * VisibilityTimeout of event-source queues so that redelivery happens in seconds: the emulator's
   * own visibility timeout and redrive policy still decide, nothing is faked.
   */
  readonly queueAttributeOverrides?: (
    queue: QueueOverrideContext,
  ) => Readonly<Record<string, string>> | undefined;
  /** Where to write the outputs file. @default '.local/outputs.json'; `false` = do not write. */
  readonly outputsFile?: string | false;
}

/** A template resource or property the local deployer cannot create. */
export class LocalDeployError extends LocalRuntimeError {}
