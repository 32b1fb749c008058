/**
 * Which provider handles which CloudFormation type. A type nobody registered is not an error: it
 * gets an opaque placeholder and the report lists it as not emulated, with the reason; a resource
 * that actually needs it fails where its value is used (an unknown attribute names the resource).
 */
import { LocalDeployError } from './deployment.ts';
import type { ResourceProvider } from './provider.ts';
import {
  httpApiProvider,
  httpIntegrationProvider,
  httpRouteProvider,
  httpStageProvider,
} from './providers/api-gateway-v2.ts';
import { dynamodbTableProvider } from './providers/dynamodb-table.ts';
import { lambdaEventSourceMappingProvider } from './providers/lambda-event-source-mapping.ts';
import { lambdaFunctionProvider } from './providers/lambda-function.ts';
import { placeholderProvider, placeholderProviders } from './providers/placeholders.ts';
import { snsSubscriptionProvider } from './providers/sns-subscription.ts';
import { snsTopicProvider } from './providers/sns-topic.ts';
import { sqsQueueProvider } from './providers/sqs-queue.ts';

/** Reason reported for a type no provider is registered for. */
export const UNSUPPORTED_REASON = 'no local emulation for this type';

/** CloudFormation type → provider. */
export class ProviderRegistry {
  private readonly byType = new Map<string, ResourceProvider>();

  constructor(providers: readonly ResourceProvider[] = []) {
    for (const provider of providers) this.register(provider);
  }

  /** Adds a provider; a type can have one provider only. */
  register(provider: ResourceProvider): this {
    for (const type of provider.types) {
      if (this.byType.has(type)) throw new LocalDeployError(`two providers for ${type}`);
      this.byType.set(type, provider);
    }
    return this;
  }

  /** The provider of `type`, or a placeholder reported with {@link UNSUPPORTED_REASON}. */
  providerFor(type: string): ResourceProvider {
    return this.byType.get(type) ?? placeholderProvider(type, UNSUPPORTED_REASON);
  }

  /** Registered types, sorted (the runtime's README lists them). */
  get types(): readonly string[] {
    return [...this.byType.keys()].sort();
  }
}

/** Every provider of the runtime: what a local deploy of a CDK stack uses. */
export function defaultRegistry(): ProviderRegistry {
  return new ProviderRegistry([
    snsTopicProvider,
    sqsQueueProvider,
    snsSubscriptionProvider,
    dynamodbTableProvider,
    lambdaFunctionProvider,
    lambdaEventSourceMappingProvider,
    httpApiProvider,
    httpStageProvider,
    httpIntegrationProvider,
    httpRouteProvider,
    ...placeholderProviders,
  ]);
}
