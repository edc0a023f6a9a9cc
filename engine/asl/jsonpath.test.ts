import { StatesError } from '../../schemas/errors';
import { isReferencePath, isValidPath, PathNotFoundError, readPath } from './jsonpath';
import { resolvePath } from './resolvePath';
import { applyResultPath } from './resultPath';

const doc = {
  a: { b: 1, c: [10, 20, 30] },
  items: [
    { id: 1, v: 'x', n: 5 },
    { id: 2, v: 'y' },
    { id: 3, v: 'z', n: 0.5 },
  ],
  'odd key': 'o',
  nil: null,
};

describe('readPath definite', () => {
  it.each([
    ['$', doc],
    ['$.a.b', 1],
    ["$['a']['b']", 1],
    ['$["odd key"]', 'o'],
    ['$.a.c[0]', 10],
    ['$.a.c[-1]', 30],
    ['$.items[1].v', 'y'],
    ['$.nil', null],
  ])('%s', (path, expected) => {
    expect(readPath(doc, path)).toEqual(expected);
  });

  it('throws PathNotFoundError with Jayway wording for a missing leaf', () => {
    expect(() => readPath({ 'int-literal': 0 }, '$.NoSuchInputPath')).toThrow(new PathNotFoundError('$.NoSuchInputPath', "No results for path: $['NoSuchInputPath']"));
  });
  it('throws for a missing intermediate, a non-object and an out-of-range index', () => {
    expect(() => readPath(doc, '$.x.y')).toThrow("Missing property in path $['x']");
    expect(() => readPath(doc, '$.a.b.c')).toThrow(PathNotFoundError);
    expect(() => readPath(doc, '$.a.c[3]')).toThrow(PathNotFoundError);
  });
  it('merges a multi-name leaf into one object, as Jayway does', () => {
    expect(readPath({ a: 1, b: 2, c: 3 }, "$['a','c','zz']")).toEqual({ a: 1, c: 3 });
    expect(readPath({ o: [{ a: 1, b: 2 }] }, "$.o[*]['a','b']")).toEqual([{ a: 1, b: 2 }]);
    expect(readPath({ o: { a: { x: 1 }, b: { x: 2 } } }, "$.o['a','b'].x")).toEqual([1, 2]);
    expect(() => readPath({ o: 5 }, "$.o['a','b']")).toThrow(PathNotFoundError);
    expect(isReferencePath("$['a','b']")).toBe(false);
  });
  it("accepts AWS's documented dot-bracket form $.abc.['def ghi']", () => {
    expect(readPath({ abc: { 'def ghi': 7 } }, "$.abc.['def ghi']")).toBe(7);
    expect(isReferencePath("$.abc.['def ghi']")).toBe(true);
  });
  it('keeps backslashes that do not escape the quote', () => {
    expect(readPath({ 'Test\\""Name"': 'V' }, `$['Test\\""Name"']`)).toBe('V');
    expect(readPath({ "it's": 1 }, "$['it\\'s']")).toBe(1);
  });
});

