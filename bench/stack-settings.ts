/**
 * The settings the cost and burst figures depend on, read from the synthesized template (what
 * CloudFormation would get), never restated by hand: per consumer its batch size, batching window,
 * MaximumConcurrency, timeout, memory, reserved concurrency and filter policy; for the fixed monthly
 * cost the alarms' metrics, dashboards, KMS keys and SSE-KMS queues.
 */

/** A template as far as this module reads it. */
export interface TemplateLike {
  readonly Resources: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Readonly<Record<string, unknown>> }>
  >;
}

/** One SQS consumer of the stack. */
export interface ConsumerSettings {
  /** SERVICE_NAME of the function (its logical id when it has none). */
  readonly service: string;
  readonly functionLogicalId: string;
  readonly queueLogicalId: string;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maximumConcurrency: number | undefined;
  readonly reservedConcurrency: number | undefined;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly architecture: string;
  /** The subscription's filter policy, if any (then only some orders reach the queue). */
  readonly filterPolicy: unknown;
}

/** What the stack holds that costs a fixed amount a month. */
export interface FixedResources {
  readonly alarms: number;
  /** Metrics the alarms evaluate (one per plain alarm; each metric of a metric-math alarm). */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  /** SSE-KMS queues with their data key reuse period (SQS default 300 s when unset). */
  readonly kmsQueues: ReadonlyArray<{ readonly logicalId: string; readonly reusePeriodSeconds: number }>;
  readonly kmsTopics: number;
}

/** Lambda's defaults when the template leaves a property out. */
const LAMBDA_DEFAULTS = { BatchSize: 10, Timeout: 3, MemorySize: 128 } as const;
const SQS_DEFAULT_DATA_KEY_REUSE_SECONDS = 300;

const refOf = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && 'Ref' in value ? String(value.Ref) : undefined;

const getAttOf = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null || !('Fn::GetAtt' in value)) return undefined;
  const att = value['Fn::GetAtt'];
  return Array.isArray(att) ? String(att[0]) : undefined;
};

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

function ofType(template: TemplateLike, type: string): Array<[string, Readonly<Record<string, unknown>>]> {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

/** Every SQS event source mapping of the template, with its function's and subscription's settings. */
export function consumerSettings(template: TemplateLike): ConsumerSettings[] {
  const subscriptions = ofType(template, 'AWS::SNS::Subscription');
  return ofType(template, 'AWS::Lambda::EventSourceMapping').flatMap(([, esm]) => {
    const functionLogicalId = refOf(esm.FunctionName);
    const queueLogicalId = getAttOf(esm.EventSourceArn);
    if (functionLogicalId === undefined || queueLogicalId === undefined) return [];
    if (template.Resources[queueLogicalId]?.Type !== 'AWS::SQS::Queue') return [];
    const fn = template.Resources[functionLogicalId]?.Properties ?? {};
    const env = (fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const scaling = esm.ScalingConfig as { MaximumConcurrency?: unknown } | undefined;
    const subscription = subscriptions.find(([, s]) => getAttOf(s.Endpoint) === queueLogicalId)?.[1];
    const architectures = fn.Architectures as unknown[] | undefined;
    return [
      {
        service: typeof env.SERVICE_NAME === 'string' ? env.SERVICE_NAME : functionLogicalId,
        functionLogicalId,
        queueLogicalId,
        batchSize: num(esm.BatchSize) ?? LAMBDA_DEFAULTS.BatchSize,
        batchingWindowSeconds: num(esm.MaximumBatchingWindowInSeconds) ?? 0,
        maximumConcurrency: num(scaling?.MaximumConcurrency),
        reservedConcurrency: num(fn.ReservedConcurrentExecutions),
        timeoutSeconds: num(fn.Timeout) ?? LAMBDA_DEFAULTS.Timeout,
        memoryMb: num(fn.MemorySize) ?? LAMBDA_DEFAULTS.MemorySize,
        architecture: String(architectures?.[0] ?? 'x86_64'),
        filterPolicy: subscription?.FilterPolicy,
      },
    ];
  });
}

/** Memory (MB) of every function, by logical id. */
export function functionMemory(template: TemplateLike): Map<string, number> {
  return new Map(
    ofType(template, 'AWS::Lambda::Function').map(([id, fn]) => [
      id,
      num(fn.MemorySize) ?? LAMBDA_DEFAULTS.MemorySize,
    ]),
  );
}

/** The resources with a fixed monthly price. */
export function fixedResources(template: TemplateLike): FixedResources {
  const alarms = ofType(template, 'AWS::CloudWatch::Alarm');
  const alarmMetrics = alarms.reduce((sum, [, alarm]) => {
    const metrics = alarm.Metrics as Array<{ MetricStat?: unknown }> | undefined;
    return sum + (metrics === undefined ? 1 : metrics.filter((m) => m.MetricStat !== undefined).length);
  }, 0);
  const kmsQueues = ofType(template, 'AWS::SQS::Queue')
    .filter(([, q]) => q.KmsMasterKeyId !== undefined)
    .map(([logicalId, q]) => ({
      logicalId,
      reusePeriodSeconds: num(q.KmsDataKeyReusePeriodSeconds) ?? SQS_DEFAULT_DATA_KEY_REUSE_SECONDS,
    }));
  return {
    alarms: alarms.length,
    alarmMetrics,
    dashboards: ofType(template, 'AWS::CloudWatch::Dashboard').length,
    kmsKeys: ofType(template, 'AWS::KMS::Key').length,
    kmsQueues,
    kmsTopics: ofType(template, 'AWS::SNS::Topic').filter(([, t]) => t.KmsMasterKeyId !== undefined).length,
  };
}
