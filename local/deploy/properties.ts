/** Small readers of resolved template properties, shared by the providers. */
import type { ResolvedValue } from '../intrinsics.ts';
import { LocalDeployError } from './deployment.ts';

/** `value` as a string, or the error naming where (`at`) it was expected. */
export function expectString(value: ResolvedValue | undefined, at: string): string {
  if (typeof value !== 'string')
    throw new LocalDeployError(`${at}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

/** `value`, or the error `message` when an emulator left it out of its answer. */
export function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new LocalDeployError(message);
  return value;
}

/** A JSON-document property (a policy) as the string the AWS APIs take. */
export function jsonString(value: ResolvedValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A boolean property CloudFormation also accepts as the string `"true"`. */
export function isTrue(value: ResolvedValue | undefined): boolean {
  return value === true || value === 'true';
}