describe('readPath indefinite returns lists', () => {
  it.each([
    ['$.items[*].id', [1, 2, 3]],
    ['$.items[*].n', [5, 0.5]],
    ['$.a.c[1:]', [20, 30]],
    ['$.a.c[:1]', [10]],
    ['$.a.c[::2]', [10, 30]],
    ['$.a.c[-2:]', [20, 30]],
    ['$.a.c[0,2]', [10, 30]],
    ['$..b', [1]],
    ['$..id', [1, 2, 3]],
    ['$.a.*', [1, [10, 20, 30]]],
    ['$.items[?(@.n > 1)].id', [1]],
    ['$.items[?(@.n)].id', [1, 3]],
    ["$.items[?(@.v == 'y' || @.id >= 3)].id", [2, 3]],
    ["$.items[?(@.v != 'y' && @.id < 3)].id", [1]],
    ['$.items[?(@.v =~ /[xz]/)].id', [1, 3]],
    ["$.items[?(@.v in ['x','z'])].id", [1, 3]],
    ['$.items[?(!(@.n))].id', [2]],
  ])('%s', (path, expected) => {
    expect(readPath(doc, path)).toEqual(expected);
  });
  it('returns [] when nothing matches, even through missing properties', () => {
    expect(readPath({}, '$.item.items[*]')).toEqual([]);
    expect(readPath({}, '$[*]')).toEqual([]);
    expect(readPath({}, '$.items[:1].itemValue')).toEqual([]);
  });
  it('filters match objects only, never scalars (AWS docs)', () => {
    expect(readPath({ a: [1, 5, { v: 5 }] }, '$.a[?(@ > 1)]')).toEqual([]);
    expect(readPath({ jar: [{ a: 1 }, { a: 5 }, { a: 2 }, { a: 7 }, 9] }, '$.jar[?(@.a >= 5)]')).toEqual([{ a: 5 }, { a: 7 }]);
  });
  it('applies a filter to an object itself, as Jayway does', () => {
    expect(readPath({ o: { x: 2 } }, '$.o[?(@.x > 1)]')).toEqual([{ x: 2 }]);
    expect(readPath({ o: { x: 0 } }, '$.o[?(@.x > 1)]')).toEqual([]);
  });
  it('deep-scan filters test each object once', () => {
    expect(readPath({ a: [{ x: 1 }, { x: 0, b: { x: 3 } }] }, '$..[?(@.x > 0)]')).toEqual([{ x: 1 }, { x: 3 }]);
  });
  it('AWS filter case', () => {
    const users = [
      { year: 1997, status: 0 },
      { year: 1998, status: 1 },
    ];
    expect(readPath({ users }, '$.users[?(@.status == 0)]')).toEqual([users[0]]);
  });
});

describe('syntax', () => {
  it('validates', () => {
    expect(isValidPath('$.a[0].b')).toBe(true);
    expect(isValidPath('a.b')).toBe(false);
    expect(isValidPath('$.a[')).toBe(false);
    expect(isValidPath('$.a[?(@.x >)]')).toBe(false);
    expect(isReferencePath('$.a[0].b')).toBe(true);
    expect(isReferencePath('$.a[*]')).toBe(false);
  });
});

describe('resolvePath', () => {
  const scope = { input: { x: 1 }, context: { State: { Name: 'S' } }, variables: { v: { deep: [7] } } };
  it('reads input, context and variables', () => {
    expect(resolvePath('$.x', scope)).toBe(1);
    expect(resolvePath('$', scope)).toEqual({ x: 1 });
    expect(resolvePath('$$.State.Name', scope)).toBe('S');
    expect(resolvePath('$$', scope)).toEqual(scope.context);
    expect(resolvePath('$v.deep[0]', scope)).toBe(7);
    expect(resolvePath('$v', scope)).toEqual({ deep: [7] });
    expect(() => resolvePath('$nope', scope)).toThrow(PathNotFoundError);
  });
});

describe('applyResultPath', () => {
  it('replaces, discards and merges', () => {
    expect(applyResultPath({ a: 1 }, '$', 2)).toBe(2);
    expect(applyResultPath({ a: 1 }, undefined, 2)).toBe(2);
    expect(applyResultPath({ a: 1 }, null, 2)).toEqual({ a: 1 });
    expect(applyResultPath({ a: 1 }, '$.r', 2)).toEqual({ a: 1, r: 2 });
    expect(applyResultPath({ a: 1 }, '$.x.y.z', 2)).toEqual({ a: 1, x: { y: { z: 2 } } });
    expect(applyResultPath({ a: [1, 2] }, '$.a[1]', 9)).toEqual({ a: [1, 9] });
  });
  it('does not mutate the input', () => {
    const input = { a: { b: 1 } };
    applyResultPath(input, '$.a.c', 2);
    expect(input).toEqual({ a: { b: 1 } });
  });
  it('fails on a non-object', () => {
    expect(() => applyResultPath('str', '$.a', 1)).toThrow(StatesError);
    expect(() => applyResultPath({ a: 5 }, '$.a.b', 1)).toThrow(/ResultPathMatchFailure/);
  });
});
