/**
 * Reads an AWS API request the way IAM sees it: which service and operation, which caller (the
 * access key id of the SigV4 credential, and the session token naming the sandbox), and which
 * resources with which condition keys each part of it needs. Covers the protocols the embedded
 * emulators speak: DynamoDB JSON 1.0, SQS JSON 1.0 (`AmazonSQS.*`), and SNS/SQS query
 * (form-encoded `Action=`). Pure functions: the endpoint proxy feeds them raw requests.
 */

/** Service of a request, as in the SigV4 credential scope. */
export type AwsService = 'dynamodb' | 'sqs' | 'sns' | 'unknown';

/** The key schema part that `dynamodb:LeadingKeys` needs: the partition key attribute of a table. */
export type PartitionKeyOf = (tableName: string) => string | undefined;

/**
 * One authorization IAM evaluates for a request: an action on a resource, with the condition keys
 * the request carries. A TransactWriteItems of three items is three of these (DynamoDB authorizes
 * each item by its own action), a Query on an index one on the index ARN.
 */
export interface Authorization {
  /** IAM action, e.g. `dynamodb:PutItem`, `sqs:SendMessage`, `sns:Publish`. */
  readonly action: string;
  /** Resource ARN, e.g. `arn:aws:dynamodb:us-east-1:000000000000:table/Orders`; `*` for list calls. */
  readonly resource: string;
  /**
   * Condition keys present on this authorization, each with its values. Today
   * `dynamodb:LeadingKeys` (partition key values touched, as strings) when the request names them.
   */
  readonly conditionKeys: Readonly<Record<string, readonly string[]>>;
}

/** What a request is, before it is answered. */
export interface ParsedRequest {
  readonly service: AwsService;
  /** API operation name, e.g. `TransactWriteItems`, `ReceiveMessage`, `Publish`; `unknown` if unreadable. */
  readonly action: string;
  /** Wire protocol: JSON 1.0 (`X-Amz-Target`) or query (form-encoded `Action=`). */
  readonly protocol: 'json' | 'query';
  /** Access key id of the SigV4 credential (`anonymous` when unsigned). */
  readonly accessKeyId: string;
  /** `X-Amz-Security-Token` (the embedded function host puts a sandbox id there), if any. */
  readonly sessionToken: string | undefined;
  /** Distinct resource ARNs the request touches, in first-seen order. */
  readonly resources: readonly string[];
  /** Every authorization the request needs (see {@link Authorization}). */
  readonly authorizations: readonly Authorization[];
  /** Whether the operation changes state (a write, a send, a delete, a publish). */
  readonly mutating: boolean;
  /** The SDK's `amz-sdk-invocation-id` (constant across the retries of one operation), if sent. */
  readonly invocationId: string | undefined;
  /** The SDK's attempt number from `amz-sdk-request` (`attempt=2; max=3` → 2); 1 when absent. */
  readonly attempt: number;
}

/** Region and account used to build ARNs. */
export interface ArnContext {
  readonly region: string;
  readonly accountId: string;
}

/** Request headers, as `node:http` gives them. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The headers {@link parseAwsRequest} reads: all an observer needs to forward of a request. */
export const REQUEST_HEADERS_READ = [
  'authorization',
  'x-amz-target',
  'x-amz-security-token',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
] as const;
type Json = Readonly<Record<string, unknown>>;

const DYNAMODB_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'CreateTable',
  'DeleteTable',
  'UpdateTable',
  'UpdateTimeToLive',
  'TagResource',
  'UntagResource',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);
const SQS_READS = new Set([
  'GetQueueUrl',
  'GetQueueAttributes',
  'ListQueues',
  'ListQueueTags',
  'ListDeadLetterSourceQueues',
  'ListMessageMoveTasks',
]);
const SNS_READS = new Set([
  'GetTopicAttributes',
  'GetSubscriptionAttributes',
  'ListTopics',
  'ListSubscriptions',
  'ListSubscriptionsByTopic',
  'ListTagsForResource',
]);
/** Batch operations IAM authorizes as their single-message action. */
const SQS_IAM_ACTION: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};
const SNS_IAM_ACTION: Readonly<Record<string, string>> = { PublishBatch: 'Publish' };

function header(headers: RequestHeaders, name: (typeof REQUEST_HEADERS_READ)[number]): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

/** Access key id and service of the SigV4 `Authorization` header (`Credential=AKID/date/region/service/…`). */
export function credentialOf(authorization: string | undefined): {
  accessKeyId: string;
  service: string | undefined;
} {
  const match = /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\//.exec(authorization ?? '');
  return match
    ? { accessKeyId: match[1] ?? '', service: match[2] }
    : { accessKeyId: 'anonymous', service: undefined };
}

