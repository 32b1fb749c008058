/**
 * The deploy engine: what CloudFormation does with a template before any resource type matters.
 * It orders the resources by their references, evaluates conditions, resolves intrinsics against
 * what is already created, hands each resource to its type's provider and resolves the outputs.
 * It knows no resource type: that is the registry's job.
 */
import { randomUUID } from 'node:crypto';
import type { StackArtifact, Template, TemplateResource } from '../assembly.ts';
import type { EmulatedService, LocalClientConfig } from '../emulators.ts';
import {
  collectReferences,
  NO_VALUE,
  type ResolvedValue,
  type ResolveScope,
  resolveValue,
  type TemplateValue,
  UnresolvableIntrinsicError,
} from '../intrinsics.ts';
import { type DeployLocalOptions, LocalDeployError, type LocalDeployment } from './deployment.ts';
import { physicalName } from './physical-name.ts';
import {
  DeployClients,
  type DeployContext,
  type DeploymentRecord,
  type ProvidedResource,
} from './provider.ts';
import type { ProviderRegistry } from './registry.ts';

/** What {@link deployTemplate} needs besides the template. */
export interface DeployTemplateInput {
  readonly artifact: StackArtifact;
  readonly region: string;
  readonly accountId: string;
  /** Client options of the emulators; asked only when a provider needs that service. */
  readonly clientConfig: (service: EmulatedService) => LocalClientConfig;
  readonly registry: ProviderRegistry;
  readonly options?: DeployLocalOptions;
}

/** Deploys one stack template through `registry`'s providers; see {@link deploymentOrder}. */
export async function deployTemplate(input: DeployTemplateInput): Promise<LocalDeployment> {
  const engine = new DeployEngine(input);
  try {
    return await engine.run();
  } finally {
    engine.destroy();
  }
}

/**
 * Topological order of the resources over Ref / GetAtt / Sub references and DependsOn (file order
 * among independent ones). Fails on a cycle with its path, and on a reference to nothing with the
 * resource and property.
 */
