/**
 * The provider registry: one provider per type, a type without one reported (not dropped) with the
 * reason, and the default registry covering every type the runtime's README lists.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Template } from '../../../local/assembly.ts';
import { LocalDeployError } from '../../../local/deploy/deployment.ts';
import { deployTemplate } from '../../../local/deploy/engine.ts';
import type { ResourceProvider } from '../../../local/deploy/provider.ts';
import { defaultRegistry, ProviderRegistry, UNSUPPORTED_REASON } from '../../../local/deploy/registry.ts';

const noEmulator = (service: string): never => {
  throw new Error(`no emulator in this test (asked for ${service})`);
};

function deploy(template: Template, registry: ProviderRegistry) {
  return deployTemplate({
    artifact: { stackName: 'Unit', assemblyDir: '/nowhere', templatePath: '/nowhere/t.json', template },
    region: 'us-east-1',
    accountId: '123456789012',
    clientConfig: noEmulator,
    registry,
  });
}

describe('provider registry', () => {
  it('reports a type without a provider as not emulated, with the reason, and still gives it a Ref', async () => {
    const template = {
      Resources: {
        Odd1: { Type: 'Vendor::Odd::Thing' },
        Odd2: { Type: 'Vendor::Odd::Thing' },
        Meta: { Type: 'AWS::CDK::Metadata' },
      },
      Outputs: { OddRef: { Value: { Ref: 'Odd1' } } },
    } as Template;
    const deployment = await deploy(template, defaultRegistry());
    expect(deployment.notEmulated).toEqual([
      { type: 'AWS::CDK::Metadata', count: 1, logicalIds: ['Meta'], why: 'CDK bookkeeping' },
      { type: 'Vendor::Odd::Thing', count: 2, logicalIds: ['Odd1', 'Odd2'], why: UNSUPPORTED_REASON },
    ]);
    expect(deployment.outputs.OddRef).toMatch(/^Odd1-[0-9a-f]{8}$/);
  });

  it('fails, naming the resource, where a value of an unsupported type is needed', async () => {
    const template = {
      Resources: { Odd: { Type: 'Vendor::Odd::Thing' } },
      Outputs: { Arn: { Value: { 'Fn::GetAtt': ['Odd', 'Arn'] } } },
    } as Template;
    await expect(deploy(template, defaultRegistry())).rejects.toThrow(
      'attribute Arn of Odd (Vendor::Odd::Thing) is not known locally',
    );
  });

  it('stands in for IAM and KMS with the Ref and attributes CloudFormation gives them', async () => {
    const template = {
      Resources: { Role: { Type: 'AWS::IAM::Role' }, Key: { Type: 'AWS::KMS::Key' } },
      Outputs: {
        RoleArn: { Value: { 'Fn::GetAtt': ['Role', 'Arn'] } },
        KeyArn: { Value: { 'Fn::GetAtt': ['Key', 'Arn'] } },
        KeyRef: { Value: { Ref: 'Key' } },
      },
    } as Template;
    const { outputs } = await deploy(template, defaultRegistry());
    expect(outputs.RoleArn).toMatch(/^arn:aws:iam::123456789012:role\/Unit-Role-[A-Z0-9]{12}$/);
    expect(outputs.KeyArn).toBe(`arn:aws:kms:us-east-1:123456789012:key/${outputs.KeyRef}`);
  });

  it('refuses two providers for one type', () => {
    const provider: ResourceProvider = { types: ['Test::A'], provide: () => ({ ref: 'a', attributes: {} }) };
    expect(() => new ProviderRegistry([provider, provider])).toThrow(LocalDeployError);
    expect(() => new ProviderRegistry([provider, provider])).toThrow('two providers for Test::A');
  });

  it('fails on a dependency cycle through the default registry as well', async () => {
    const template = {
      Resources: {
        Q1: {
          Type: 'AWS::SQS::Queue',
          Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Q2', 'Arn'] } } },
        },
        Q2: {
          Type: 'AWS::SQS::Queue',
          Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Q1', 'Arn'] } } },
        },
      },
    } as Template;
    // Fails in the ordering, before any provider asks for an emulator client.
    await expect(deploy(template, defaultRegistry())).rejects.toThrow('circular dependency: Q1 → Q2 → Q1');
  });

  it('creates the types the runtime README says it supports', () => {
    const readme = readFileSync('local/README.md', 'utf8');
    const created = defaultRegistry().types.filter(
      (type) => defaultRegistry().providerFor(type).notEmulated === undefined,
    );
    expect(created).toEqual([
      'AWS::DynamoDB::GlobalTable',
      'AWS::DynamoDB::Table',
      'AWS::Lambda::EventSourceMapping',
      'AWS::Lambda::Function',
      'AWS::SNS::Subscription',
      'AWS::SNS::Topic',
      'AWS::SQS::Queue',
    ]);
    for (const type of defaultRegistry().types) expect(readme).toContain(`\`${type}\``);
  });
});
