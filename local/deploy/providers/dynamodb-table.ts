/** `AWS::DynamoDB::Table` (and `GlobalTable`, one region) → CreateTable in dynalite. */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { waitForLocalTable } from '../../emulators.ts';
import type { ResolvedValue } from '../../intrinsics.ts';
import type { ResourceProvider } from '../provider.ts';

/** CloudFormation's provisioned throughput when a PROVISIONED table does not give one. */
const DEFAULT_THROUGHPUT = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

/** Creates the table, waits until it is ACTIVE, then applies TTL (or reports that it cannot). */
export const dynamodbTableProvider: ResourceProvider = {
  types: ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'],
  async provide(context, logicalId, resource) {
    const p = context.properties(logicalId, resource);
    const dynamodb = context.clients.dynamodb;
    const name =
      typeof p.TableName === 'string' ? p.TableName : context.physicalName(logicalId, resource.Type);
    const billing = typeof p.BillingMode === 'string' ? p.BillingMode : 'PROVISIONED';
    const input = {
      TableName: name,
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: billing,
      ...(billing === 'PROVISIONED'
        ? { ProvisionedThroughput: p.ProvisionedThroughput ?? DEFAULT_THROUGHPUT }
        : {}),
      ...(p.GlobalSecondaryIndexes !== undefined ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
      ...(p.LocalSecondaryIndexes !== undefined ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes } : {}),
      ...(p.StreamSpecification !== undefined
        ? { StreamSpecification: { StreamEnabled: true, ...(p.StreamSpecification as object) } }
        : {}),
    } as unknown as CreateTableCommandInput;
    const created = await dynamodb.send(new CreateTableCommand(input));
    // CloudFormation completes a table only once it is ACTIVE; CreateTable answers while it is still
    // CREATING (dynalite flips it on a timer), and item calls before then fail.
    await waitForLocalTable(dynamodb, name);
    const arn =
      created.TableDescription?.TableArn ??
      `arn:aws:dynamodb:${context.region}:${context.accountId}:table/${name}`;
    const attributes: Record<string, ResolvedValue> = { Arn: arn };
    if (created.TableDescription?.LatestStreamArn !== undefined)
      attributes.StreamArn = created.TableDescription.LatestStreamArn;
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    let ttlAttribute: string | undefined;
    if (ttl?.Enabled === true && typeof ttl.AttributeName === 'string') {
      ttlAttribute = ttl.AttributeName;
      try {
        await dynamodb.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      } catch (error) {
        context.gap(
          `${logicalId}: TTL on '${ttl.AttributeName}' not applied (${(error as Error).name}: dynalite has no UpdateTimeToLive); expired items stay until the process ends`,
        );
      }
    }
    if (p.PointInTimeRecoverySpecification !== undefined) {
      context.gap(`${logicalId}: PointInTimeRecovery not emulated (in-memory tables)`);
    }
    context.record.tables.push({
      logicalId,
      name,
      arn,
      ...(ttlAttribute !== undefined ? { ttlAttribute } : {}),
    });
    return { ref: name, attributes };
  },
};
