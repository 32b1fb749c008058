/**
 * Local deployer: creates the resources of a synthesized stack in the embedded emulators, in
 * dependency order, with CloudFormation-like physical names, and records what the local runner
 * needs (functions, event source mappings, HTTP routes). Everything else in the template is listed
 * in the report by type — never silently dropped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readStackArtifact, type StackArtifact, type TemplateResource } from './assembly.ts';
import { type Emulators, LOCAL_ACCOUNT_ID } from './emulators.ts';
import { LocalRuntimeError } from './errors.ts';
import { handlerModuleFile } from './handler-module.ts';
import {
  collectReferences,
  NO_VALUE,
  type ResolvedValue,
  type ResolveScope,
  resolveValue,
  type TemplateValue,
  UnresolvableIntrinsicError,
} from './intrinsics.ts';
import { scaleTemplateTimes } from './time-scale.ts';

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

/** A queue as created. */
export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly attributes: Readonly<Record<string, string>>;
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
  readonly topics: ReadonlyArray<{ logicalId: string; name: string; arn: string }>;
  readonly queues: readonly LocalQueue[];
  readonly subscriptions: ReadonlyArray<{
    logicalId: string;
    arn: string;
    topicArn: string;
    endpoint: string;
  }>;
  readonly tables: ReadonlyArray<{ logicalId: string; name: string; arn: string; ttlAttribute?: string }>;
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
  /**
   * Multiplies the template's time settings (function timeouts, visibility timeouts, receive waits,
   * batching windows) by this factor in (0, 1], keeping their ratios: see {@link scaleTemplateTimes}.
   * Tests use it so retries and timeouts take seconds. @default 1
   */
  readonly timeScale?: number;
}

/** A template resource or property the local deployer cannot create. */
export class LocalDeployError extends LocalRuntimeError {}

/** Report key of functions without a bundled asset. */
const NO_ASSET = 'AWS::Lambda::Function (no bundled asset)';

/** Types intentionally not emulated, and why (shown in the deploy report). */
const NOT_EMULATED_REASON: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'no IAM in the emulators: every call is allowed',
  'AWS::IAM::Policy': 'no IAM in the emulators: every call is allowed',
  'AWS::IAM::ManagedPolicy': 'no IAM in the emulators: every call is allowed',
  'AWS::KMS::Key': 'no KMS: encryption settings are accepted, not applied',
  'AWS::KMS::Alias': 'no KMS',
  'AWS::SQS::QueuePolicy': 'resource policies are not enforced by fauxqs',
  'AWS::SNS::TopicPolicy': 'resource policies are not enforced by fauxqs',
  'AWS::Lambda::Permission': 'no IAM: the local runner and API server invoke directly',
  'AWS::CloudWatch::Alarm': 'no CloudWatch: the runner counts the EMF metrics instead',
  'AWS::CloudWatch::Dashboard': 'no CloudWatch',
  'AWS::Logs::LogGroup': 'no CloudWatch Logs: worker output is captured by the runner',
  'AWS::ApiGatewayV2::Api': 'served by the local API server (127.0.0.1)',
  'AWS::ApiGatewayV2::Stage': 'served by the local API server ($default stage)',
  'AWS::ApiGatewayV2::Integration': 'served by the local API server (Lambda proxy)',
  'AWS::ApiGatewayV2::Route': 'served by the local API server',
  'AWS::CDK::Metadata': 'CDK bookkeeping',
  [NO_ASSET]: 'inline code (no aws:asset:path): nothing for the runner to run',
};

/** Max physical name lengths (CloudFormation truncates the logical id part to fit). */
const NAME_LIMITS: Readonly<Record<string, number>> = {
  'AWS::SQS::Queue': 80,
  'AWS::SNS::Topic': 256,
  'AWS::DynamoDB::Table': 255,
  'AWS::DynamoDB::GlobalTable': 255,
  'AWS::Lambda::Function': 64,
  'AWS::IAM::Role': 64,
};

interface Created {
  readonly type: string;
  readonly ref: string;
  readonly attributes: Record<string, ResolvedValue>;
}

