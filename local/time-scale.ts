/**
 * Scales a template's time settings for a local run: function timeouts, queue visibility timeouts,
 * receive waits and delivery delays, and event source mappings' batching windows, all by the same
 * factor, so their ratios (a visibility timeout of 6× the function timeout, a batching window well
 * inside it) hold while retries and timeouts take a fraction of the template's time. Local only:
 * the deployed template is never changed; the local deployer applies this to its copy (see
 * `DeployLocalOptions.timeScale` and docs/local.md).
 */
import type { Template, TemplateResource } from './assembly.ts';
import { LocalRuntimeError } from './errors.ts';
import type { TemplateValue } from './intrinsics.ts';

/** A time scale that is not a number in (0, 1]. */
export class InvalidTimeScaleError extends LocalRuntimeError {}

/**
 * The time properties scaled, per resource type, and whether the service takes whole seconds only.
 * SQS attributes are whole seconds: they are rounded up, so a scaled visibility timeout never ends
 * before the scaled function timeout it was sized against. The local function host and runner
 * measure in milliseconds, so function timeouts and batching windows keep their fraction.
 */
export const SCALED_PROPERTIES: Readonly<Record<string, Readonly<Record<string, 'whole' | 'fraction'>>>> = {
  'AWS::Lambda::Function': { Timeout: 'fraction' },
  'AWS::SQS::Queue': {
    VisibilityTimeout: 'whole',
    ReceiveMessageWaitTimeSeconds: 'whole',
    DelaySeconds: 'whole',
  },
  'AWS::Lambda::EventSourceMapping': { MaximumBatchingWindowInSeconds: 'fraction' },
};

/**
 * `template` with every property of {@link SCALED_PROPERTIES} multiplied by `factor` (in (0, 1]; 1
 * returns the template itself). Only literal numbers are scaled: a value computed by an intrinsic
 * is left as it is. Whole-second values round up and a positive value stays at least 1 s. The
 * input is not modified.
 */
export function scaleTemplateTimes(template: Template, factor: number): Template {
  if (!Number.isFinite(factor) || factor <= 0 || factor > 1) {
    throw new InvalidTimeScaleError(`time scale must be a number in (0, 1], got ${factor}`);
  }
  if (factor === 1) return template;
  const resources: Record<string, TemplateResource> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    resources[logicalId] = scaleResource(resource, factor);
  }
  return { ...template, Resources: resources };
}

function scaleResource(resource: TemplateResource, factor: number): TemplateResource {
  const scaled = SCALED_PROPERTIES[resource.Type];
  const properties = resource.Properties;
  if (scaled === undefined || properties === undefined) return resource;
  const next: Record<string, TemplateValue> = { ...properties };
  for (const [name, unit] of Object.entries(scaled)) {
    const value = properties[name];
    if (typeof value !== 'number' || value <= 0) continue;
    // The epsilon keeps float noise (90 × 0.2 = 18.000000000000004) from rounding up a whole second.
    next[name] = unit === 'whole' ? Math.max(1, Math.ceil(value * factor - 1e-9)) : value * factor;
  }
  return { ...resource, Properties: next };
}