/**
 * A request body: the raw text, or the object a server already decoded it into (the JSON document,
 * or the query form as name → value), which spares decoding it twice.
 */
export type RequestBody = string | Readonly<Record<string, unknown>>;

/** Parses one request (headers + body). Never throws: what it cannot read stays `unknown`. */
export function parseAwsRequest(
  headers: RequestHeaders,
  body: RequestBody,
  context: ArnContext,
  partitionKeyOf: PartitionKeyOf = () => undefined,
): ParsedRequest {
  const credential = credentialOf(header(headers, 'authorization'));
  const target = header(headers, 'x-amz-target') ?? '';
  const attemptMatch = /attempt=(\d+)/.exec(header(headers, 'amz-sdk-request') ?? '');
  const common = {
    accessKeyId: credential.accessKeyId,
    sessionToken: header(headers, 'x-amz-security-token'),
    invocationId: header(headers, 'amz-sdk-invocation-id'),
    attempt: attemptMatch ? Number(attemptMatch[1]) : 1,
  };
  let service: AwsService = 'unknown';
  let action = 'unknown';
  let params: Json = {};
  const protocol = target === '' ? 'query' : 'json';
  if (target.startsWith('DynamoDB_')) {
    service = 'dynamodb';
    action = target.slice(target.indexOf('.') + 1);
    params = parseJson(body);
  } else if (target.startsWith('AmazonSQS.')) {
    service = 'sqs';
    action = target.slice('AmazonSQS.'.length);
    params = parseJson(body);
  } else if (target.startsWith('AmazonSimpleNotificationService.')) {
    service = 'sns';
    action = target.slice(target.indexOf('.') + 1);
    params = parseJson(body);
  } else {
    // Query protocol: the credential scope says which service the form is for.
    params = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body).entries()) : body;
    action = typeof params.Action === 'string' ? params.Action : 'unknown';
    service = credential.service === 'sns' ? 'sns' : credential.service === 'sqs' ? 'sqs' : 'unknown';
  }
  const authorizations =
    service === 'dynamodb'
      ? dynamodbAuthorizations(action, params, context, partitionKeyOf)
      : service === 'sqs'
        ? [
            {
              action: `sqs:${SQS_IAM_ACTION[action] ?? action}`,
              resource: queueArn(params, context),
              conditionKeys: {},
            },
          ]
        : service === 'sns'
          ? [
              {
                action: `sns:${SNS_IAM_ACTION[action] ?? action}`,
                resource: topicArn(params),
                conditionKeys: {},
              },
            ]
          : [];
  const mutating =
    service === 'dynamodb'
      ? DYNAMODB_WRITES.has(action)
      : service === 'sqs'
        ? !SQS_READS.has(action) && action !== 'ReceiveMessage'
        : service === 'sns'
          ? !SNS_READS.has(action)
          : false;
  return {
    ...common,
    protocol,
    service,
    action,
    resources: [...new Set(authorizations.map((a) => a.resource))],
    authorizations,
    mutating,
  };
}

function parseJson(body: RequestBody): Json {
  if (typeof body !== 'string') return body;
  try {
    const value = JSON.parse(body) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
  } catch {
    return {};
  }
}

/** `arn:aws:sqs:<region>:<account>:<name>` from a QueueUrl (`…/<account>/<name>`) or QueueName. */
function queueArn(params: Json, context: ArnContext): string {
  const url = typeof params.QueueUrl === 'string' ? params.QueueUrl : undefined;
  if (url !== undefined) {
    const parts = url.replace(/\/+$/, '').split('/');
    const name = parts.at(-1) ?? '';
    const account = parts.at(-2) ?? context.accountId;
    return `arn:aws:sqs:${context.region}:${/^\d{12}$/.test(account) ? account : context.accountId}:${name}`;
  }
  if (typeof params.QueueName === 'string') {
    return `arn:aws:sqs:${context.region}:${context.accountId}:${params.QueueName}`;
  }
  return '*';
}

function topicArn(params: Json): string {
  for (const key of ['TopicArn', 'TargetArn', 'ResourceArn']) {
    if (typeof params[key] === 'string' && params[key] !== '') return params[key];
  }
  return '*';
}

function tableArn(table: string, context: ArnContext, index?: string): string {
  const base = `arn:aws:dynamodb:${context.region}:${context.accountId}:table/${table}`;
  return index === undefined ? base : `${base}/index/${index}`;
}

