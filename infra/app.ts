/**
 * CDK entry point (`cdk.json`: `node --import tsx infra/app.ts`). Context (see infra/config.ts):
 * `stage` (default dev), `alarmEmail`, `sesFromAddress`, `apiAuth` (iam|none), `fifo`, `apiRateLimit`,
 * `apiBurstLimit`. cdk-nag's AwsSolutions pack runs as a validation plugin: any unacknowledged finding
 * fails synth.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './stacks/order-events-stack.ts';

const { app } = buildApp();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
