import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type ApiAuthorization, METRICS_NAMESPACE } from '../config.ts';
import { metricFactory } from '../metric-factory.ts';
import { ServiceFunction } from './service-function.ts';

/** Properties of {@link OrderApi}. */
export interface OrderApiProps {
  /** Absolute path of the order API handler. */
  readonly entry: string;
  /** Repository root. */
  readonly projectRoot: string;
  /** Lock file for bundling. */
  readonly depsLockFilePath: string;
  /** Topic the API publishes OrderPlaced to. */
  readonly topic: ITopic;
  /** The topic's key (publishing needs kms:GenerateDataKey and kms:Decrypt). */
  readonly topicKey: IKey;
  /**
   * `iam`: callers sign requests with SigV4 and need execute-api:Invoke. `none`: open endpoint
   * (an explicit non-prod opt-out; validateConfig refuses it in prod and with sesFromAddress).
   * @default 'iam'
   */
  readonly authorization?: ApiAuthorization;
  /**
   * Steady-state requests per second of the stage.
   * @default 50
   */
  readonly rateLimit?: number;
  /**
   * Burst of the stage.
   * @default 100
   */
  readonly burstLimit?: number;
  /**
   * Largest accepted request body, passed to the handler as MAX_BODY_BYTES.
   * @default 65536
   */
  readonly maxBodyBytes?: number;
  /**
   * Topic notified (ALARM and OK) when the function fails or the API answers 5xx.
   * @default - no alarms
   */
  readonly alarmTopic?: ITopic;
  /**
   * Retention of the function and access log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log groups when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * POST /orders on an HTTP API (API Gateway v2) → the order API function, which validates the body
 * and publishes OrderPlaced. The `$default` stage is throttled and writes JSON access logs. The
 * function may only publish to this topic (and use its key for that).
 */
export class OrderApi extends Construct {
  /** The HTTP API. */
  readonly api: HttpApi;
  /** The `$default` stage. */
  readonly stage: HttpStage;
  /** The order API function construct. */
  readonly handler: ServiceFunction;
  /** Access log group of the stage. */
  readonly accessLogGroup: LogGroup;
  /** Base URL of the stage, ending with `/` (POST `${url}orders`). */
  readonly url: string;
  /** Function errors and API 5xx alarms (empty without `alarmTopic`). */
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: OrderApiProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const authorization = props.authorization ?? 'iam';

    this.handler = new ServiceFunction(this, 'Handler', {
      entry: props.entry,
      projectRoot: props.projectRoot,
      depsLockFilePath: props.depsLockFilePath,
      timeout: Duration.seconds(10),
      memorySize: 256,
      logRetention,
      removalPolicy,
      description: 'order-events order API (POST /orders, publishes OrderPlaced)',
      environment: {
        TOPIC_ARN: props.topic.topicArn,
        POWERTOOLS_SERVICE_NAME: 'order-api',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        MAX_BODY_BYTES: String(props.maxBodyBytes ?? 65_536),
      },
    });
    // Explicit actions rather than topic.grantPublish, which also grants kms:GenerateDataKey*.
    this.handler.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [props.topic.topicArn] }),
    );
    this.handler.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.topicKey.keyArn],
      }),
    );

    this.api = new HttpApi(this, 'Api', {
      description: 'order-events order API',
      createDefaultStage: false,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 50, burstLimit: props.burstLimit ?? 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const routes = this.api.addRoutes({
      path: '/orders',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('OrderApiIntegration', this.handler.function),
      ...(authorization === 'iam' ? { authorizer: new HttpIamAuthorizer() } : {}),
    });
    if (authorization === 'none') {
      for (const route of routes) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'apiAuth=none is an explicit opt-out of a non-prod stage (the default is IAM on every stage; validateConfig refuses none in prod and together with sesFromAddress), for unsigned curl calls during development.',
        });
      }
    }
    this.url = this.stage.url;

    const alarms: Alarm[] = [];
    if (props.alarmTopic !== undefined) {
      const common = {
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      };
      alarms.push(
        new Alarm(this, 'FunctionErrors', {
          ...common,
          metric: metricFactory.functionErrors(this.handler.function),
          alarmDescription: 'order-events order-api: failed invocations (callers get 5xx)',
        }),
        new Alarm(this, 'ServerErrors', {
          ...common,
          metric: metricFactory.httpApiServerErrors(this.api),
          alarmDescription: 'order-events order-api: 5xx answers (publish failures, timeouts)',
        }),
      );
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
    this.alarms = alarms;
  }
}
