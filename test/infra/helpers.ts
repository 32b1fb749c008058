/**
 * Builds the real stack the way the tests need it: the feature flags of cdk.json (so the template
 * matches `cdk synth`), without bundling and without the built-in CloudFormation validation (both
 * slow and irrelevant to the assertions).
 */
import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { type BuildAppOptions, buildApp, PROJECT_ROOT } from '../../infra/stacks/order-events-stack.ts';

interface CdkJson {
  context?: Record<string, unknown>;
}

const cdkJson = JSON.parse(readFileSync(`${PROJECT_ROOT}/cdk.json`, 'utf8')) as CdkJson;

/** Resource map of a synthesized template. */
export type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Synthesizes the stack for tests; `context` adds to (and overrides) cdk.json's context. */
export function synthForTest(
  context: Record<string, unknown> = {},
  options: Omit<BuildAppOptions, 'appProps'> = {},
): ReturnType<typeof buildApp> & { template: Template; resources: Resources } {
  const built = buildApp({
    ...options,
    appProps: {
      builtinCloudFormationValidation: false,
      context: { ...cdkJson.context, ...context, 'aws:cdk:bundling-stacks': [] },
    },
  });
  const template = Template.fromStack(built.stack);
  const resources = template.toJSON().Resources as Resources;
  return { ...built, template, resources };
}

/** Resources of one CloudFormation type, by logical id. */
export function ofType(resources: Resources, type: string): [string, Record<string, unknown>][] {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}
