/**
 * API Gateway HTTP APIs, served by the local API server instead of an emulator: the Api gets a
 * placeholder id whose public URL the outputs show as the local server's, and each Route with a
 * Lambda proxy integration is recorded for the server. Stage and Integration are stand-ins.
 */
import { randomUUID } from 'node:crypto';
import { LocalDeployError } from '../deployment.ts';
import { expectString } from '../properties.ts';
import type { ResourceProvider } from '../provider.ts';

/** `AWS::ApiGatewayV2::Api`: a placeholder id; `ApiEndpoint` is the local API server's URL. */
export const httpApiProvider: ResourceProvider = {
  types: ['AWS::ApiGatewayV2::Api'],
  notEmulated: 'served by the local API server (127.0.0.1)',
  provide(context) {
    const apiId = randomUUID().replace(/-/g, '').slice(0, 10);
    const publicUrl = `https://${apiId}.execute-api.${context.region}.amazonaws.com`;
    const local = context.options.apiEndpoint;
    // However the template builds the API's URL into an output, the local server answers it.
    if (local !== undefined) context.rewriteOutputs(publicUrl, local.replace(/\/$/, ''));
    return { ref: apiId, attributes: { ApiId: apiId, ApiEndpoint: local ?? publicUrl } };
  },
};

/** `AWS::ApiGatewayV2::Stage`: the `$default` stage is what the local server serves. */
export const httpStageProvider: ResourceProvider = {
  types: ['AWS::ApiGatewayV2::Stage'],
  notEmulated: 'served by the local API server ($default stage)',
  provide: () => ({ ref: '$default', attributes: {} }),
};

/** `AWS::ApiGatewayV2::Integration`: read by the route that targets it. */
export const httpIntegrationProvider: ResourceProvider = {
  types: ['AWS::ApiGatewayV2::Integration'],
  notEmulated: 'served by the local API server (Lambda proxy)',
  provide: (_context, logicalId) => ({ ref: `${logicalId}-${randomUUID().slice(0, 8)}`, attributes: {} }),
};

/** `AWS::ApiGatewayV2::Route`: recorded for the local API server (Lambda proxy integrations only). */
export const httpRouteProvider: ResourceProvider = {
  types: ['AWS::ApiGatewayV2::Route'],
  notEmulated: 'served by the local API server',
  provide(context, logicalId, resource) {
    const p = context.properties(logicalId, resource);
    const routeKey = expectString(p.RouteKey, `${logicalId}.Properties.RouteKey`);
    const target = typeof p.Target === 'string' ? p.Target : '';
    const integrationId = context.logicalIdOfRef(target.replace(/^integrations\//, ''));
    const integration = integrationId === undefined ? undefined : context.template.Resources[integrationId];
    if (integrationId === undefined || integration?.Type !== 'AWS::ApiGatewayV2::Integration') {
      throw new LocalDeployError(
        `${logicalId}.Properties.Target: ${target} is not an integration of this stack`,
      );
    }
    const ip = context.properties(integrationId, integration);
    const uri = expectString(ip.IntegrationUri, `${integrationId}.Properties.IntegrationUri`);
    const fn = context.record.functions.find((f) => uri === f.arn || uri.includes(`${f.arn}/invocations`));
    if (fn === undefined || ip.IntegrationType !== 'AWS_PROXY') {
      throw new LocalDeployError(`${integrationId}: only Lambda proxy integrations are served locally`);
    }
    context.record.httpRoutes.push({
      routeKey,
      functionLogicalId: fn.logicalId,
      payloadFormatVersion: typeof ip.PayloadFormatVersion === 'string' ? ip.PayloadFormatVersion : '2.0',
    });
    return { ref: `${logicalId}-${randomUUID().slice(0, 8)}`, attributes: {} };
  },
};
