import { StatesError } from '../../schemas/errors';
import { evaluateIntrinsic, formatValue, isIntrinsicCall, parseIntrinsic } from './intrinsics';
import type { AslEnv, Scope } from './scope';

const env: AslEnv = { newId: () => 'not-a-uuid', random: () => 0.25 };
const scope: Scope = {
  input: { s: 'a,b', n: 5, arr: [1, 2, 2, { x: 1 }, { x: 1 }], obj: { k: 'v' }, tpl: 'x={}' },
  context: { StateMachine: { Name: 'sm-one' } },
  variables: { count: 41 },
};
const ev = (e: string): unknown => evaluateIntrinsic(e, scope, env);

describe('parser', () => {
  it('handles nesting, escapes, literals and paths with brackets', () => {
    expect(ev("States.Format('a\\'b\\{\\}\\\\{}', 'c')")).toBe("a'b{}\\c");
    expect(ev('States.Array(1, -2.5, null, true, false, $.n)')).toEqual([1, -2.5, null, true, false, 5]);
    expect(ev("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 1)")).toBe('one');
    expect(ev('States.MathAdd($count, 1)')).toBe(42);
    expect(ev('States.ArrayLength($.arr[?(@.x == 1)])')).toBe(2);
    expect(ev("States.Array($['obj']['k'])")).toEqual(['v']);
  });
  it('rejects bad syntax with a named problem', () => {
    expect(() => parseIntrinsic('States.Nope(1)')).toThrow(/unknown function States.Nope/);
    expect(() => parseIntrinsic("States.Format('x'")).toThrow(/Invalid intrinsic/);
    expect(() => parseIntrinsic('States.ArrayLength(1, 2)')).toThrow(/takes 1 argument/);
    expect(() => parseIntrinsic("States.Format('\\n')")).toThrow(/invalid escape/);
    expect(() => evaluateIntrinsic('States.UUID(', scope, env)).toThrow(StatesError);
    expect(isIntrinsicCall('States.UUID()')).toBe(true);
    expect(isIntrinsicCall('$.States')).toBe(false);
  });
  it('refuses nesting deeper than AWS allows', () => {
    const deep = 'States.Array('.repeat(11) + ')'.repeat(11);
    expect(() => parseIntrinsic(deep)).toThrow(/at most 10/);
  });
});