/**
 * Deploys `stackName` from the cloud assembly into running emulators and writes the outputs file.
 * Fails with the resource and property named when an intrinsic cannot be resolved.
 */
export async function deployLocal(
  emulators: Emulators,
  options: DeployLocalOptions = {},
): Promise<LocalDeployment> {
  const stackName = options.stackName ?? 'OrderEvents-dev';
  const artifact = readStackArtifact(stackName, options.assemblyDir ?? 'cdk.out');
  const deployer = new Deployer(emulators, artifact, options);
  try {
    const deployment = await deployer.run();
    if (options.outputsFile !== false)
      writeOutputsFile(deployment, options.outputsFile ?? '.local/outputs.json');
    return deployment;
  } finally {
    deployer.destroy();
  }
}

/** Writes `{ "<stack>": { <output>: <value> } }`, the shape of `cdk deploy --outputs-file`. */
export function writeOutputsFile(deployment: LocalDeployment, path: string): string {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, `${JSON.stringify({ [deployment.stackName]: deployment.outputs }, null, 2)}\n`);
  return absolute;
}

/** Human-readable deploy report: created counts, not-emulated types with counts, gaps. */
export function formatDeployReport(deployment: LocalDeployment): string {
  const lines = [
    `deployed ${deployment.stackName} locally: ${deployment.topics.length} topics, ${deployment.queues.length} queues, ` +
      `${deployment.subscriptions.length} subscriptions, ${deployment.tables.length} tables, ` +
      `${deployment.functions.length} functions, ${deployment.eventSourceMappings.length} event source mappings, ` +
      `${deployment.httpRoutes.length} HTTP routes`,
    `template: ${relative(process.cwd(), deployment.templatePath)}`,
    'code (the bundles Lambda would run):',
    ...deployment.functions.map((f) => {
      const file = handlerModuleFile(f.assetDir, f.handler);
      const where = relative(process.cwd(), file ?? f.assetDir);
      return `  ${f.logicalId} → ${file === undefined ? `no module for ${f.handler} in ${where}` : where}`;
    }),
    'not emulated:',
    ...deployment.notEmulated.map((n) => `  ${n.type} ×${n.count}: ${n.why}`),
  ];
  if (deployment.gaps.length > 0) lines.push('emulator gaps:', ...deployment.gaps.map((g) => `  ${g}`));
  return lines.join('\n');
}

class Deployer {
  private readonly sns: SNSClient;
  private readonly sqs: SQSClient;
  private readonly dynamodb: DynamoDBClient;
  private readonly created = new Map<string, Created>();
  private readonly conditions = new Map<string, boolean>();
  private readonly scope: ResolveScope;
  private readonly result = {
    topics: [] as Array<{ logicalId: string; name: string; arn: string }>,
    queues: [] as LocalQueue[],
    subscriptions: [] as Array<{ logicalId: string; arn: string; topicArn: string; endpoint: string }>,
    tables: [] as Array<{ logicalId: string; name: string; arn: string; ttlAttribute?: string }>,
    functions: [] as LocalFunction[],
    eventSourceMappings: [] as LocalEventSourceMapping[],
    httpRoutes: [] as LocalHttpRoute[],
    gaps: [] as string[],
    notEmulated: new Map<string, string[]>(),
  };
  private readonly region: string;
  private readonly template;
  private readonly apiIds: string[] = [];

