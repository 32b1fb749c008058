/**
 * The deploy engine on small hand-written templates, through a registry of one test provider: the
 * order follows references and DependsOn (not the file order), conditions remove resources and pick
 * `Fn::If` branches, outputs resolve (or fail naming the output), and a cycle or a dangling
 * reference fails before anything is provided. No emulator: the test provider creates nothing.
 */
import { describe, expect, it } from 'vitest';
import type { StackArtifact, Template } from '../../../local/assembly.ts';
import type { LocalDeployment } from '../../../local/deploy/deployment.ts';
import { deploymentOrder, deployTemplate } from '../../../local/deploy/engine.ts';
import type { ResourceProvider } from '../../../local/deploy/provider.ts';
import { ProviderRegistry } from '../../../local/deploy/registry.ts';
import type { ResolvedValue } from '../../../local/intrinsics.ts';

const THING = 'Test::Thing';

/** Provides `Test::Thing`: Ref `thing-<id>`, attributes `Name` and `Echo` (its `Value`, resolved). */
function thingRegistry(): {
  registry: ProviderRegistry;
  provided: Array<[string, Record<string, ResolvedValue>]>;
} {
  const provided: Array<[string, Record<string, ResolvedValue>]> = [];
  const provider: ResourceProvider = {
    types: [THING],
    provide(context, logicalId, resource) {
      const properties = context.properties(logicalId, resource);
      provided.push([logicalId, properties]);
      return {
        ref: `thing-${logicalId}`,
        attributes: { Name: `${context.stackName}-${logicalId}`, Echo: properties.Value ?? null },
      };
    },
  };
  return { registry: new ProviderRegistry([provider]), provided };
}

function deploy(template: Template, registry: ProviderRegistry): Promise<LocalDeployment> {
  const artifact: StackArtifact = {
    stackName: 'Unit',
    assemblyDir: '/nowhere',
    templatePath: '/nowhere/t.json',
    template,
  };
  return deployTemplate({
    artifact,
    region: 'eu-west-3',
    accountId: '123456789012',
    clientConfig: (service) => {
      throw new Error(`no emulator in this test (asked for ${service})`);
    },
    registry,
  });
}

const thing = (properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  Type: THING,
  Properties: properties,
  ...extra,
});

describe('deploy engine: ordering', () => {
  it('provides each resource after everything it references or depends on, whatever the file order', async () => {
    const template = {
      Resources: {
        Last: thing({}, { DependsOn: ['BySub'] }),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub template, not JS.
        BySub: thing({ Value: { 'Fn::Sub': '${ByGetAtt.Name}/${AWS::Region}' } }),
        ByGetAtt: thing({ Value: { 'Fn::GetAtt': ['ByRef', 'Echo'] } }),
        ByRef: thing({ Value: { Ref: 'Root' } }),
        Root: thing({ Value: 'root' }),
      },
    } as Template;
    const { registry, provided } = thingRegistry();
    const deployment = await deploy(template, registry);
    expect(deployment.order).toEqual(['Root', 'ByRef', 'ByGetAtt', 'BySub', 'Last']);
    expect(provided.map(([id]) => id)).toEqual(deployment.order);
    expect(Object.fromEntries(provided)).toMatchObject({
      ByRef: { Value: 'thing-Root' },
      ByGetAtt: { Value: 'thing-Root' },
      BySub: { Value: 'Unit-ByGetAtt/eu-west-3' },
    });
  });

  it('fails on a cycle with its path, before providing anything', async () => {
    const template = {
      Resources: {
        Free: thing(),
        A: thing({ Value: { Ref: 'B' } }),
        B: thing({ Value: { 'Fn::GetAtt': ['C', 'Name'] } }),
        C: thing({}, { DependsOn: 'A' }),
      },
    } as Template;
    const { registry, provided } = thingRegistry();
    await expect(deploy(template, registry)).rejects.toThrow('circular dependency: A → B → C → A');
    expect(provided).toEqual([]);
  });

  it('names the resource and property of a reference to nothing, and a DependsOn on nothing', () => {
    expect(() =>
      deploymentOrder({ Resources: { A: thing({ Value: { Ref: 'Ghost' } }) } } as Template),
    ).toThrow('cannot resolve A.Properties.Value: references Ghost, which is not in the template');
    expect(() =>
      deploymentOrder({ Resources: { A: thing({}, { DependsOn: ['Ghost'] }) } } as Template),
    ).toThrow('A.DependsOn: Ghost is not in the template');
  });

  it('does not count a parameter as a resource to wait for', () => {
    const template = {
      Parameters: { Stage: { Type: 'String', Default: 'dev' } },
      Resources: { A: thing({ Value: { Ref: 'Stage' } }) },
    } as Template;
    expect(deploymentOrder(template)).toEqual(['A']);
  });
});

