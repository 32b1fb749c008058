// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
/** CloudFormation intrinsics as the local deployer evaluates them, against CloudFormation's documented rules. */
import { describe, expect, it } from 'vitest';
import {
  collectReferences,
  NO_VALUE,
  type ResolveScope,
  resolveValue,
  type TemplateValue,
  UnresolvableIntrinsicError,
} from '../../local/intrinsics.ts';

/** A scope with two created resources, one parameter, one mapping and two conditions. */
const scope: ResolveScope = {
  pseudo: { 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012', 'AWS::StackName': 'S' },
  parameters: { Stage: 'dev' },
  mappings: { Sizes: { dev: { Memory: 256 }, prod: { Memory: 1024 } } },
  ref: (logicalId, at) => {
    if (logicalId === 'Queue') return 'https://q/queue-1';
    if (logicalId === 'Topic') return 'arn:topic';
    throw new UnresolvableIntrinsicError(at, `resource ${logicalId} is not created`);
  },
  getAtt: (logicalId, attribute, at) => {
    if (logicalId === 'Queue' && attribute === 'Arn') return 'arn:aws:sqs:eu-west-1:123456789012:queue-1';
    if (logicalId === 'Queue' && attribute === 'Tags') return ['a', 'b'];
    throw new UnresolvableIntrinsicError(at, `attribute ${attribute} of ${logicalId} is not known`);
  },
  condition: (name, at) => {
    if (name === 'IsDev') return true;
    if (name === 'IsProd') return false;
    throw new UnresolvableIntrinsicError(at, `no condition ${name}`);
  },
};

const resolve = (value: TemplateValue) => resolveValue(value, scope, 'R.Properties');

describe('Ref, Fn::GetAtt and pseudo parameters', () => {
  it('resolves resources, parameters and pseudo parameters', () => {
    expect(resolve({ Ref: 'Queue' })).toBe('https://q/queue-1');
    expect(resolve({ Ref: 'Stage' })).toBe('dev');
    expect(resolve({ Ref: 'AWS::Region' })).toBe('eu-west-1');
    expect(resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe('arn:aws:sqs:eu-west-1:123456789012:queue-1');
    expect(resolve({ 'Fn::GetAtt': 'Queue.Arn' })).toBe('arn:aws:sqs:eu-west-1:123456789012:queue-1');
  });

  it('names the property path of what it cannot resolve', () => {
    expect(() => resolve({ Env: { Url: { Ref: 'Missing' } } })).toThrow(
      'cannot resolve R.Properties.Env.Url.Ref: resource Missing is not created',
    );
    expect(() => resolve({ Ref: 'AWS::Nope' })).toThrow(/pseudo parameter AWS::Nope is unknown/);
    expect(() => resolve({ 'Fn::GetAtt': 7 })).toThrow(/malformed Fn::GetAtt/);
    for (const malformed of ['Queue', '.Arn', ['Queue'], ['Queue', 1], [1, 'Arn']]) {
      expect(() => resolve({ 'Fn::GetAtt': malformed }), JSON.stringify(malformed)).toThrow(
        /malformed Fn::GetAtt/,
      );
    }
    expect(() => resolve({ List: ['ok', { Ref: 'Missing' }] })).toThrow(
      'cannot resolve R.Properties.List[1].Ref: resource Missing is not created',
    );
    let error: unknown;
    try {
      resolve({ Ref: 'Missing' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnresolvableIntrinsicError);
    expect(error).toMatchObject({ name: 'UnresolvableIntrinsicError', location: 'R.Properties.Ref' });
    expect(() => resolve({ 'Fn::Transform': {} })).toThrow(/Fn::Transform is not supported/);
  });
});

describe('AWS::NoValue', () => {
  it('removes the property from an object', () => {
    expect(resolve({ A: 1, B: { Ref: 'AWS::NoValue' } })).toEqual({ A: 1 });
    expect(resolve({ A: { 'Fn::If': ['IsProd', 'x', { Ref: 'AWS::NoValue' }] } })).toEqual({});
  });

  it('removes the element from a list (CloudFormation drops it, it does not leave a hole)', () => {
    expect(
      resolve(['a', { Ref: 'AWS::NoValue' }, { 'Fn::If': ['IsDev', { Ref: 'AWS::NoValue' }, 'c'] }, 'd']),
    ).toEqual(['a', 'd']);
    expect(resolve({ List: [{ Ref: 'AWS::NoValue' }] })).toEqual({ List: [] });
  });

  it('is the NO_VALUE marker on its own (the parent removes it)', () => {
    expect(resolve({ Ref: 'AWS::NoValue' })).toBe(NO_VALUE);
  });
});

describe('Fn::Sub', () => {
  it('substitutes resources, attributes, parameters, pseudo parameters and its own variables', () => {
    expect(resolve({ 'Fn::Sub': '${Queue}|${Queue.Arn}|${Stage}|${AWS::Region}' })).toBe(
      'https://q/queue-1|arn:aws:sqs:eu-west-1:123456789012:queue-1|dev|eu-west-1',
    );
    expect(resolve({ 'Fn::Sub': ['${Name}-${AWS::AccountId}', { Name: { Ref: 'Stage' } }] })).toBe(
      'dev-123456789012',
    );
  });

  it('writes ${!Literal} as the literal ${Literal}, unresolved', () => {
    expect(resolve({ 'Fn::Sub': 'a ${!Queue} b ${!Not.Defined} c' })).toBe('a ${Queue} b ${Not.Defined} c');
    expect(resolve({ 'Fn::Sub': ['${!Name}=${Name}', { Name: 'v' }] })).toBe('${Name}=v');
  });

  it('fails on an unknown variable instead of leaving it as text', () => {
    expect(() => resolve({ 'Fn::Sub': 'x-${Nowhere}' })).toThrow(
      'cannot resolve R.Properties.Fn::Sub(${Nowhere}): resource Nowhere is not created',
    );
    for (const notAMap of [['not a map'], null, 'text']) {
      expect(() => resolve({ 'Fn::Sub': ['x', notAMap] }), JSON.stringify(notAMap)).toThrow(
        /variables must be a map/,
      );
    }
    expect(() => resolve({ 'Fn::Sub': ['x', ['not a map']] })).toThrow(/variables must be a map/);
  });
});

describe('list and string functions', () => {
  it('joins, selects and splits', () => {
    expect(resolve({ 'Fn::Join': ['-', ['a', { Ref: 'Stage' }, 3, true]] })).toBe('a-dev-3-true');
    expect(() => resolve({ 'Fn::Join': [7, ['a']] })).toThrow(/expected a string, got 7/);
    expect(resolve({ 'Fn::Join': ['', []] })).toBe('');
    expect(resolve({ 'Fn::Select': [1, ['a', 'b', 'c']] })).toBe('b');
    expect(resolve({ 'Fn::Select': ['0', { 'Fn::GetAtt': ['Queue', 'Tags'] }] })).toBe('a');
    expect(resolve({ 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] })).toEqual([
      'arn',
      'aws',
      'sqs',
      'eu-west-1',
      '123456789012',
      'queue-1',
    ]);
    expect(resolve({ 'Fn::Base64': 'hi' })).toBe('aGk=');
  });

  it('rejects an index out of range and a join of a non-list', () => {
    for (const index of [3, -1, 1.5]) {
      expect(() => resolve({ 'Fn::Select': [index, ['a', 'b', 'c']] }), String(index)).toThrow(
        /out of range/,
      );
    }
    expect(() => resolve({ 'Fn::Join': ['-', 'ab'] })).toThrow(/needs a list/);
    expect(() => resolve({ 'Fn::Join': ['-', [['nested']]] })).toThrow(/expected a scalar/);
    expect(() => resolve({ 'Fn::Join': ['-'] })).toThrow(/expected a list of 2 arguments/);
  });

  it('looks values up in Mappings', () => {
    expect(resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] })).toBe(256);
    expect(() => resolve({ 'Fn::FindInMap': ['Sizes', 'test', 'Memory'] })).toThrow(
      /no mapping Sizes.test.Memory/,
    );
  });
});