  constructor(
    emulators: Emulators,
    private readonly artifact: StackArtifact,
    private readonly options: DeployLocalOptions,
  ) {
    this.sns = new SNSClient(emulators.clientConfig('sns'));
    this.sqs = new SQSClient(emulators.clientConfig('sqs'));
    this.dynamodb = new DynamoDBClient(emulators.clientConfig('dynamodb'));
    this.region = emulators.region;
    this.template = scaleTemplateTimes(artifact.template, options.timeScale ?? 1);
    const parameters: Record<string, string> = {};
    for (const [name, parameter] of Object.entries(this.template.Parameters ?? {})) {
      if (parameter.Default !== undefined) parameters[name] = String(parameter.Default);
    }
    this.scope = {
      pseudo: {
        'AWS::Region': this.region,
        'AWS::AccountId': LOCAL_ACCOUNT_ID,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
        'AWS::StackName': artifact.stackName,
        'AWS::StackId': `arn:aws:cloudformation:${this.region}:${LOCAL_ACCOUNT_ID}:stack/${artifact.stackName}/${randomUUID()}`,
        'AWS::NotificationARNs': '',
      },
      parameters,
      mappings: this.template.Mappings ?? {},
      ref: (logicalId, at) => this.createdOrFail(logicalId, at).ref,
      getAtt: (logicalId, attribute, at) => {
        const found = this.createdOrFail(logicalId, at);
        const value = found.attributes[attribute];
        if (value === undefined) {
          throw new UnresolvableIntrinsicError(
            at,
            `attribute ${attribute} of ${logicalId} (${found.type}) is not known locally`,
          );
        }
        return value;
      },
      condition: (name, at) => this.condition(name, at),
    };
  }

  destroy(): void {
    this.sns.destroy();
    this.sqs.destroy();
    this.dynamodb.destroy();
  }

