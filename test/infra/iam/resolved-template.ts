/**
 * A synthesized template as CloudFormation would deploy it into one fixed account and region:
 * every intrinsic resolved (with the local runtime's resolver, local/intrinsics.ts), every
 * resource given the physical name and ARN CloudFormation would give it, and every policy of the
 * template indexed by what it governs (role → identity policies, queue/topic/key/function →
 * resource policy). The policy evaluator (./policy-evaluator.ts) reads only this.
 */
import {
  type ResolvedValue,
  type ResolveScope,
  resolveValue,
  type TemplateValue,
  UnresolvableIntrinsicError,
} from '../../../local/intrinsics.ts';

/** The account every test template is resolved into. */
export const ACCOUNT = '111122223333';
/** The region every test template is resolved into. */
export const REGION = 'eu-west-1';
/** Another account, for cross-account negative checks. */
export const OTHER_ACCOUNT = '444455556666';

/** An IAM policy document after resolution. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatementJson[];
}

/** One statement of a resolved policy document. */
export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

/** A resource of the deployed template. */
export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  /** Properties with every intrinsic resolved. */
  readonly properties: Record<string, ResolvedValue>;
  /** `Ref` value. */
  readonly ref: string;
  /** ARN, for types that have one. */
  readonly arn?: string;
  readonly deletionPolicy?: string;
}

/** A raw template as produced by `Template.toJSON()` or read from cdk.out. */
export interface RawTemplate {
  readonly Parameters?: Record<string, { Default?: TemplateValue }>;
  readonly Conditions?: Record<string, TemplateValue>;
  readonly Mappings?: Record<string, TemplateValue>;
  readonly Resources: Record<
    string,
    { Type: string; Properties?: Record<string, TemplateValue>; DeletionPolicy?: string }
  >;
}

const arnOf = (service: string, resource: string, region = REGION): string =>
  `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;

/** Physical name CloudFormation generates when the template names none (stable, readable). */
function physicalName(
  logicalId: string,
  props: Record<string, TemplateValue>,
  nameProperty?: string,
): string {
  const given = nameProperty === undefined ? undefined : props[nameProperty];
  if (typeof given === 'string') return given;
  const fifo = props.FifoQueue === true || props.FifoTopic === true;
  return `${logicalId}${fifo ? '.fifo' : ''}`;
}

interface Identity {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

function identityOf(logicalId: string, type: string, props: Record<string, TemplateValue>): Identity {
  switch (type) {
    case 'AWS::SNS::Topic': {
      const name = physicalName(logicalId, props, 'TopicName');
      const arn = arnOf('sns', name);
      return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
    }
    case 'AWS::SQS::Queue': {
      const name = physicalName(logicalId, props, 'QueueName');
      const url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
      return { ref: url, attributes: { Arn: arnOf('sqs', name), QueueName: name, QueueUrl: url } };
    }
    case 'AWS::KMS::Key': {
      const id = `key-${logicalId.toLowerCase()}`;
      return { ref: id, attributes: { Arn: arnOf('kms', `key/${id}`), KeyId: id } };
    }
    case 'AWS::DynamoDB::Table': {
      const name = physicalName(logicalId, props, 'TableName');
      const arn = arnOf('dynamodb', `table/${name}`);
      return { ref: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/2026-01-01T00:00:00.000` } };
    }
    case 'AWS::IAM::Role': {
      const name = physicalName(logicalId, props, 'RoleName');
      return {
        ref: name,
        attributes: { Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, RoleId: `AROA${logicalId}` },
      };
    }
    case 'AWS::Lambda::Function': {
      const name = physicalName(logicalId, props, 'FunctionName');
      return { ref: name, attributes: { Arn: arnOf('lambda', `function:${name}`) } };
    }
    case 'AWS::Logs::LogGroup': {
      const name = physicalName(logicalId, props, 'LogGroupName');
      return { ref: name, attributes: { Arn: arnOf('logs', `log-group:${name}:*`) } };
    }
    case 'AWS::CloudWatch::Alarm': {
      const name = physicalName(logicalId, props, 'AlarmName');
      return { ref: name, attributes: { Arn: arnOf('cloudwatch', `alarm:${name}`) } };
    }
    case 'AWS::ApiGatewayV2::Api': {
      const id = logicalId.toLowerCase().slice(0, 10);
      return {
        ref: id,
        attributes: { ApiId: id, ApiEndpoint: `https://${id}.execute-api.${REGION}.amazonaws.com` },
      };
    }
    case 'AWS::SNS::Subscription':
      return { ref: arnOf('sns', `${logicalId}:subscription`), attributes: {} };
    default:
      return { ref: logicalId, attributes: {} };
  }
}

