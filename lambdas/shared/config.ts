/**
 * Environment of the Lambda functions, read once and validated, so a misconfigured deployment
 * fails at cold start with one error naming every missing variable instead of at the first record.
 */
import { ConfigurationError } from './errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Settings of a consumer function (see the conventions' environment variables). */
export interface ConsumerConfig {
  readonly serviceName: string;
  readonly idempotencyTableName: string;
  readonly idempotencyExpirySeconds: number;
  readonly effectTableName: string;
  readonly dlqUrl: string;
  /** Records of one batch processed at once (standard queues; FIFO records run one at a time). */
  readonly recordConcurrency: number;
}

/** Settings of the order API function. */
export interface OrderApiConfig {
  readonly topicArn: string;
  readonly maxBodyBytes: number;
}

/**
 * Default of {@link ConsumerConfig.recordConcurrency}. A 256 MB function has about a seventh of a
 * vCPU: a handful of records in flight already keeps it busy while their calls wait on the network,
 * and more only queue inside the SDK's connection pool with their timers running. Bounding it also
 * keeps one large batch from queueing hundreds of requests at once in front of a shared DynamoDB
 * partition (or, locally, in front of every other function on the same cores).
 */
export const DEFAULT_RECORD_CONCURRENCY = 5;

/** Largest {@link ConsumerConfig.recordConcurrency}: the AWS SDK's default pool of 50 sockets. */
export const MAX_RECORD_CONCURRENCY = 50;

/** Default limit for an order API request body. */
export const DEFAULT_MAX_BODY_BYTES = 65_536;

class EnvReader {
  readonly problems: string[] = [];
  readonly names: string[] = [];
  constructor(private readonly env: Env) {}

  required(name: string): string {
    const value = this.env[name]?.trim();
    if (!value) {
      this.problems.push(`${name} is not set`);
      this.names.push(name);
      return '';
    }
    return value;
  }

  positiveInt(name: string, fallback?: number): number {
    const raw = this.env[name]?.trim();
    if (!raw) {
      if (fallback !== undefined) return fallback;
      this.problems.push(`${name} is not set`);
      this.names.push(name);
      return 0;
    }
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0) {
      this.problems.push(`${name} must be a positive integer (got "${raw}")`);
      this.names.push(name);
    }
    return n;
  }

  done<T>(what: string, value: T): T {
    if (this.problems.length > 0) {
      throw new ConfigurationError(`${what} configuration: ${this.problems.join('; ')}`, this.names);
    }
    return value;
  }
}

/**
 * Reads SERVICE_NAME, IDEMPOTENCY_TABLE_NAME, IDEMPOTENCY_EXPIRY_SECONDS, EFFECT_TABLE_NAME, DLQ_URL
 * and RECORD_CONCURRENCY (default {@link DEFAULT_RECORD_CONCURRENCY}).
 * @throws ConfigurationError naming every missing or invalid variable
 */
export function readConsumerConfig(env: Env = process.env): ConsumerConfig {
  const r = new EnvReader(env);
  return r.done('consumer', {
    serviceName: r.required('SERVICE_NAME'),
    idempotencyTableName: r.required('IDEMPOTENCY_TABLE_NAME'),
    idempotencyExpirySeconds: r.positiveInt('IDEMPOTENCY_EXPIRY_SECONDS'),
    effectTableName: r.required('EFFECT_TABLE_NAME'),
    dlqUrl: r.required('DLQ_URL'),
    recordConcurrency: r.positiveInt('RECORD_CONCURRENCY', DEFAULT_RECORD_CONCURRENCY),
  });
}

/**
 * Reads TOPIC_ARN and MAX_BODY_BYTES (default {@link DEFAULT_MAX_BODY_BYTES}).
 * @throws ConfigurationError naming every missing or invalid variable
 */
export function readOrderApiConfig(env: Env = process.env): OrderApiConfig {
  const r = new EnvReader(env);
  return r.done('order API', {
    topicArn: r.required('TOPIC_ARN'),
    maxBodyBytes: r.positiveInt('MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES),
  });
}