describe('deploy engine: conditions', () => {
  const template = {
    Parameters: { Stage: { Type: 'String', Default: 'dev' } },
    Conditions: {
      IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
      NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
    },
    Resources: {
      ProdOnly: thing({ Value: 'p' }, { Condition: 'IsProd' }),
      DevOnly: thing({ Value: 'd' }, { Condition: 'NotProd' }),
      Either: thing({
        Value: { 'Fn::If': ['IsProd', 'big', 'small'] },
        Gone: { 'Fn::If': ['IsProd', 1, { Ref: 'AWS::NoValue' }] },
      }),
    },
    Outputs: {
      DevName: { Value: { 'Fn::GetAtt': ['DevOnly', 'Name'] }, Condition: 'NotProd' },
      ProdName: { Value: { 'Fn::GetAtt': ['ProdOnly', 'Name'] }, Condition: 'IsProd' },
    },
  } as Template;

  it('skips resources and outputs whose condition is false and picks the Fn::If branch', async () => {
    const { registry, provided } = thingRegistry();
    const deployment = await deploy(template, registry);
    expect(provided.map(([id]) => id).sort()).toEqual(['DevOnly', 'Either']);
    expect(Object.fromEntries(provided).Either).toEqual({ Value: 'small' });
    expect(deployment.outputs).toEqual({ DevName: 'Unit-DevOnly' });
  });

  it('fails naming the resource whose condition is not defined', async () => {
    const broken = { Resources: { A: thing({}, { Condition: 'Missing' }) } } as Template;
    await expect(deploy(broken, thingRegistry().registry)).rejects.toThrow(
      'cannot resolve A.Condition: no condition Missing',
    );
  });

  it('fails naming the place that references a resource whose condition removed it', async () => {
    const dangling = {
      ...template,
      Resources: { ...template.Resources, UsesProd: thing({ Value: { Ref: 'ProdOnly' } }) },
    } as Template;
    await expect(deploy(dangling, thingRegistry().registry)).rejects.toThrow(
      'cannot resolve UsesProd.Properties.Value.Ref: resource ProdOnly is not created',
    );
  });
});

describe('deploy engine: outputs', () => {
  it('resolves Ref, GetAtt, Join and pseudo parameters in outputs', async () => {
    const template = {
      Resources: { A: thing({ Value: 42 }) },
      Outputs: {
        Ref: { Value: { Ref: 'A' } },
        Echo: { Value: { 'Fn::GetAtt': ['A', 'Echo'] } },
        Joined: {
          Value: {
            'Fn::Join': [':', [{ Ref: 'AWS::StackName' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }]],
          },
        },
      },
    } as Template;
    const deployment = await deploy(template, thingRegistry().registry);
    expect(deployment.outputs).toEqual({ Ref: 'thing-A', Echo: '42', Joined: 'Unit:123456789012:eu-west-3' });
    expect(deployment).toMatchObject({ stackName: 'Unit', region: 'eu-west-3', accountId: '123456789012' });
  });

  it('fails naming an output that is not a scalar, and an unknown attribute by resource and type', async () => {
    const listOutput = {
      Resources: { A: thing() },
      Outputs: { List: { Value: { 'Fn::Split': [',', 'a,b'] } } },
    } as Template;
    await expect(deploy(listOutput, thingRegistry().registry)).rejects.toThrow(
      'output List does not resolve to a scalar',
    );
    const unknownAttribute = {
      Resources: { A: thing() },
      Outputs: { Bad: { Value: { 'Fn::GetAtt': ['A', 'Nope'] } } },
    } as Template;
    await expect(deploy(unknownAttribute, thingRegistry().registry)).rejects.toThrow(
      'cannot resolve Outputs.Bad.Value.Fn::GetAtt: attribute Nope of A (Test::Thing) is not known locally',
    );
  });

  it('rewrites a public URL a provider serves locally, wherever an output embeds it', async () => {
    const rewriting: ResourceProvider = {
      types: ['Test::Api'],
      provide(context) {
        context.rewriteOutputs('https://public.example', 'http://127.0.0.1:1234');
        return { ref: 'api', attributes: { Url: 'https://public.example' } };
      },
    };
    const template = {
      Resources: { Api: { Type: 'Test::Api' } },
      Outputs: { Orders: { Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Api', 'Url'] }, '/orders']] } } },
    } as Template;
    const deployment = await deploy(template, new ProviderRegistry([rewriting]));
    expect(deployment.outputs).toEqual({ Orders: 'http://127.0.0.1:1234/orders' });
  });
});