describe('conditions', () => {
  it('evaluates Fn::If, Fn::Equals, Fn::And, Fn::Or, Fn::Not and Condition', () => {
    expect(resolve({ 'Fn::If': ['IsDev', 'yes', 'no'] })).toBe('yes');
    expect(resolve({ 'Fn::If': ['IsProd', 'yes', 'no'] })).toBe('no');
    expect(resolve({ 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] })).toBe(true);
    expect(resolve({ 'Fn::Equals': ['dev', 'prod'] })).toBe(false);
    expect(resolve({ 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Equals': [1, 1] }] })).toBe(true);
    expect(resolve({ 'Fn::And': [{ Condition: 'IsDev' }, { Condition: 'IsProd' }] })).toBe(false);
    expect(resolve({ 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsDev' }] })).toBe(true);
    expect(resolve({ 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsProd' }] })).toBe(false);
    expect(resolve({ 'Fn::Not': [{ Condition: 'IsProd' }] })).toBe(true);
    expect(resolve({ 'Fn::Not': [{ Condition: 'IsDev' }] })).toBe(false);
  });

  it('treats a non-string Condition key as a plain property', () => {
    expect(resolve({ Condition: { StringEquals: { a: 'b' } } })).toEqual({
      Condition: { StringEquals: { a: 'b' } },
    });
  });
});

describe('collectReferences', () => {
  it('finds Ref, GetAtt and Fn::Sub references, not pseudo parameters or ${!Literal}', () => {
    const refs = collectReferences({
      A: { Ref: 'Topic' },
      B: [{ 'Fn::GetAtt': ['Queue', 'Arn'] }, { 'Fn::GetAtt': 'Table.StreamArn' }],
      C: { 'Fn::Sub': '${Fn1.Arn}/${AWS::Region}/${!Skipped}' },
      D: { 'Fn::Sub': ['${X}', { X: { Ref: 'Key' } }] },
      E: { Ref: 'AWS::AccountId' },
    });
    expect([...refs].sort()).toEqual(['Fn1', 'Key', 'Queue', 'Table', 'Topic', 'X']);
  });
});
