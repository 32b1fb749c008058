import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * Bundling shared by every function (the local runner imports `cdk.out/<asset>/index.mjs`):
 * ESM, minified but keeping class and function names (errors take their `name` from their class,
 * and logs and DLQ attributes show it), external source maps, AWS SDK v3 left to the runtime, and
 * a banner that defines `require` so CommonJS dependencies bundled into ESM can still
 * `require('node:…')`.
 */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  minify: true,
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node24',
  mainFields: ['module', 'main'],
  externalModules: ['@aws-sdk/*'],
  banner:
    "import { createRequire as __oeCreateRequire } from 'node:module'; const require = __oeCreateRequire(import.meta.url);",
  forceDockerBundling: false,
};

/** Properties of {@link ServiceFunction}. */
export interface ServiceFunctionProps {
  /** Absolute path of the handler file (exports `handler`). */
  readonly entry: string;
  /** Repository root (esbuild's working directory). */
  readonly projectRoot: string;
  /** Absolute path of the lock file, which also pins the asset hash to the dependency versions. */
  readonly depsLockFilePath: string;
  /**
   * Function timeout.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Environment variables (NODE_OPTIONS=--enable-source-maps is always added).
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Function description.
   * @default - none
   */
  readonly description?: string;
}

/**
 * A NodejsFunction with the project's fixed choices: nodejs24.x on arm64, the shared bundling, its
 * own log group with retention, and its own role whose only built-in permission is writing to that
 * log group (instead of the AWSLambdaBasicExecutionRole managed policy, which allows every group).
 */
export class ServiceFunction extends Construct {
  /** The function. */
  readonly function: NodejsFunction;
  /** The execution role; callers add their least-privilege statements to it. */
  readonly role: Role;
  /** The function's log group. */
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: props.depsLockFilePath,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 256,
      role: this.role,
      logGroup: this.logGroup,
      description: props.description,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: BUNDLING,
    });
  }
}