export function deploymentOrder(template: Template): string[] {
  const resources = template.Resources;
  const deps = new Map<string, string[]>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    const refs = new Set<string>();
    for (const [property, value] of Object.entries(resource.Properties ?? {})) {
      const referenced = [...collectReferences(value)].filter((r) => template.Parameters?.[r] === undefined);
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
  const visit = (id: string, path: readonly string[]): void => {
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

interface Provided extends ProvidedResource {
  readonly type: string;
}

class DeployEngine {
  private readonly artifact: StackArtifact;
  private readonly template: Template;
  private readonly registry: ProviderRegistry;
  private readonly clients: DeployClients;
  private readonly provided = new Map<string, Provided>();
  private readonly conditions = new Map<string, boolean>();
  private readonly notEmulated = new Map<string, { why: string; logicalIds: string[] }>();
  private readonly gaps: string[] = [];
  private readonly outputRewrites: Array<readonly [string, string]> = [];
  private readonly record: DeploymentRecord = {
    topics: [],
    queues: [],
    subscriptions: [],
    tables: [],
    functions: [],
    eventSourceMappings: [],
    httpRoutes: [],
  };
  private readonly scope: ResolveScope;
  private readonly context: DeployContext;

  constructor(private readonly input: DeployTemplateInput) {
    const { artifact, region, accountId } = input;
    this.artifact = artifact;
    this.template = artifact.template;
    this.registry = input.registry;
    this.clients = new DeployClients(input.clientConfig);
    const parameters: Record<string, string> = {};
    for (const [name, parameter] of Object.entries(this.template.Parameters ?? {})) {
      if (parameter.Default !== undefined) parameters[name] = String(parameter.Default);
    }
    this.scope = {
      pseudo: {
        'AWS::Region': region,
        'AWS::AccountId': accountId,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
        'AWS::StackName': artifact.stackName,
        'AWS::StackId': `arn:aws:cloudformation:${region}:${accountId}:stack/${artifact.stackName}/${randomUUID()}`,
        'AWS::NotificationARNs': '',
      },
      parameters,
      mappings: this.template.Mappings ?? {},
      ref: (logicalId, at) => this.providedOrFail(logicalId, at).ref,
      getAtt: (logicalId, attribute, at) => {
        const found = this.providedOrFail(logicalId, at);
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
    this.context = {
      stackName: artifact.stackName,
      region,
      accountId,
      assemblyDir: artifact.assemblyDir,
      template: this.template,
      options: input.options ?? {},
      clients: this.clients,
      record: this.record,
      properties: (logicalId, resource) =>
        resolveValue(
          (resource.Properties ?? {}) as TemplateValue,
          this.scope,
          `${logicalId}.Properties`,
        ) as Record<string, ResolvedValue>,
      physicalName: (logicalId, type, suffix) => physicalName(artifact.stackName, logicalId, type, suffix),
      logicalIdOfRef: (ref) => [...this.provided.entries()].find(([, p]) => p.ref === ref)?.[0],
      gap: (message) => this.gaps.push(message),
      notEmulated: (key, logicalId, why) => this.reportNotEmulated(key, logicalId, why),
      rewriteOutputs: (from, to) => this.outputRewrites.push([from, to]),
    };
  }

  destroy(): void {
    this.clients.destroy();
  }

  async run(): Promise<LocalDeployment> {
    const order = deploymentOrder(this.template);
    for (const logicalId of order) {
      const resource = this.template.Resources[logicalId] as TemplateResource;
      if (resource.Condition !== undefined && !this.condition(resource.Condition, `${logicalId}.Condition`))
        continue;
      const provider = this.registry.providerFor(resource.Type);
      const provided = await provider.provide(this.context, logicalId, resource);
      this.provided.set(logicalId, { type: resource.Type, ...provided });
      if (provider.notEmulated !== undefined)
        this.reportNotEmulated(resource.Type, logicalId, provider.notEmulated);
    }
    const notEmulated = [...this.notEmulated.entries()]
      .map(([type, { why, logicalIds }]) => ({ type, count: logicalIds.length, logicalIds, why }))
      .sort((a, b) => a.type.localeCompare(b.type));
    return {
      stackName: this.artifact.stackName,
      region: this.input.region,
      accountId: this.input.accountId,
      assemblyDir: this.artifact.assemblyDir,
      templatePath: this.artifact.templatePath,
      ...this.record,
      outputs: this.outputs(),
      notEmulated,
      gaps: this.gaps,
      order,
    };
  }

  /** The template's outputs whose condition holds, each a scalar. */
  private outputs(): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.template.Outputs ?? {})) {
      if (output.Condition !== undefined && !this.condition(output.Condition, `Outputs.${name}.Condition`))
        continue;
      const value = resolveValue(output.Value, this.scope, `Outputs.${name}.Value`);
      if (value === NO_VALUE || (typeof value === 'object' && value !== null)) {
        throw new LocalDeployError(`output ${name} does not resolve to a scalar`);
      }
      outputs[name] = this.outputRewrites.reduce((text, [from, to]) => text.replace(from, to), String(value));
    }
    return outputs;
  }

  private reportNotEmulated(key: string, logicalId: string, why: string): void {
    const entry = this.notEmulated.get(key) ?? { why, logicalIds: [] };
    entry.logicalIds.push(logicalId);
    this.notEmulated.set(key, entry);
  }

  /** A resource already provided, or the error naming the place (`at`) that referenced it. */
  private providedOrFail(logicalId: string, at: string): Provided {
    const found = this.provided.get(logicalId);
    if (found === undefined) {
      const why = this.template.Resources[logicalId] === undefined ? 'not in the template' : 'not created';
      throw new UnresolvableIntrinsicError(at, `resource ${logicalId} is ${why}`);
    }
    return found;
  }

  /** A named condition, evaluated once (CloudFormation evaluates each condition once per deploy). */
  private condition(name: string, at = `Conditions.${name}`): boolean {
    const cached = this.conditions.get(name);
    if (cached !== undefined) return cached;
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new UnresolvableIntrinsicError(at, `no condition ${name}`);
    const value = resolveValue(definition, this.scope, `Conditions.${name}`) === true;
    this.conditions.set(name, value);
    return value;
  }
}
