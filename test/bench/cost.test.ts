import { describe, expect, it } from 'vitest';
import { AWS_PRICES, type PriceTable } from '../../bench/aws-prices.ts';
import {
  billableRequests,
  costPerMillionOrders,
  dynamodbReadUnits,
  dynamodbWriteUnits,
  fixedMonthlyCost,
  itemSizeBytes,
  lambdaGbSeconds,
  sqsKmsRequestsPerMonth,
  type Usage,
} from '../../bench/cost.ts';

const noUsage: Usage = {
  orders: 1000,
  apiRequests: 0,
  snsPublishRequests: 0,
  sqsRequests: 0,
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  dynamodbWriteUnits: 0,
  dynamodbReadUnits: 0,
  logBytes: 0,
  kmsRequests: 0,
};

describe('billable units', () => {
  it('bills SQS/SNS payloads per started 64 KB chunk, at least one', () => {
    expect(billableRequests(0)).toBe(1);
    expect(billableRequests(1)).toBe(1);
    expect(billableRequests(65_536)).toBe(1);
    expect(billableRequests(65_537)).toBe(2);
    expect(billableRequests(256 * 1024)).toBe(4);
  });

  it('bills DynamoDB writes per started KB, doubled in a transaction', () => {
    expect(dynamodbWriteUnits(1, false)).toBe(1);
    expect(dynamodbWriteUnits(1024, false)).toBe(1);
    expect(dynamodbWriteUnits(1025, false)).toBe(2);
    expect(dynamodbWriteUnits(3000, true)).toBe(6);
    expect(dynamodbWriteUnits(500, true)).toBe(2);
  });

  it('bills DynamoDB reads per started 4 KB by consistency', () => {
    expect(dynamodbReadUnits(100, 'eventual')).toBe(0.5);
    expect(dynamodbReadUnits(4096, 'strong')).toBe(1);
    expect(dynamodbReadUnits(8 * 1024, 'strong')).toBe(2);
    expect(dynamodbReadUnits(5000, 'transactional')).toBe(4);
  });

  it('bills Lambda GB-s on whole milliseconds, rounded up', () => {
    expect(lambdaGbSeconds(1024, 1000)).toBe(1);
    expect(lambdaGbSeconds(256, 100)).toBeCloseTo(0.025, 12);
    expect(lambdaGbSeconds(256, 99.2)).toBeCloseTo(0.25 * 0.1, 12);
  });

  it('counts KMS requests of an SSE-KMS queue by the SQS formula', () => {
    // 30 days / 300 s = 8640 periods × (2 × 1 producer + 1 consumer)
    expect(sqsKmsRequestsPerMonth(300, 1, 1)).toBe(25_920);
    expect(sqsKmsRequestsPerMonth(86_400, 2, 3)).toBe(30 * 7);
  });

  it('sizes items as DynamoDB does: names plus values', () => {
    expect(itemSizeBytes({ pk: { S: 'ORDER#1' } })).toBe(2 + 7);
    expect(itemSizeBytes({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSizeBytes({ ok: { BOOL: true }, none: { NULL: true } })).toBe(2 + 1 + 4 + 1);
    expect(itemSizeBytes({ m: { M: { a: { S: 'xy' } } } })).toBe(1 + 3 + 1 + 1 + 2);
    expect(itemSizeBytes({ l: { L: [{ S: 'abc' }, { N: '1' }] } })).toBe(1 + 3 + (1 + 3) + (1 + 2));
    expect(itemSizeBytes({ é: { S: 'ü' } })).toBe(2 + 2);
  });
});

describe('cost per million orders', () => {
  it('multiplies each per-order quantity by its price', () => {
    const usage: Usage = {
      ...noUsage,
      orders: 2000,
      snsPublishRequests: 200, // 0.1 per order → 100k per million orders
      sqsRequests: 6000, // 3 per order
      lambdaInvocations: 800,
      lambdaGbSeconds: 20, // 0.01 GB-s per order
      dynamodbWriteUnits: 26_000, // 13 per order
      dynamodbReadUnits: 1000,
      logBytes: 4_000_000, // 2000 B per order → 2 GB per million
      apiRequests: 2000,
    };
    const { lines, totalUsd } = costPerMillionOrders(usage);
    const cost = (item: string) => lines.find((l) => l.item === item)?.usdPerMillionOrders;
    expect(cost('SNS publish requests')).toBeCloseTo(0.1 * 0.5, 10);
    expect(cost('SQS requests')).toBeCloseTo(3 * 0.4, 10);
    expect(cost('Lambda invocations')).toBeCloseTo(0.4 * 0.2, 10);
    expect(cost('Lambda duration (arm64)')).toBeCloseTo(0.01 * 1e6 * 0.0000133334, 10);
    expect(cost('DynamoDB write units')).toBeCloseTo(13 * 0.625, 10);
    expect(cost('DynamoDB read units')).toBeCloseTo(0.5 * 0.125, 10);
    expect(cost('CloudWatch Logs ingestion')).toBeCloseTo(2 * 0.5, 10);
    expect(cost('API Gateway HTTP API requests')).toBeCloseTo(1, 10);
    expect(cost('KMS requests (volume-dependent)')).toBe(0);
    expect(totalUsd).toBeCloseTo(
      lines.reduce((s, l) => s + l.usdPerMillionOrders, 0),
      10,
    );
    expect(totalUsd).toBeCloseTo(0.05 + 1.2 + 0.08 + 0.133334 + 8.125 + 0.0625 + 1 + 1, 6);
  });

  it('follows the price table it is given', () => {
    const doubled = Object.fromEntries(
      Object.entries(AWS_PRICES).map(([k, p]) => [k, { ...p, usd: p.usd * 2 }]),
    ) as unknown as PriceTable;
    const usage = { ...noUsage, sqsRequests: 1000, dynamodbWriteUnits: 1000 };
    expect(costPerMillionOrders(usage, doubled).totalUsd).toBeCloseTo(
      2 * costPerMillionOrders(usage).totalUsd,
      10,
    );
  });

  it('refuses usage without orders', () => {
    expect(() => costPerMillionOrders({ ...noUsage, orders: 0 })).toThrow(RangeError);
  });
});

describe('fixed monthly cost', () => {
  it('prices alarms per metric, dashboards, custom metrics, keys and KMS requests', () => {
    const { lines, totalUsd } = fixedMonthlyCost({
      alarmMetrics: 26,
      dashboards: 1,
      kmsKeys: 6,
      customMetrics: 16,
      kmsRequestsPerMonth: 100_000,
    });
    const cost = (item: string) => lines.find((l) => l.item.startsWith(item))?.usdPerMonth;
    expect(cost('CloudWatch alarm')).toBeCloseTo(2.6, 10);
    expect(cost('CloudWatch dashboards')).toBe(3);
    expect(cost('CloudWatch custom')).toBeCloseTo(4.8, 10);
    expect(cost('KMS customer')).toBe(6);
    expect(cost('KMS requests')).toBeCloseTo(0.3, 10);
    expect(totalUsd).toBeCloseTo(2.6 + 3 + 4.8 + 6 + 0.3, 10);
  });
});

describe('price table', () => {
  it('names an AWS pricing page for every price', () => {
    for (const price of Object.values(AWS_PRICES)) {
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z-]+\/pricing\//);
      expect(price.usd).toBeGreaterThanOrEqual(0);
    }
  });
});
