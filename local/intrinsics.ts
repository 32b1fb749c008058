/**
 * CloudFormation intrinsic functions, evaluated the way CloudFormation does at deploy time, for the
 * subset a CDK template uses: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If,
 * Fn::Equals/And/Or/Not, Condition, Fn::FindInMap, Fn::Base64 and the pseudo parameters.
 *
 * Why not cfn-resolver-lib: it evaluates the whole template in one pass from values known up front,
 * but queue URLs and ARNs only exist once the emulator created them (dependency order); it leaves an
 * unresolvable `Ref` or `${X}` as literal text with a console warning instead of failing; and its
 * Fn::Sub resolves only the pseudo-parameter map (no `${Resource}` / `${Resource.Attr}`).
 */
import { LocalRuntimeError } from './errors.ts';

/** A JSON value as found in a template. */
export type TemplateValue =
  | string
  | number
  | boolean
  | null
  | TemplateValue[]
  | { [key: string]: TemplateValue };

/** Marks a property that `Fn::If` / `Ref AWS::NoValue` removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** Value a resolved template node can take (`NO_VALUE` only before the parent removes it). */
export type ResolvedValue =
  | string
  | number
  | boolean
  | null
  | ResolvedValue[]
  | { [key: string]: ResolvedValue }
  | typeof NO_VALUE;

/** What the resolver asks its caller: values of resources already created, parameters, conditions. */
export interface ResolveScope {
  readonly pseudo: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, string>>;
  readonly mappings: Readonly<Record<string, TemplateValue>>;
  /**
   * `Ref` of a resource; throws {@link UnresolvableIntrinsicError} at `at` (the referencing
   * resource and property) when unknown.
   */
  ref(logicalId: string, at: string): string;
  /** `Fn::GetAtt` of a resource; throws at `at` when the resource or attribute is unknown. */
  getAtt(logicalId: string, attribute: string, at: string): ResolvedValue;
  /** Value of a named condition; throws at `at` when it is not defined. */
  condition(name: string, at: string): boolean;
}

/** An intrinsic the local deployer cannot evaluate; names the resource and the property path. */
export class UnresolvableIntrinsicError extends LocalRuntimeError {
  constructor(
    readonly location: string,
    reason: string,
  ) {
    super(`cannot resolve ${location}: ${reason}`);
  }
}

/**
 * Resolves every intrinsic inside `value`. `location` names the resource/property for errors,
 * e.g. `WorkerFunction52F369C4.Properties.Environment`.
 */
export function resolveValue(value: TemplateValue, scope: ResolveScope, location: string): ResolvedValue {
  if (Array.isArray(value)) {
    return value
      .map((item, index) => resolveValue(item, scope, `${location}[${index}]`))
      .filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only !== undefined && (only === 'Ref' || only.startsWith('Fn::') || only === 'Condition')) {
    const argument = value[only] as TemplateValue;
    // `Condition` is an intrinsic only inside Fn::And/Or/Not; elsewhere it could be a property name.
    if (only !== 'Condition' || typeof argument === 'string') {
      return resolveIntrinsic(only, argument, scope, `${location}.${only}`);
    }
  }
  const result: { [key: string]: ResolvedValue } = {};
  for (const key of keys) {
    const resolved = resolveValue(value[key] as TemplateValue, scope, `${location}.${key}`);
    if (resolved !== NO_VALUE) result[key] = resolved;
  }
  return result;
}

function resolveIntrinsic(name: string, arg: TemplateValue, scope: ResolveScope, at: string): ResolvedValue {
  switch (name) {
    case 'Ref':
      return resolveRef(expectString(arg, at), scope, at);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = getAttArguments(resolveValue(arg, scope, at), at);
      return scope.getAtt(logicalId, attribute, at);
    }
    case 'Fn::Join': {
      const [delimiter, items] = expectArray(arg, 2, at);
      const list = resolveValue(items as TemplateValue, scope, at);
      if (!Array.isArray(list)) throw new UnresolvableIntrinsicError(at, 'Fn::Join needs a list');
      return list.map((item) => scalarToString(item, at)).join(expectString(delimiter as TemplateValue, at));
    }
    case 'Fn::Sub':
      return resolveSub(arg, scope, at);
    case 'Fn::Select': {
      const [index, items] = expectArray(arg, 2, at);
      const list = resolveValue(items as TemplateValue, scope, at);
      const position = Number(resolveValue(index as TemplateValue, scope, at));
      if (!Array.isArray(list) || !Number.isInteger(position) || position < 0 || position >= list.length) {
        throw new UnresolvableIntrinsicError(at, `Fn::Select index ${String(position)} out of range`);
      }
      return list[position] as ResolvedValue;
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArray(arg, 2, at);
      const text = scalarToString(resolveValue(source as TemplateValue, scope, at), at);
      return text.split(expectString(delimiter as TemplateValue, at));
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = expectArray(arg, 3, at);
      const chosen = scope.condition(expectString(condition as TemplateValue, at), at) ? whenTrue : whenFalse;
      return resolveValue(chosen as TemplateValue, scope, at);
    }
    case 'Fn::Equals': {
      const [left, right] = expectArray(arg, 2, at);
      return (
        JSON.stringify(resolveValue(left as TemplateValue, scope, at)) ===
        JSON.stringify(resolveValue(right as TemplateValue, scope, at))
      );
    }
    case 'Fn::And':
      return expectArray(arg, undefined, at).every((item) => resolveValue(item, scope, at) === true);
    case 'Fn::Or':
      return expectArray(arg, undefined, at).some((item) => resolveValue(item, scope, at) === true);
    case 'Fn::Not': {
      const [item] = expectArray(arg, 1, at);
      return resolveValue(item as TemplateValue, scope, at) !== true;
    }
    case 'Condition':
      return scope.condition(expectString(arg, at), at);
    case 'Fn::FindInMap': {
      const [map, top, second] = expectArray(arg, 3, at).map((item) =>
        scalarToString(resolveValue(item, scope, at), at),
      );
      const found = (
        scope.mappings[map as string] as Record<string, Record<string, TemplateValue>> | undefined
      )?.[top as string]?.[second as string];
      if (found === undefined) throw new UnresolvableIntrinsicError(at, `no mapping ${map}.${top}.${second}`);
      return resolveValue(found, scope, at);
    }
    case 'Fn::Base64':
      return Buffer.from(scalarToString(resolveValue(arg, scope, at), at)).toString('base64');
    default:
      throw new UnresolvableIntrinsicError(at, `${name} is not supported by the local deployer`);
  }
}

