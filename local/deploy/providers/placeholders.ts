/**
 * Types the emulators do not have, stood in for: each gets the `Ref` and `Fn::GetAtt` values
 * CloudFormation would give it (so the resources that reference it resolve) and is listed in the
 * deploy report with the reason it is not emulated.
 */
import { randomUUID } from 'node:crypto';
import type { ResolvedValue } from '../../intrinsics.ts';
import type { DeployContext, ProvidedResource, ResourceProvider } from '../provider.ts';

/** A placeholder's `Ref` and attributes, built from a fresh id. */
type Placeholder = (context: DeployContext, logicalId: string, type: string, id: string) => ProvidedResource;

/** `<logicalId>-<8 hex>`, no attributes: what a type without a specific placeholder gets. */
export const opaquePlaceholder: Placeholder = (_context, logicalId, _type, id) => ({
  ref: `${logicalId}-${id.slice(0, 8)}`,
  attributes: {},
});

/** A stand-in provider for `type`. */
export function placeholderProvider(
  type: string,
  why: string,
  placeholder: Placeholder = opaquePlaceholder,
): ResourceProvider {
  return {
    types: [type],
    notEmulated: why,
    provide: (context, logicalId) => placeholder(context, logicalId, type, randomUUID()),
  };
}

/** A physically named placeholder with an `Arn` attribute built from the name. */
function named(arn: (context: DeployContext, name: string) => string): Placeholder {
  return (context, logicalId, type) => {
    const name = context.physicalName(logicalId, type);
    const attributes: Record<string, ResolvedValue> = { Arn: arn(context, name) };
    return { ref: name, attributes };
  };
}

const NO_IAM = 'no IAM in the emulators: every call is allowed';
const NO_RESOURCE_POLICIES = 'resource policies are not enforced by fauxqs';

/** Every stand-in the default registry knows, with its reason. */
export const placeholderProviders: readonly ResourceProvider[] = [
  placeholderProvider('AWS::IAM::Role', NO_IAM, (context, logicalId, type, id) => {
    const name = context.physicalName(logicalId, type);
    return {
      ref: name,
      attributes: {
        Arn: `arn:aws:iam::${context.accountId}:role/${name}`,
        RoleId: `AROA${id.replace(/-/g, '').slice(0, 17).toUpperCase()}`,
      },
    };
  }),
  placeholderProvider('AWS::IAM::Policy', NO_IAM),
  placeholderProvider('AWS::IAM::ManagedPolicy', NO_IAM, (context, logicalId, type) => {
    const arn = `arn:aws:iam::${context.accountId}:policy/${context.physicalName(logicalId, type)}`;
    return { ref: arn, attributes: { PolicyArn: arn } };
  }),
  placeholderProvider(
    'AWS::KMS::Key',
    'no KMS: encryption settings are accepted, not applied',
    (context, _l, _t, id) => ({
      ref: id,
      attributes: { Arn: `arn:aws:kms:${context.region}:${context.accountId}:key/${id}`, KeyId: id },
    }),
  ),
  placeholderProvider('AWS::KMS::Alias', 'no KMS'),
  placeholderProvider('AWS::SQS::QueuePolicy', NO_RESOURCE_POLICIES),
  placeholderProvider('AWS::SNS::TopicPolicy', NO_RESOURCE_POLICIES),
  placeholderProvider('AWS::Lambda::Permission', 'no IAM: the local runner and API server invoke directly'),
  placeholderProvider(
    'AWS::CloudWatch::Alarm',
    'no CloudWatch: the runner counts the EMF metrics instead',
    named((c, name) => `arn:aws:cloudwatch:${c.region}:${c.accountId}:alarm:${name}`),
  ),
  placeholderProvider('AWS::CloudWatch::Dashboard', 'no CloudWatch', (context, logicalId, type) => ({
    ref: context.physicalName(logicalId, type),
    attributes: {},
  })),
  placeholderProvider(
    'AWS::Logs::LogGroup',
    'no CloudWatch Logs: worker output is captured by the runner',
    named((c, name) => `arn:aws:logs:${c.region}:${c.accountId}:log-group:${name}:*`),
  ),
  placeholderProvider('AWS::CDK::Metadata', 'CDK bookkeeping'),
];