describe('functions', () => {
  it('Format renders values the Java way and checks the argument count', () => {
    expect(ev("States.Format('{} {} {}', $.obj, $.arr, null)")).toBe('{k=v} [1, 2, 2, {x=1}, {x=1}] null');
    expect(ev('States.Format($.tpl, 3)')).toBe('x=3');
    expect(() => ev("States.Format('{}')")).toThrow(/placeholders/);
    expect(() => ev("States.Format('x', 1)")).toThrow(/placeholders/);
    expect(formatValue(1.5)).toBe('1.5');
  });
  it('JSON functions', () => {
    expect(ev('States.StringToJson(\'{"a":[1]}\')')).toEqual({ a: [1] });
    expect(() => ev("States.StringToJson('{')")).toThrow(StatesError);
    expect(ev('States.JsonToString($.obj)')).toBe('{"k":"v"}');
    expect(ev('States.JsonMerge($.obj, States.StringToJson(\'{"k":2,"z":1}\'), false)')).toEqual({ k: 2, z: 1 });
    expect(() => ev('States.JsonMerge($.arr, $.obj, false)')).toThrow(StatesError);
  });
  it('array functions', () => {
    expect(ev('States.ArrayPartition($.arr, 2)')).toEqual([[1, 2], [2, { x: 1 }], [{ x: 1 }]]);
    expect(() => ev('States.ArrayPartition($.arr, 0)')).toThrow(StatesError);
    expect(ev('States.ArrayContains($.arr, States.StringToJson(\'{"x":1}\'))')).toBe(true);
    expect(ev('States.ArrayRange(0, 9, 3)')).toEqual([0, 3, 6, 9]);
    expect(ev('States.ArrayRange(5, 1, -2)')).toEqual([5, 3, 1]);
    expect(() => ev('States.ArrayRange(0, 2000, 1)')).toThrow(/1000/);
    expect(() => ev('States.ArrayRange(0, 1, 0)')).toThrow(StatesError);
    expect(() => ev('States.ArrayGetItem($.arr, 9)')).toThrow(/out of bounds/);
    expect(ev('States.ArrayUnique($.arr)')).toEqual([1, 2, { x: 1 }]);
    expect(ev('States.ArrayLength($.arr)')).toBe(5);
  });
  it('encoding and hashing', () => {
    expect(ev("States.Base64Encode('Data to encode')")).toBe('RGF0YSB0byBlbmNvZGU=');
    expect(ev("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')")).toBe('Data to encode');
    expect(() => ev("States.Base64Decode('!!')")).toThrow(StatesError);
    expect(ev("States.Hash('input data', 'SHA-1')")).toBe('aaff4a450a104cd177d28d18d74485e8cae074b7');
    expect(ev("States.Hash('input data', 'MD5')")).toMatch(/^[0-9a-f]{32}$/);
    expect(() => ev("States.Hash('x', 'SHA-3')")).toThrow(/algorithm/);
  });
  it('math', () => {
    expect(ev('States.MathAdd(-1.5, -1.51)')).toBe(-3);
    expect(ev('States.MathAdd(-0.5, 0.5)')).toBe(1);
    expect(ev('States.MathRandom(10, 20)')).toBe(12);
    const a = ev('States.MathRandom(1, 1000, 7)');
    expect(ev('States.MathRandom(1, 1000, 7)')).toBe(a);
    expect(a).toBeGreaterThanOrEqual(1);
    expect(a).toBeLessThan(1000);
    expect(() => ev('States.MathRandom(5, 5)')).toThrow(StatesError);
  });
  it('StringSplit tokenises on each delimiter character', () => {
    expect(ev("States.StringSplit('This.is+a,,test', '.+,')")).toEqual(['This', 'is', 'a', 'test']);
  });
  it('UUID is a v4 UUID built from the injected random source', () => {
    expect(ev('States.UUID()')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const uuidEnv = { newId: () => '123E4567-E89B-42D3-A456-426614174000', random: () => 0 };
    expect(evaluateIntrinsic('States.UUID()', scope, uuidEnv)).toBe('123e4567-e89b-42d3-a456-426614174000');
  });
  it('a missing path argument is States.Runtime', () => {
    expect(() => ev('States.ArrayLength($.missing)')).toThrow(/could not be found/);
  });
});

describe('AWS failure wording', () => {
  const input = { other: 1, items: [1, 2] };
  const s2: Scope = { input, context: { State: { Name: 'P' } }, variables: {} };
  const causeOf = (expr: string): string | undefined => {
    try {
      evaluateIntrinsic(expr, s2, env);
    } catch (e) {
      expect(e).toBeInstanceOf(StatesError);
      expect((e as StatesError).error).toBe('States.Runtime');
      return (e as StatesError).causeText;
    }
    return undefined;
  };
  const miss = (expr: string, arg: string): string =>
    `The function '${expr}' had the following error: The JsonPath argument for the field '${arg}' could not be found in the input '{"other":1,"items":[1,2]}'`;
  it.each([
    ["States.Format('{}', $.nope)", '$.nope'],
    ["States.Format('{}',$.nope)", '$.nope'],
    ["States.Format('{} {}', $.other, $.a.b)", '$.a.b'],
    ['States.Format($.nope, 1)', '$.nope'],
    ["States.Format('{}', States.Format('{}', $.nope))", '$.nope'],
    ["States.Format('{}', $.items[5])", '$.items[5]'],
    ["States.Format('{}', $$.Nope.Deep)", '$.Nope.Deep'],
    ['States.JsonMerge($.nope, $.other, false)', '$.nope'],
  ])('%s names the whole expression and the missing argument', (expr, arg) => {
    expect(causeOf(expr)).toBe(miss(expr, arg));
  });
  it('leaks Jayway text when indexing a non-array, as AWS does', () => {
    expect(causeOf("States.Format('{}', $.other[0])")).toBe("The function 'States.Format('{}', $.other[0])' had the following error: Filter: [0] can only be applied to arrays. Current context is: 1");
  });
  it('a null argument is present, and a wildcard matching nothing is []', () => {
    expect(evaluateIntrinsic("States.Format('{}', $.n)", { ...s2, input: { n: null } }, env)).toBe('null');
    expect(evaluateIntrinsic('States.ArrayLength($.items[*].nope)', s2, env)).toBe(0);
    expect(evaluateIntrinsic('States.JsonToString($)', s2, env)).toBe('{"other":1,"items":[1,2]}');
  });
  it('function errors also name the whole expression', () => {
    expect(causeOf('States.ArrayLength(States.ArrayGetItem($.items, 9))')).toMatch(/^The function 'States.ArrayLength\(States.ArrayGetItem\(\$.items, 9\)\)' had the following error: /);
  });
});