function resolveRef(target: string, scope: ResolveScope, at: string): ResolvedValue {
  if (target === 'AWS::NoValue') return NO_VALUE;
  if (target.startsWith('AWS::')) {
    const pseudo = scope.pseudo[target];
    if (pseudo === undefined)
      throw new UnresolvableIntrinsicError(at, `pseudo parameter ${target} is unknown`);
    return pseudo;
  }
  const parameter = scope.parameters[target];
  if (parameter !== undefined) return parameter;
  return scope.ref(target, at);
}

function resolveSub(arg: TemplateValue, scope: ResolveScope, at: string): string {
  let template: string;
  let variables: Record<string, ResolvedValue> = {};
  if (typeof arg === 'string') {
    template = arg;
  } else {
    const [text, map] = expectArray(arg, 2, at);
    template = expectString(text as TemplateValue, at);
    const resolvedMap = resolveValue(map as TemplateValue, scope, at);
    if (resolvedMap === null || typeof resolvedMap !== 'object' || Array.isArray(resolvedMap)) {
      throw new UnresolvableIntrinsicError(at, 'Fn::Sub variables must be a map');
    }
    variables = resolvedMap as Record<string, ResolvedValue>;
  }
  // `${!Literal}` stays as `${Literal}`.
  return template.replace(/\$\{([^}]+)\}/g, (whole, expression: string) => {
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    const variable = variables[expression];
    if (variable !== undefined) return scalarToString(variable, at);
    const dot = expression.indexOf('.');
    if (dot > 0 && !expression.startsWith('AWS::')) {
      return scalarToString(scope.getAtt(expression.slice(0, dot), expression.slice(dot + 1), at), at);
    }
    const value = resolveRef(expression, scope, `${at}(${whole})`);
    return scalarToString(value, at);
  });
}

/** Logical ids a value depends on (Ref, GetAtt, `${X}` / `${X.Attr}` in Fn::Sub), parameters excluded. */
export function collectReferences(value: TemplateValue, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, into);
    return into;
  }
  if (value === null || typeof value !== 'object') return into;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'Ref' && typeof child === 'string' && !child.startsWith('AWS::')) into.add(child);
    else if (key === 'Fn::GetAtt') {
      if (Array.isArray(child) && typeof child[0] === 'string') into.add(child[0]);
      else if (typeof child === 'string') into.add(child.split('.')[0] ?? child);
    } else if (key === 'Fn::Sub') {
      const text = typeof child === 'string' ? child : Array.isArray(child) ? child[0] : undefined;
      if (typeof text === 'string') {
        for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const name = (match[1] ?? '').split('.')[0] ?? '';
          if (!name.startsWith('AWS::')) into.add(name);
        }
      }
      if (Array.isArray(child) && child[1] !== undefined) collectReferences(child[1], into);
    } else collectReferences(child as TemplateValue, into);
  }
  return into;
}

function getAttArguments(arg: ResolvedValue, at: string): [string, string] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot > 0) return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  if (Array.isArray(arg) && typeof arg[0] === 'string' && typeof arg[1] === 'string') return [arg[0], arg[1]];
  throw new UnresolvableIntrinsicError(at, 'malformed Fn::GetAtt');
}

function expectString(value: TemplateValue, at: string): string {
  if (typeof value !== 'string')
    throw new UnresolvableIntrinsicError(at, `expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function expectArray(value: TemplateValue, length: number | undefined, at: string): TemplateValue[] {
  if (!Array.isArray(value) || (length !== undefined && value.length !== length)) {
    throw new UnresolvableIntrinsicError(at, `expected a list of ${length ?? 'n'} arguments`);
  }
  return value;
}

function scalarToString(value: ResolvedValue, at: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UnresolvableIntrinsicError(at, `expected a scalar, got ${JSON.stringify(value)}`);
}
