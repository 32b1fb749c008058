/**
 * The one table of AWS prices the cost figures use (`npm run bench`, `npm run burst`, README).
 *
 * Region us-east-1 (US East, N. Virginia), on-demand list prices, first volume tier, in US dollars,
 * read from the public AWS pricing pages below on {@link PRICES_CHECKED_ON}. Free tiers are left
 * out on purpose: the figures are the marginal cost of an order, not the bill of a small account.
 * When AWS changes a price, change it here (and the date); every figure follows.
 */

/** When the pages below were read. */
export const PRICES_CHECKED_ON = '2026-12-01';

/** Region the prices are for. */
export const PRICES_REGION = 'us-east-1';

/** One price: its amount, its unit, and the page it was read from. */
export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
}

/** Every price the cost model uses. */
export const AWS_PRICES = {
  /** Standard topic: each 64 KB chunk of a publish (or of a PublishBatch's total payload) is one request. */
  snsPublish: {
    usd: 0.5,
    per: '1M publish requests (64 KB chunks)',
    source: 'https://aws.amazon.com/sns/pricing/',
  },
  /** Deliveries from a topic to SQS queues are not charged by SNS (the queue's requests are SQS's). */
  snsDeliveryToSqs: { usd: 0, per: '1M deliveries to SQS', source: 'https://aws.amazon.com/sns/pricing/' },
  /** Standard queue, first 100 billion requests a month; each 64 KB chunk of a request's payload is one request. */
  sqsRequest: {
    usd: 0.4,
    per: '1M requests (64 KB chunks)',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  lambdaRequest: { usd: 0.2, per: '1M invocations', source: 'https://aws.amazon.com/lambda/pricing/' },
  /** Arm (Graviton), first 7.5 billion GB-seconds a month. */
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 'GB-second (arm64)',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  /** On-demand, Standard table class (price cut of 2024-11-01). A transactional write costs 2 units per KB. */
  dynamodbWriteUnit: {
    usd: 0.625,
    per: '1M write request units (1 KB each)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamodbReadUnit: {
    usd: 0.125,
    per: '1M read request units (4 KB strongly consistent)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  /** HTTP API, first 300 million requests a month (each 512 KB is one request). */
  apiGatewayHttpRequest: {
    usd: 1.0,
    per: '1M HTTP API requests',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  cloudwatchLogsIngestion: {
    usd: 0.5,
    per: 'GB of logs ingested (standard class)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  /** A standard-resolution alarm costs this per metric it evaluates (metric math: per metric in the expression). */
  cloudwatchAlarmMetric: {
    usd: 0.1,
    per: 'alarm metric per month (standard resolution)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  cloudwatchDashboard: {
    usd: 3.0,
    per: 'dashboard per month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  /** EMF metrics are custom metrics: one per namespace + name + dimension values, first 10,000 tier. */
  cloudwatchCustomMetric: {
    usd: 0.3,
    per: 'custom metric per month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  kmsKey: { usd: 1.0, per: 'customer managed key per month', source: 'https://aws.amazon.com/kms/pricing/' },
  kmsRequest: {
    usd: 0.03,
    per: '10,000 symmetric requests',
    source: 'https://aws.amazon.com/kms/pricing/',
  },
} as const satisfies Record<string, Price>;

/** Names of the prices. */
export type PriceName = keyof typeof AWS_PRICES;

/** A price table of the same shape (tests and what-ifs pass their own). */
export type PriceTable = Readonly<Record<PriceName, Price>>;