/** Tells which attribute holds the ARN of a type (for {@link DeployedResource.arn}). */
const ARN_ATTRIBUTE: Readonly<Record<string, string>> = {
  'AWS::SNS::Topic': 'TopicArn',
  'AWS::SQS::Queue': 'Arn',
  'AWS::KMS::Key': 'Arn',
  'AWS::DynamoDB::Table': 'Arn',
  'AWS::IAM::Role': 'Arn',
  'AWS::Lambda::Function': 'Arn',
  'AWS::Logs::LogGroup': 'Arn',
  'AWS::CloudWatch::Alarm': 'Arn',
};

/** The template, deployed on paper into {@link ACCOUNT}/{@link REGION}. */
export class ResolvedTemplate {
  /** Every resource by logical id. */
  readonly resources: ReadonlyMap<string, DeployedResource>;

  constructor(template: RawTemplate, stackName = 'OrderEvents-test') {
    const identities = new Map<string, Identity & { type: string }>();
    for (const [id, r] of Object.entries(template.Resources)) {
      identities.set(id, { ...identityOf(id, r.Type, r.Properties ?? {}), type: r.Type });
    }
    const conditionCache = new Map<string, boolean>();
    const scope: ResolveScope = {
      pseudo: {
        'AWS::AccountId': ACCOUNT,
        'AWS::Region': REGION,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
        'AWS::StackName': stackName,
        'AWS::StackId': arnOf('cloudformation', `stack/${stackName}/00000000-0000-0000-0000-000000000000`),
      },
      parameters: Object.fromEntries(
        Object.entries(template.Parameters ?? {}).map(([k, p]) => [k, String(p.Default ?? '')]),
      ),
      mappings: template.Mappings ?? {},
      ref: (logicalId, at) => {
        const found = identities.get(logicalId);
        if (found === undefined) throw new UnresolvableIntrinsicError(at, `no resource ${logicalId}`);
        return found.ref;
      },
      getAtt: (logicalId, attribute, at) => {
        const value = identities.get(logicalId)?.attributes[attribute];
        if (value === undefined)
          throw new UnresolvableIntrinsicError(at, `no attribute ${logicalId}.${attribute}`);
        return value;
      },
      condition: (name, at) => {
        const cached = conditionCache.get(name);
        if (cached !== undefined) return cached;
        const definition = template.Conditions?.[name];
        if (definition === undefined) throw new UnresolvableIntrinsicError(at, `no condition ${name}`);
        const value = resolveValue(definition, scope, `Conditions.${name}`) === true;
        conditionCache.set(name, value);
        return value;
      },
    };
    const resources = new Map<string, DeployedResource>();
    for (const [id, r] of Object.entries(template.Resources)) {
      const identity = identities.get(id) as Identity;
      const arnAttribute = ARN_ATTRIBUTE[r.Type];
      resources.set(id, {
        logicalId: id,
        type: r.Type,
        properties: resolveValue(r.Properties ?? {}, scope, id) as Record<string, ResolvedValue>,
        ref: identity.ref,
        ...(arnAttribute === undefined ? {} : { arn: identity.attributes[arnAttribute] as string }),
        ...(r.DeletionPolicy === undefined ? {} : { deletionPolicy: r.DeletionPolicy }),
      });
    }
    this.resources = resources;
  }

  /** Resources of one type. */
  ofType(type: string): DeployedResource[] {
    return [...this.resources.values()].filter((r) => r.type === type);
  }