  async run(): Promise<LocalDeployment> {
    const order = this.order();
    for (const logicalId of order) {
      const resource = this.template.Resources[logicalId] as TemplateResource;
      if (resource.Condition !== undefined && !this.condition(resource.Condition, `${logicalId}.Condition`))
        continue;
      await this.create(logicalId, resource);
    }
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.template.Outputs ?? {})) {
      if (output.Condition !== undefined && !this.condition(output.Condition, `Outputs.${name}.Condition`))
        continue;
      const value = resolveValue(output.Value, this.scope, `Outputs.${name}.Value`);
      if (value === NO_VALUE || (typeof value === 'object' && value !== null)) {
        throw new LocalDeployError(`output ${name} does not resolve to a scalar`);
      }
      outputs[name] = this.localizeUrl(String(value));
    }
    const notEmulated = [...this.result.notEmulated.entries()]
      .map(([type, logicalIds]) => ({
        type,
        count: logicalIds.length,
        logicalIds,
        why: NOT_EMULATED_REASON[type] ?? 'no local emulation for this type',
      }))
      .sort((a, b) => a.type.localeCompare(b.type));
    return {
      stackName: this.artifact.stackName,
      region: this.region,
      accountId: LOCAL_ACCOUNT_ID,
      assemblyDir: this.artifact.assemblyDir,
      templatePath: this.artifact.templatePath,
      topics: this.result.topics,
      queues: this.result.queues,
      subscriptions: this.result.subscriptions,
      tables: this.result.tables,
      functions: this.result.functions,
      eventSourceMappings: this.result.eventSourceMappings,
      httpRoutes: this.result.httpRoutes,
      outputs,
      notEmulated,
      gaps: this.result.gaps,
      order,
    };
  }

  /**
   * An HTTP API's public URL (`https://<apiId>.execute-api.<region>.<suffix>/...`, however the
   * template builds it) becomes the local API server's URL, path kept.
   */
  private localizeUrl(value: string): string {
    const endpoint = this.options.apiEndpoint;
    if (endpoint === undefined) return value;
    let out = value;
    for (const apiId of this.apiIds) {
      out = out.replace(
        `https://${apiId}.execute-api.${this.region}.amazonaws.com`,
        endpoint.replace(/\/$/, ''),
      );
    }
    return out;
  }

  /** A resource already created, or the error naming the place (`at`) that referenced it. */
  private createdOrFail(logicalId: string, at: string): Created {
    const found = this.created.get(logicalId);
    if (found === undefined) {
      const why = this.template.Resources[logicalId] === undefined ? 'not in the template' : 'not created';
      throw new UnresolvableIntrinsicError(at, `resource ${logicalId} is ${why}`);
    }
    return found;
  }

  private condition(name: string, at = `Conditions.${name}`): boolean {
    const cached = this.conditions.get(name);
    if (cached !== undefined) return cached;
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new UnresolvableIntrinsicError(at, `no condition ${name}`);
    const value = resolveValue(definition, this.scope, `Conditions.${name}`) === true;
    this.conditions.set(name, value);
    return value;
  }

  /** Topological order over Ref / GetAtt / Sub references and DependsOn; fails on a cycle. */
  private order(): string[] {
    const resources = this.template.Resources;
    const deps = new Map<string, string[]>();
    for (const [logicalId, resource] of Object.entries(resources)) {
      const refs = new Set<string>();
      for (const [property, value] of Object.entries(resource.Properties ?? {})) {
        const referenced = [...collectReferences(value)].filter(
          (r) => this.template.Parameters?.[r] === undefined,
        );
        const unknown = referenced.filter((r) => resources[r] === undefined);
        if (unknown.length > 0) {
          throw new UnresolvableIntrinsicError(
            `${logicalId}.Properties.${property}`,
            `references ${unknown.join(', ')}, which is not in the template`,
          );
        }
        for (const r of referenced) refs.add(r);
      }
      for (const d of resource.DependsOn === undefined ? [] : [resource.DependsOn].flat()) {
        if (resources[d] === undefined) {
          throw new LocalDeployError(`${logicalId}.DependsOn: ${d} is not in the template`);
        }
        refs.add(d);
      }
      deps.set(logicalId, [...refs]);
    }
    const sorted: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string, path: string[]): void => {
      const s = state.get(id);
      if (s === 'done') return;
      if (s === 'visiting') throw new LocalDeployError(`circular dependency: ${[...path, id].join(' → ')}`);
      state.set(id, 'visiting');
      for (const dep of deps.get(id) ?? []) visit(dep, [...path, id]);
      state.set(id, 'done');
      sorted.push(id);
    };
    for (const id of Object.keys(resources)) visit(id, []);
    return sorted;
  }

  private properties(logicalId: string, resource: TemplateResource): Record<string, ResolvedValue> {
    const resolved = resolveValue(
      (resource.Properties ?? {}) as TemplateValue,
      this.scope,
      `${logicalId}.Properties`,
    );
    return resolved as Record<string, ResolvedValue>;
  }

  private physicalName(logicalId: string, type: string, suffix = ''): string {
    const limit = (NAME_LIMITS[type] ?? 128) - suffix.length;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const random = [...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('');
    const prefix = `${this.artifact.stackName}-`;
    const room = limit - prefix.length - random.length - 1;
    return `${prefix}${logicalId.slice(0, Math.max(1, room))}-${random}${suffix}`;
  }

  private async create(logicalId: string, resource: TemplateResource): Promise<void> {
    switch (resource.Type) {
      case 'AWS::SNS::Topic':
        return this.createTopic(logicalId, resource);
      case 'AWS::SQS::Queue':
        return this.createQueue(logicalId, resource);
      case 'AWS::SNS::Subscription':
        return this.createSubscription(logicalId, resource);
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return this.createTable(logicalId, resource);
      case 'AWS::Lambda::Function':
        return this.recordFunction(logicalId, resource);
      case 'AWS::Lambda::EventSourceMapping':
        return this.recordEventSourceMapping(logicalId, resource);
      case 'AWS::ApiGatewayV2::Route':
        this.recordRoute(logicalId, resource);
        return this.notEmulated(logicalId, resource);
      default:
        return this.notEmulated(logicalId, resource);
    }
  }

  /** Records a type as not emulated and gives it the Ref/GetAtt values CloudFormation would. */
  private notEmulated(logicalId: string, resource: TemplateResource): void {
    const list = this.result.notEmulated.get(resource.Type) ?? [];
    list.push(logicalId);
    this.result.notEmulated.set(resource.Type, list);
    const region = this.region;
    const account = LOCAL_ACCOUNT_ID;
    const id = randomUUID();
    let ref = `${logicalId}-${id.slice(0, 8)}`;
    const attributes: Record<string, ResolvedValue> = {};
    switch (resource.Type) {
      case 'AWS::IAM::Role': {
        ref = this.physicalName(logicalId, resource.Type);
        attributes.Arn = `arn:aws:iam::${account}:role/${ref}`;
        attributes.RoleId = `AROA${id.replace(/-/g, '').slice(0, 17).toUpperCase()}`;
        break;
      }
      case 'AWS::IAM::ManagedPolicy':
        ref = `arn:aws:iam::${account}:policy/${this.physicalName(logicalId, resource.Type)}`;
        attributes.PolicyArn = ref;
        break;
      case 'AWS::KMS::Key':
        ref = id;
        attributes.Arn = `arn:aws:kms:${region}:${account}:key/${id}`;
        attributes.KeyId = id;
        break;
      case 'AWS::Logs::LogGroup':
        ref = this.physicalName(logicalId, resource.Type);
        attributes.Arn = `arn:aws:logs:${region}:${account}:log-group:${ref}:*`;
        break;
      case 'AWS::CloudWatch::Alarm':
        ref = this.physicalName(logicalId, resource.Type);
        attributes.Arn = `arn:aws:cloudwatch:${region}:${account}:alarm:${ref}`;
        break;
      case 'AWS::CloudWatch::Dashboard':
        ref = this.physicalName(logicalId, resource.Type);
        break;
      case 'AWS::ApiGatewayV2::Api': {
        ref = id.replace(/-/g, '').slice(0, 10);
        attributes.ApiId = ref;
        this.apiIds.push(ref);
        attributes.ApiEndpoint =
          this.options.apiEndpoint ?? `https://${ref}.execute-api.${region}.amazonaws.com`;
        break;
      }
      case 'AWS::ApiGatewayV2::Stage':
        ref = '$default';
        break;
    }
    this.created.set(logicalId, { type: resource.Type, ref, attributes });
  }

  private async createTopic(logicalId: string, resource: TemplateResource): Promise<void> {
    const p = this.properties(logicalId, resource);
    const fifo = p.FifoTopic === true || p.FifoTopic === 'true';
    const name =
      typeof p.TopicName === 'string'
        ? p.TopicName
        : this.physicalName(logicalId, resource.Type, fifo ? '.fifo' : '');
    const attributes: Record<string, string> = {};
    if (fifo) attributes.FifoTopic = 'true';
    if (p.ContentBasedDeduplication !== undefined)
      attributes.ContentBasedDeduplication = String(p.ContentBasedDeduplication);
    if (typeof p.KmsMasterKeyId === 'string') attributes.KmsMasterKeyId = p.KmsMasterKeyId;
    if (typeof p.DisplayName === 'string') attributes.DisplayName = p.DisplayName;
    const created = await this.sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
    const arn = required(created.TopicArn, `${logicalId}: CreateTopic returned no ARN`);
    if (Array.isArray(p.Subscription) && p.Subscription.length > 0) {
      throw new LocalDeployError(
        `${logicalId}.Properties.Subscription: inline subscriptions are not supported locally`,
      );
    }
    if (p.KmsMasterKeyId !== undefined)
      this.gap(`${logicalId}: KmsMasterKeyId accepted, no encryption (no KMS)`);
    if (p.ArchivePolicy !== undefined)
      this.gap(
        `${logicalId}: ArchivePolicy accepted, no archive (fauxqs has no SNS message archiving or replay)`,
      );
    this.created.set(logicalId, {
      type: resource.Type,
      ref: arn,
      attributes: { TopicArn: arn, TopicName: name },
    });
    this.result.topics.push({ logicalId, name, arn });
  }

  private async createQueue(logicalId: string, resource: TemplateResource): Promise<void> {
    const p = this.properties(logicalId, resource);
    const fifo = p.FifoQueue === true || p.FifoQueue === 'true';
    const name =
      typeof p.QueueName === 'string'
        ? p.QueueName
        : this.physicalName(logicalId, resource.Type, fifo ? '.fifo' : '');
    const attributes: Record<string, string> = {};
    const plain = [
      'DelaySeconds',
      'MaximumMessageSize',
      'MessageRetentionPeriod',
      'ReceiveMessageWaitTimeSeconds',
      'VisibilityTimeout',
      'ContentBasedDeduplication',
      'DeduplicationScope',
      'FifoThroughputLimit',
      'KmsMasterKeyId',
      'KmsDataKeyReusePeriodSeconds',
      'SqsManagedSseEnabled',
    ];
    for (const key of plain) if (p[key] !== undefined) attributes[key] = String(p[key]);
    if (fifo) attributes.FifoQueue = 'true';
    for (const key of ['RedrivePolicy', 'RedriveAllowPolicy']) {
      const value = p[key];
      if (value !== undefined) attributes[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    const eventSource = this.eventSourceOf(logicalId);
    Object.assign(
      attributes,
      this.options.queueAttributeOverrides?.({
        logicalId,
        attributes: { ...attributes },
        ...(eventSource ? { eventSource } : {}),
      }),
    );
    const tags = Array.isArray(p.Tags)
      ? Object.fromEntries(
          (p.Tags as Array<{ Key?: ResolvedValue; Value?: ResolvedValue }>).map((t) => [
            String(t.Key),
            String(t.Value),
          ]),
        )
      : undefined;
    const created = await this.sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes, ...(tags ? { tags } : {}) }),
    );
    const url = required(created.QueueUrl, `${logicalId}: CreateQueue returned no URL`);
    const read = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn = required(read.Attributes?.QueueArn, `${logicalId}: no QueueArn`);
    this.created.set(logicalId, {
      type: resource.Type,
      ref: url,
      attributes: { Arn: arn, QueueName: name, QueueUrl: url },
    });
    this.result.queues.push({ logicalId, name, url, arn, attributes });
  }

  private async createSubscription(logicalId: string, resource: TemplateResource): Promise<void> {
    const p = this.properties(logicalId, resource);
    const topicArn = expectString(p.TopicArn, `${logicalId}.Properties.TopicArn`);
    const endpoint = expectString(p.Endpoint, `${logicalId}.Properties.Endpoint`);
    const protocol = expectString(p.Protocol, `${logicalId}.Properties.Protocol`);
    if (protocol !== 'sqs') {
      throw new LocalDeployError(
        `${logicalId}.Properties.Protocol: only sqs subscriptions are emulated (got ${protocol})`,
      );
    }
    const attributes: Record<string, string> = {};
    if (p.RawMessageDelivery !== undefined) attributes.RawMessageDelivery = String(p.RawMessageDelivery);
    if (p.FilterPolicy !== undefined) {
      attributes.FilterPolicy =
        typeof p.FilterPolicy === 'string' ? p.FilterPolicy : JSON.stringify(p.FilterPolicy);
    }
    if (typeof p.FilterPolicyScope === 'string') attributes.FilterPolicyScope = p.FilterPolicyScope;
    if (p.RedrivePolicy !== undefined) {
      attributes.RedrivePolicy =
        typeof p.RedrivePolicy === 'string' ? p.RedrivePolicy : JSON.stringify(p.RedrivePolicy);
      this.gap(
        `${logicalId}: subscription RedrivePolicy stored but not enforced by fauxqs (undeliverable messages are not moved to the subscription DLQ)`,
      );
    }
    const created = await this.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: protocol,
        Endpoint: endpoint,
        Attributes: attributes,
        ReturnSubscriptionArn: true,
      }),
    );
    const arn = required(created.SubscriptionArn, `${logicalId}: Subscribe returned no ARN`);
    this.created.set(logicalId, { type: resource.Type, ref: arn, attributes: {} });
    this.result.subscriptions.push({ logicalId, arn, topicArn, endpoint });
  }

  private async createTable(logicalId: string, resource: TemplateResource): Promise<void> {
    const p = this.properties(logicalId, resource);
    const name = typeof p.TableName === 'string' ? p.TableName : this.physicalName(logicalId, resource.Type);
    const billing = typeof p.BillingMode === 'string' ? p.BillingMode : 'PROVISIONED';
    const input = {
      TableName: name,
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: billing,
      ...(billing === 'PROVISIONED'
        ? {
            ProvisionedThroughput: p.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
          }
        : {}),
      ...(p.GlobalSecondaryIndexes !== undefined ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
      ...(p.LocalSecondaryIndexes !== undefined ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes } : {}),
      ...(p.StreamSpecification !== undefined
        ? { StreamSpecification: { StreamEnabled: true, ...(p.StreamSpecification as object) } }
        : {}),
    } as unknown as CreateTableCommandInput;
    const created = await this.dynamodb.send(new CreateTableCommand(input));
    // CloudFormation completes a table only once it is ACTIVE; CreateTable answers while it is still
    // CREATING (dynalite flips it on a timer), and item calls before then fail.
    await waitUntilTableExists(
      { client: this.dynamodb, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
      { TableName: name },
    );
    const arn =
      created.TableDescription?.TableArn ??
      `arn:aws:dynamodb:${this.region}:${LOCAL_ACCOUNT_ID}:table/${name}`;
    const attributes: Record<string, ResolvedValue> = { Arn: arn };
    if (created.TableDescription?.LatestStreamArn !== undefined)
      attributes.StreamArn = created.TableDescription.LatestStreamArn;
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    let ttlAttribute: string | undefined;
    if (ttl?.Enabled === true && typeof ttl.AttributeName === 'string') {
      ttlAttribute = ttl.AttributeName;
      try {
        await this.dynamodb.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      } catch (error) {
        this.gap(
          `${logicalId}: TTL on '${ttl.AttributeName}' not applied (${(error as Error).name}: dynalite has no UpdateTimeToLive); expired items stay until the process ends`,
        );
      }
    }
    if (p.PointInTimeRecoverySpecification !== undefined) {
      this.gap(`${logicalId}: PointInTimeRecovery not emulated (in-memory tables)`);
    }
    this.created.set(logicalId, { type: resource.Type, ref: name, attributes });
    this.result.tables.push({
      logicalId,
      name,
      arn,
      ...(ttlAttribute !== undefined ? { ttlAttribute } : {}),
    });
  }

  private recordFunction(logicalId: string, resource: TemplateResource): void {
    const p = this.properties(logicalId, resource);
    const assetPath = resource.Metadata?.['aws:asset:path'];
    const name =
      typeof p.FunctionName === 'string' ? p.FunctionName : this.physicalName(logicalId, resource.Type);
    const arn = `arn:aws:lambda:${this.region}:${LOCAL_ACCOUNT_ID}:function:${name}`;
    if (typeof assetPath !== 'string') {
      // Inline code (e.g. a CDK provider's ZipFile): nothing to run locally. Reported; an event
      // source mapping or route that points at it fails the deploy with the function named.
      const list = this.result.notEmulated.get(NO_ASSET) ?? [];
      list.push(logicalId);
      this.result.notEmulated.set(NO_ASSET, list);
      this.created.set(logicalId, { type: resource.Type, ref: name, attributes: { Arn: arn } });
      return;
    }
    const variables =
      (p.Environment as { Variables?: Record<string, ResolvedValue> } | undefined)?.Variables ?? {};
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(variables)) {
      if (typeof value === 'object' && value !== null) {
        throw new LocalDeployError(`${logicalId}.Properties.Environment.Variables.${key}: not a scalar`);
      }
      environment[key] = String(value);
    }
    const fn: LocalFunction = {
      logicalId,
      name,
      arn,
      handler: typeof p.Handler === 'string' ? p.Handler : 'index.handler',
      runtime: typeof p.Runtime === 'string' ? p.Runtime : 'nodejs',
      timeoutSeconds: typeof p.Timeout === 'number' ? p.Timeout : 3,
      memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : 128,
      assetDir: join(this.artifact.assemblyDir, assetPath),
      environment,
    };
    this.created.set(logicalId, { type: resource.Type, ref: name, attributes: { Arn: arn } });
    this.result.functions.push(fn);
  }

  private recordEventSourceMapping(logicalId: string, resource: TemplateResource): void {
    const p = this.properties(logicalId, resource);
    const sourceArn = expectString(p.EventSourceArn, `${logicalId}.Properties.EventSourceArn`);
    const queue = this.result.queues.find((q) => q.arn === sourceArn);
    if (queue === undefined) {
      throw new LocalDeployError(
        `${logicalId}.Properties.EventSourceArn: ${sourceArn} is not a queue of this stack`,
      );
    }
    const functionName = expectString(p.FunctionName, `${logicalId}.Properties.FunctionName`);
    const fn = this.result.functions.find((f) => f.name === functionName || f.arn === functionName);
    if (fn === undefined) {
      throw new LocalDeployError(
        `${logicalId}.Properties.FunctionName: ${functionName} is not a function with a bundled asset in this stack`,
      );
    }
    const uuid = randomUUID();
    const scaling = p.ScalingConfig as { MaximumConcurrency?: number } | undefined;
    const responseTypes = Array.isArray(p.FunctionResponseTypes) ? p.FunctionResponseTypes : [];
    for (const unsupported of ['FilterCriteria', 'MetricsConfig']) {
      if (p[unsupported] !== undefined)
        this.gap(`${logicalId}: ${unsupported} not applied by the local runner`);
    }
    this.result.eventSourceMappings.push({
      logicalId,
      uuid,
      functionLogicalId: fn.logicalId,
      queueArn: queue.arn,
      queueUrl: queue.url,
      batchSize: typeof p.BatchSize === 'number' ? p.BatchSize : 10,
      maximumBatchingWindowInSeconds:
        typeof p.MaximumBatchingWindowInSeconds === 'number' ? p.MaximumBatchingWindowInSeconds : 0,
      reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
      maximumConcurrency: scaling?.MaximumConcurrency,
      enabled: p.Enabled !== false && p.Enabled !== 'false',
    });
    this.created.set(logicalId, { type: resource.Type, ref: uuid, attributes: { Id: uuid } });
  }

  private recordRoute(logicalId: string, resource: TemplateResource): void {
    const p = this.properties(logicalId, resource);
    const routeKey = expectString(p.RouteKey, `${logicalId}.Properties.RouteKey`);
    const target = typeof p.Target === 'string' ? p.Target : '';
    const integrationRef = target.replace(/^integrations\//, '');
    const integrationId = [...this.created.entries()].find(([, c]) => c.ref === integrationRef)?.[0];
    const integration = integrationId === undefined ? undefined : this.template.Resources[integrationId];
    if (integrationId === undefined || integration?.Type !== 'AWS::ApiGatewayV2::Integration') {
      throw new LocalDeployError(
        `${logicalId}.Properties.Target: ${target} is not an integration of this stack`,
      );
    }
    const ip = this.properties(integrationId, integration);
    const uri = expectString(ip.IntegrationUri, `${integrationId}.Properties.IntegrationUri`);
    const fn = this.result.functions.find((f) => uri === f.arn || uri.includes(`${f.arn}/invocations`));
    if (fn === undefined || ip.IntegrationType !== 'AWS_PROXY') {
      throw new LocalDeployError(`${integrationId}: only Lambda proxy integrations are served locally`);
    }
    this.result.httpRoutes.push({
      routeKey,
      functionLogicalId: fn.logicalId,
      payloadFormatVersion: typeof ip.PayloadFormatVersion === 'string' ? ip.PayloadFormatVersion : '2.0',
    });
  }

  /** The mapping reading a queue, looked up in the raw template (mappings are created after queues). */
  private eventSourceOf(queueLogicalId: string): QueueOverrideContext['eventSource'] {
    for (const resource of Object.values(this.template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
      const props = resource.Properties ?? {};
      const source = props.EventSourceArn as { 'Fn::GetAtt'?: TemplateValue } | undefined;
      const getAtt = source?.['Fn::GetAtt'];
      if (!Array.isArray(getAtt) || getAtt[0] !== queueLogicalId) continue;
      const fnRef = (props.FunctionName as { Ref?: string } | undefined)?.Ref;
      const fn = fnRef === undefined ? undefined : this.template.Resources[fnRef];
      const timeout = fn?.Properties?.Timeout;
      const window = props.MaximumBatchingWindowInSeconds;
      return {
        batchingWindowSeconds: typeof window === 'number' ? window : 0,
        functionTimeoutSeconds: typeof timeout === 'number' ? timeout : 3,
      };
    }
    return undefined;
  }

  private gap(message: string): void {
    this.result.gaps.push(message);
  }
}

function expectString(value: ResolvedValue | undefined, at: string): string {
  if (typeof value !== 'string')
    throw new LocalDeployError(`${at}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new LocalDeployError(message);
  return value;
}