/** A DynamoDB attribute value as the string IAM compares (`S`, `N` and `B` as sent). */
function scalar(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  for (const type of ['S', 'N', 'B']) if (typeof v[type] === 'string') return v[type];
  return undefined;
}

function dynamodbAuthorizations(
  action: string,
  params: Json,
  context: ArnContext,
  partitionKeyOf: PartitionKeyOf,
): Authorization[] {
  const leading = (table: string, items: readonly unknown[]): Record<string, string[]> => {
    const pk = partitionKeyOf(table);
    if (pk === undefined) return {};
    const values = items
      .map((item) => scalar((item as Json | undefined)?.[pk]))
      .filter((v): v is string => v !== undefined);
    return values.length === 0 ? {} : { 'dynamodb:LeadingKeys': [...new Set(values)] };
  };
  const one = (iamAction: string, p: Json): Authorization | undefined => {
    const table = typeof p.TableName === 'string' ? p.TableName : undefined;
    if (table === undefined) return undefined;
    const index = typeof p.IndexName === 'string' ? p.IndexName : undefined;
    let keys: Record<string, string[]> = {};
    if (p.Key !== undefined) keys = leading(table, [p.Key]);
    else if (p.Item !== undefined) keys = leading(table, [p.Item]);
    else if (iamAction === 'dynamodb:Query') keys = queryLeadingKeys(table, p, partitionKeyOf);
    return { action: iamAction, resource: tableArn(table, context, index), conditionKeys: keys };
  };
  if (action === 'TransactWriteItems' || action === 'TransactGetItems') {
    const out: Authorization[] = [];
    const operations: Readonly<Record<string, string>> = {
      Put: 'PutItem',
      Update: 'UpdateItem',
      Delete: 'DeleteItem',
      ConditionCheck: 'ConditionCheckItem',
      Get: 'GetItem',
    };
    for (const item of Array.isArray(params.TransactItems) ? (params.TransactItems as Json[]) : []) {
      for (const [op, iam] of Object.entries(operations)) {
        const part = item?.[op] as Json | undefined;
        const auth = part === undefined ? undefined : one(`dynamodb:${iam}`, part);
        if (auth !== undefined) out.push(auth);
      }
    }
    return out;
  }
  if (action === 'BatchWriteItem' || action === 'BatchGetItem') {
    const requests = (params.RequestItems ?? {}) as Record<string, unknown>;
    return Object.entries(requests).map(([table, value]) => {
      const keys =
        action === 'BatchGetItem'
          ? (((value as Json | undefined)?.Keys as unknown[] | undefined) ?? [])
          : ((value as Json[] | undefined) ?? []).map(
              (r) => (r?.PutRequest as Json | undefined)?.Item ?? (r?.DeleteRequest as Json | undefined)?.Key,
            );
      return {
        action: `dynamodb:${action}`,
        resource: tableArn(table, context),
        conditionKeys: leading(table, keys),
      };
    });
  }
  const auth = one(`dynamodb:${action}`, params);
  return auth === undefined ? [{ action: `dynamodb:${action}`, resource: '*', conditionKeys: {} }] : [auth];
}

/** Partition key values of a Query: `pk = :v` in KeyConditionExpression, or legacy KeyConditions EQ. */
function queryLeadingKeys(table: string, p: Json, partitionKeyOf: PartitionKeyOf): Record<string, string[]> {
  const pk = partitionKeyOf(table);
  if (pk === undefined) return {};
  const names = (p.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (p.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const resolve = (token: string): string => (token.startsWith('#') ? (names[token] ?? token) : token);
  const found: string[] = [];
  const expression = typeof p.KeyConditionExpression === 'string' ? p.KeyConditionExpression : '';
  for (const m of expression.matchAll(/([#:]?[\w.]+)\s*=\s*([#:]?[\w.]+)/g)) {
    const [left, right] = [m[1] ?? '', m[2] ?? ''];
    const [name, value] = right.startsWith(':') ? [left, right] : [right, left];
    if (resolve(name) === pk && value.startsWith(':')) {
      const v = scalar(values[value]);
      if (v !== undefined) found.push(v);
    }
  }
  const legacy = (p.KeyConditions as Record<string, Json> | undefined)?.[pk];
  if (legacy?.ComparisonOperator === 'EQ') {
    const v = scalar((legacy.AttributeValueList as unknown[] | undefined)?.[0]);
    if (v !== undefined) found.push(v);
  }
  return found.length === 0 ? {} : { 'dynamodb:LeadingKeys': found };
}