  /** The resource with this logical id (throws when absent). */
  get(logicalId: string): DeployedResource {
    const found = this.resources.get(logicalId);
    if (found === undefined) throw new Error(`no resource ${logicalId} in the template`);
    return found;
  }

  /** The resource whose ARN is `arn` (throws when absent). */
  byArn(arn: string): DeployedResource {
    const found = [...this.resources.values()].find((r) => r.arn === arn);
    if (found === undefined) throw new Error(`no resource with ARN ${arn} in the template`);
    return found;
  }

  /** Identity policies of a role: its inline Policies and every AWS::IAM::Policy attached to it. */
  identityPolicies(roleArn: string): { name: string; policy: PolicyDocument }[] {
    const role = this.byArn(roleArn);
    if (role.type !== 'AWS::IAM::Role') throw new Error(`${roleArn} is not a role`);
    if (Array.isArray(role.properties.ManagedPolicyArns) && role.properties.ManagedPolicyArns.length > 0) {
      throw new Error(`${role.logicalId} has managed policies, which the evaluator does not load`);
    }
    const inline = (
      (role.properties.Policies ?? []) as unknown as { PolicyName: string; PolicyDocument: PolicyDocument }[]
    ).map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument }));
    const attached = this.ofType('AWS::IAM::Policy')
      .filter((p) => (p.properties.Roles as string[] | undefined)?.includes(role.ref) === true)
      .map((p) => ({ name: p.logicalId, policy: p.properties.PolicyDocument as unknown as PolicyDocument }));
    return [...inline, ...attached];
  }

  /**
   * The resource-based policy that governs `arn`: a queue's AWS::SQS::QueuePolicy, a topic's
   * AWS::SNS::TopicPolicy, a key's KeyPolicy, a function's AWS::Lambda::Permission statements.
   * Undefined when the resource has none (DynamoDB tables here, log groups).
   */
  resourcePolicy(arn: string): PolicyDocument | undefined {
    const target = this.byArn(arn);
    switch (target.type) {
      case 'AWS::SQS::Queue':
        return this.attachedPolicy('AWS::SQS::QueuePolicy', 'Queues', target.ref);
      case 'AWS::SNS::Topic':
        return this.attachedPolicy('AWS::SNS::TopicPolicy', 'Topics', target.ref);
      case 'AWS::KMS::Key':
        return target.properties.KeyPolicy as unknown as PolicyDocument;
      case 'AWS::Lambda::Function': {
        const statements = this.ofType('AWS::Lambda::Permission')
          .filter((p) => p.properties.FunctionName === target.arn || p.properties.FunctionName === target.ref)
          .map((p) => lambdaPermissionStatement(p, target.arn as string));
        return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
      }
      default:
        return undefined;
    }
  }

  private attachedPolicy(type: string, listProperty: string, ref: string): PolicyDocument | undefined {
    const policies = this.ofType(type).filter((p) => (p.properties[listProperty] as string[]).includes(ref));
    if (policies.length > 1)
      throw new Error(`${ref} has ${policies.length} ${type}s; the last one deployed wins`);
    return policies[0]?.properties.PolicyDocument as unknown as PolicyDocument | undefined;
  }
}

/** The statement Lambda adds to the function policy for an AWS::Lambda::Permission. */
function lambdaPermissionStatement(permission: DeployedResource, functionArn: string): PolicyStatementJson {
  const p = permission.properties;
  const principal = String(p.Principal);
  const conditions: Record<string, Record<string, string>> = {};
  if (typeof p.SourceArn === 'string') conditions.ArnLike = { 'aws:SourceArn': p.SourceArn };
  if (typeof p.SourceAccount === 'string') conditions.StringEquals = { 'aws:SourceAccount': p.SourceAccount };
  return {
    Sid: permission.logicalId,
    Effect: 'Allow',
    Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
    Action: String(p.Action),
    Resource: functionArn,
    ...(Object.keys(conditions).length === 0 ? {} : { Condition: conditions }),
  };
}
