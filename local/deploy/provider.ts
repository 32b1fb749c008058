/**
 * The contract between the deploy engine and a resource provider. The engine owns the template
 * (order, conditions, intrinsics, outputs); a provider owns one resource type: it creates the
 * resource in an emulator (or records it for the runner, or stands in for it) and returns the
 * values CloudFormation would give its `Ref` and `Fn::GetAtt`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Template, TemplateResource } from '../assembly.ts';
import type { EmulatedService, LocalClientConfig } from '../emulators.ts';
import type { ResolvedValue } from '../intrinsics.ts';
import type {
  DeployLocalOptions,
  LocalEventSourceMapping,
  LocalFunction,
  LocalHttpRoute,
  LocalQueue,
  LocalSubscription,
  LocalTable,
  LocalTopic,
} from './deployment.ts';

/** What CloudFormation answers for a created resource: its `Ref` and its `Fn::GetAtt` attributes. */
export interface ProvidedResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, ResolvedValue>>;
}

/** What the providers record for the runner, the API server and the report. */
export interface DeploymentRecord {
  readonly topics: LocalTopic[];
  readonly queues: LocalQueue[];
  readonly subscriptions: LocalSubscription[];
  readonly tables: LocalTable[];
  readonly functions: LocalFunction[];
  readonly eventSourceMappings: LocalEventSourceMapping[];
  readonly httpRoutes: LocalHttpRoute[];
}

/** SDK clients for the emulators, made on first use (a stack without tables opens no DynamoDB client). */
export class DeployClients {
  private snsClient: SNSClient | undefined;
  private sqsClient: SQSClient | undefined;
  private dynamodbClient: DynamoDBClient | undefined;

  constructor(private readonly config: (service: EmulatedService) => LocalClientConfig) {}

  get sns(): SNSClient {
    this.snsClient ??= new SNSClient(this.config('sns'));
    return this.snsClient;
  }

  get sqs(): SQSClient {
    this.sqsClient ??= new SQSClient(this.config('sqs'));
    return this.sqsClient;
  }

  get dynamodb(): DynamoDBClient {
    this.dynamodbClient ??= new DynamoDBClient(this.config('dynamodb'));
    return this.dynamodbClient;
  }

  destroy(): void {
    this.snsClient?.destroy();
    this.sqsClient?.destroy();
    this.dynamodbClient?.destroy();
  }
}

/** What the engine gives a provider: the stack, the emulators and the deployment so far. */
export interface DeployContext {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** Absolute path of the assembly directory (asset paths are relative to it). */
  readonly assemblyDir: string;
  /** The template as synthesized (unresolved): for providers that look at a related resource. */
  readonly template: Template;
  readonly options: DeployLocalOptions;
  readonly clients: DeployClients;
  readonly record: DeploymentRecord;
  /** The resource's properties with every intrinsic resolved (everything they reference exists). */
  properties(logicalId: string, resource: TemplateResource): Record<string, ResolvedValue>;
  /** A fresh CloudFormation-like physical name (see physical-name.ts). */
  physicalName(logicalId: string, type: string, suffix?: string): string;
  /** The logical id of an already provided resource whose `Ref` is `ref`. */
  logicalIdOfRef(ref: string): string | undefined;
  /** Reports a template setting the emulators accept but do not honour. */
  gap(message: string): void;
  /** Reports a resource under `key` (usually its type) as not emulated, and why. */
  notEmulated(key: string, logicalId: string, why: string): void;
  /** In every output, `from` (a public URL that is served locally) becomes `to`. */
  rewriteOutputs(from: string, to: string): void;
}

/** Creates, records or stands in for the resources of one or more CloudFormation types. */
export interface ResourceProvider {
  /** The CloudFormation types this provider handles (one type, or aliases such as a GlobalTable). */
  readonly types: readonly string[];
  /**
   * Set when the provider only stands in for the resource (placeholder `Ref` / attributes): the
   * deploy report lists the resource as not emulated, with this reason.
   */
  readonly notEmulated?: string;
  provide(
    context: DeployContext,
    logicalId: string,
    resource: TemplateResource,
  ): Promise<ProvidedResource> | ProvidedResource;
}
