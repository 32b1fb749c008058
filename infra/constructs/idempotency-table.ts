import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Properties of {@link IdempotencyTable}. */
export interface IdempotencyTableProps {
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The idempotency table shared by every consumer, in the layout Powertools' DynamoDBPersistenceLayer
 * expects by default: partition key `id`, TTL attribute `expiration`. On-demand (traffic follows the
 * topic), PITR on. Consumers are kept apart by IAM (dynamodb:LeadingKeys `<service>#*`), not tables.
 */
export class IdempotencyTable extends Construct {
  /** The table. */
  readonly table: Table;

  constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }
}
