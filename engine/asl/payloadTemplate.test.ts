import { StatesError } from '../../schemas/errors';
import { applyPayloadTemplate, evaluateDollarValue } from './payloadTemplate';

const env = { newId: () => 'id', random: () => 0 };
const scope = { input: { 'int-literal': 0, a: { b: [1, 2] } }, context: { Execution: { Input: { q: 1 } } }, variables: { v: 'var' } };

describe('applyPayloadTemplate', () => {
  it('resolves .$ keys from input, context, variables and intrinsics, recursing into objects and arrays', () => {
    const tpl = {
      lit: 'x',
      'p.$': '$.a.b[1]',
      'c.$': '$$.Execution.Input.q',
      'v.$': '$v',
      'f.$': "States.Format('{}!', $v)",
      nested: { 'deep.$': '$.a', arr: [{ 'i.$': '$.int-literal' }, 3] },
    };
    expect(applyPayloadTemplate(tpl, scope, env)).toEqual({
      lit: 'x',
      p: 2,
      c: 1,
      v: 'var',
      f: 'var!',
      nested: { deep: { b: [1, 2] }, arr: [{ i: 0 }, 3] },
    });
  });
  it('reports a missing path in AWS wording', () => {
    const err = (() => {
      try {
        applyPayloadTemplate({ 'value.$': '$$.Execution.Input.no_such_jsonpath' }, { ...scope, input: { 'int-literal': 0 } }, env);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(StatesError);
    expect((err as StatesError).error).toBe('States.Runtime');
    expect((err as StatesError).causeText).toBe(`The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}'`);
  });
  it('rejects a non-string .$ value', () => {
    expect(() => evaluateDollarValue('x.$', 5, scope, env)).toThrow(StatesError);
  });
  it('passes scalars through', () => {
    expect(applyPayloadTemplate('s', scope, env)).toBe('s');
    expect(applyPayloadTemplate(null, scope, env)).toBeNull();
  });
});

describe('__proto__ keys', () => {
  it('stay data and do not change the prototype', () => {
    const tpl = JSON.parse('{"__proto__": {"polluted": true}, "x.$": "$.a"}') as unknown;
    const out = applyPayloadTemplate(tpl, scope, env) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'x']);
    expect((out as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('index past the end', () => {
  it('resolves to null in a plain .$ field, as on AWS', () => {
    expect(applyPayloadTemplate({ 'v.$': '$.a.b[5]' }, scope, env)).toEqual({ v: null });
  });
  it('still fails when the path goes on past the missing element', () => {
    expect(() => applyPayloadTemplate({ 'v.$': '$.a.b[5].x' }, scope, env)).toThrow(StatesError);
  });
});
