/**
 * CloudFormation-like physical names: `<stack>-<logicalId, truncated>-<12 random chars><suffix>`,
 * within the type's name length limit, so two stacks (or two runs) never collide in one emulator.
 */
import { randomBytes } from 'node:crypto';

/** Max physical name lengths (CloudFormation truncates the logical id part to fit). */
const NAME_LIMITS: Readonly<Record<string, number>> = {
  'AWS::SQS::Queue': 80,
  'AWS::SNS::Topic': 256,
  'AWS::DynamoDB::Table': 255,
  'AWS::DynamoDB::GlobalTable': 255,
  'AWS::Lambda::Function': 64,
  'AWS::IAM::Role': 64,
};

/** Limit of a type without an entry above (CloudFormation's most common one). */
const DEFAULT_LIMIT = 128;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const RANDOM_LENGTH = 12;

/** A fresh physical name for `logicalId` of `type` in `stackName`; `suffix` (e.g. `.fifo`) is kept whole. */
export function physicalName(stackName: string, logicalId: string, type: string, suffix = ''): string {
  const limit = (NAME_LIMITS[type] ?? DEFAULT_LIMIT) - suffix.length;
  const random = [...randomBytes(RANDOM_LENGTH)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  const prefix = `${stackName}-`;
  const room = limit - prefix.length - random.length - 1;
  return `${prefix}${logicalId.slice(0, Math.max(1, room))}-${random}${suffix}`;
}
