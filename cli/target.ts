/**
 * Where the CLI operates: the embedded runtime (its descriptor file), LocalStack, or AWS. Stack
 * outputs come from the descriptor, from an outputs file (`cdk deploy --outputs-file`), or from
 * CloudFormation DescribeStacks by stack name. Everything else in the CLI only sees
 * {@link OperateTarget}: the same commands run against all three.
 */
import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { stackName as defaultStackName, pascalCase, SERVICES, type ServiceConfig } from '../infra/config.ts';
import { OrderEventsError } from '../lambdas/shared/errors.ts';
import { RUNTIME_DESCRIPTOR_FILE, readRuntimeDescriptor } from '../local/runtime-descriptor.ts';

/** Kinds of target. */
export const TARGET_KINDS = ['embedded', 'localstack', 'aws'] as const;
/** A kind of target. */
export type TargetKind = (typeof TARGET_KINDS)[number];

/** A consumer service name, from the one typed list in infra/config.ts. */
export const SERVICE_NAMES: readonly string[] = SERVICES.map((s) => s.name);

/** The target could not be resolved (no runtime, no stack, missing output). Exit code 3. */
export class TargetError extends OrderEventsError {}

/** How to find the target (the CLI's global options). */
export interface TargetOptions {
  readonly target: TargetKind;
  /** Embedded: the descriptor file. @default RUNTIME_DESCRIPTOR_FILE */
  readonly runtimeFile?: string;
  /** LocalStack / AWS: the stack. @default the default stage's stack (infra/config.ts `stackName()`) */
  readonly stack?: string;
  /** LocalStack / AWS: read outputs from this file instead of DescribeStacks. */
  readonly outputsFile?: string;
  /** LocalStack: its endpoint. @default AWS_ENDPOINT_URL or http://localhost.localstack.cloud:4566 */
  readonly endpoint?: string;
  /** Region. @default AWS_REGION, AWS_DEFAULT_REGION, or us-east-1 */
  readonly region?: string;
}

/** SDK client settings (endpoint and dummy credentials on emulators; the default chain on AWS). */
export interface ClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The three queues of one service. */
export interface ServiceQueues {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly subscriptionDlqUrl: string;
}

/** A resolved target. */
export interface OperateTarget {
  readonly kind: TargetKind;
  readonly stackName: string;
  readonly region: string;
  readonly outputs: Readonly<Record<string, string>>;
  /** Client settings for an AWS SDK v3 client of `service` (emulators have one endpoint per service). */
  clientConfig(service: 'sns' | 'sqs' | 'dynamodb' | 'cloudwatch' | 'cloudformation'): ClientConfig;
  /** An output value. @throws TargetError when the stack does not have it */
  output(name: string): string;
  /** The service's config (from infra/config.ts). @throws TargetError for an unknown name */
  service(name: string): ServiceConfig;
  /** The queues of a service. */
  queues(service: string): ServiceQueues;
  /** Whether the topic (and so every queue) is FIFO. */
  readonly fifo: boolean;
}

const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

function defaultRegion(options: TargetOptions): string {
  return options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/** Resolves the target; reads the descriptor, the outputs file, or DescribeStacks. */
export async function resolveTarget(options: TargetOptions): Promise<OperateTarget> {
  if (options.target === 'embedded') {
    let descriptor: ReturnType<typeof readRuntimeDescriptor>;
    try {
      descriptor = readRuntimeDescriptor(options.runtimeFile ?? RUNTIME_DESCRIPTOR_FILE);
    } catch (error) {
      throw new TargetError(`${(error as Error).message} (start one with \`npm start -- --keep\`)`, {
        cause: error,
      });
    }
    const { endpoints, region } = descriptor;
    return build('embedded', descriptor.stackName, descriptor.outputs, region, (service) => ({
      region,
      // No CloudWatch or CloudFormation locally: those clients get the SNS/SQS endpoint and fail fast.
      endpoint:
        service === 'dynamodb' ? endpoints.dynamodb : service === 'sns' ? endpoints.sns : endpoints.sqs,
      credentials: DUMMY_CREDENTIALS,
    }));
  }
  const stackName = options.stack ?? defaultStackName();
  const region = defaultRegion(options);
  const config: ClientConfig =
    options.target === 'localstack'
      ? {
          region,
          endpoint:
            options.endpoint ?? process.env.AWS_ENDPOINT_URL ?? 'http://localhost.localstack.cloud:4566',
          credentials: DUMMY_CREDENTIALS,
        }
      : { region, ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }) };
  const outputs =
    options.outputsFile === undefined
      ? await describeStackOutputs(config, stackName)
      : readOutputsFile(options.outputsFile, stackName);
  return build(options.target, stackName, outputs, region, () => config);
}

/** `{ "<stack>": { key: value } }`, the shape of `cdk deploy --outputs-file`. */
function readOutputsFile(file: string, stackName: string): Record<string, string> {
  let all: Record<string, Record<string, string>>;
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  } catch (error) {
    throw new TargetError(`cannot read the outputs file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const outputs = all[stackName];
  if (outputs === undefined) {
    throw new TargetError(
      `${file} has no outputs for stack ${stackName} (it has: ${Object.keys(all).join(', ') || 'none'})`,
    );
  }
  return outputs;
}

async function describeStackOutputs(
  config: ClientConfig,
  stackName: string,
): Promise<Record<string, string>> {
  const cloudformation = new CloudFormationClient(config);
  try {
    const out = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (stack === undefined) throw new TargetError(`stack ${stackName} not found`);
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((o) =>
        o.OutputKey === undefined || o.OutputValue === undefined ? [] : [[o.OutputKey, o.OutputValue]],
      ),
    );
  } catch (error) {
    if (error instanceof TargetError) throw error;
    throw new TargetError(`DescribeStacks ${stackName} failed: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    cloudformation.destroy();
  }
}

function build(
  kind: TargetKind,
  stackName: string,
  outputs: Readonly<Record<string, string>>,
  region: string,
  clientConfig: OperateTarget['clientConfig'],
): OperateTarget {
  const output = (name: string): string => {
    const value = outputs[name];
    if (value === undefined) throw new TargetError(`stack ${stackName} has no output ${name}`);
    return value;
  };
  const service = (name: string): ServiceConfig => {
    const found = SERVICES.find((s) => s.name === name);
    if (found === undefined) {
      throw new TargetError(`unknown service "${name}" (services: ${SERVICE_NAMES.join(', ')})`);
    }
    return found;
  };
  return {
    kind,
    stackName,
    region,
    outputs,
    clientConfig,
    output,
    service,
    queues: (name) => {
      const prefix = pascalCase(service(name).name);
      return {
        queueUrl: output(`${prefix}QueueUrl`),
        dlqUrl: output(`${prefix}DlqUrl`),
        subscriptionDlqUrl: output(`${prefix}SubscriptionDlqUrl`),
      };
    },
    fifo: (outputs.TopicArn ?? '').endsWith('.fifo'),
  };
}
