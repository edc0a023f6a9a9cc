import { InvalidEventPatternException, MAX_EVENT_PATTERN_LENGTH, compilePattern, validatePattern, validatePatternIssues } from './compilePattern';
import { PatternMatcher, matchesPattern } from './patternMatcher';

const fhirEvent = (resourceType: string, status: string, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e1',
  source: 'clinflow.fhir',
  'detail-type': 'FHIR Resource Changed',
  time: '2025-03-09T14:05:11Z',
  resources: [`${resourceType}/x`],
  detail: { resourceType, reference: `${resourceType}/x`, interaction: 'update', attributes: { status, ...extra } },
});

describe('PatternMatcher', () => {
  it('returns every matching rule once, and only those', () => {
    const m = new PatternMatcher();
    m.addRule('mr-active', { source: ['clinflow.fhir'], detail: { resourceType: ['MedicationRequest'], attributes: { status: ['active'] } } });
    m.addRule('mr-any', { source: ['clinflow.fhir'], detail: { resourceType: ['MedicationRequest'] } });
    m.addRule('obs', { detail: { resourceType: ['Observation'] } });
    m.addRule('not-stopped', { detail: { attributes: { status: [{ 'anything-but': ['stopped', 'cancelled'] }] } } });
    expect(m.matches(fhirEvent('MedicationRequest', 'active')).sort()).toEqual(['mr-active', 'mr-any', 'not-stopped']);
    expect(m.matches(fhirEvent('MedicationRequest', 'stopped')).sort()).toEqual(['mr-any']);
    expect(m.matches(fhirEvent('Observation', 'final')).sort()).toEqual(['not-stopped', 'obs']);
  });

  it('does not let rules that share a state leak matches into each other', () => {
    const m = new PatternMatcher();
    m.addRule('ab', { x: ['a', 'b'] });
    m.addRule('a-then-y', { x: ['a'], y: ['1'] });
    expect(m.matches({ x: 'b', y: '1' })).toEqual(['ab']);
    expect(m.matches({ x: 'a', y: '1' }).sort()).toEqual(['a-then-y', 'ab']);
  });

  it('removes and replaces rules', () => {
    const m = new PatternMatcher();
    m.addRule('r', { a: ['1'] });
    m.addRule('s', { a: ['1'] });
    expect(m.removeRule('r')).toBe(true);
    expect(m.matches({ a: '1' })).toEqual(['s']);
    m.addRule('s', { a: ['2'] });
    expect(m.matches({ a: '1' })).toEqual([]);
    expect(m.matches({ a: '2' })).toEqual(['s']);
    expect(m.removeRule('nope')).toBe(false);
  });

  it('keeps strings, numbers, booleans and null apart', () => {
    expect(matchesPattern({ a: [300] }, { a: 300.0 })).toBe(true);
    expect(matchesPattern({ a: [300] }, { a: '300' })).toBe(false);
    expect(matchesPattern({ a: ['300'] }, { a: 300 })).toBe(false);
    expect(matchesPattern({ a: [true] }, { a: 'true' })).toBe(false);
    expect(matchesPattern({ a: [null] }, { a: null })).toBe(true);
    expect(matchesPattern({ a: [null] }, {})).toBe(false);
    expect(matchesPattern({ a: [{ prefix: '3' }] }, { a: 300 })).toBe(false);
    expect(matchesPattern({ a: [{ numeric: ['>', 1] }] }, { a: '5' })).toBe(false);
  });

  it('matches prefix, suffix and ignore-case variants', () => {
    expect(matchesPattern({ a: [{ prefix: 'Med' }] }, { a: 'MedicationRequest' })).toBe(true);
    expect(matchesPattern({ a: [{ prefix: { 'equals-ignore-case': 'med' } }] }, { a: 'MEDication' })).toBe(true);
    expect(matchesPattern({ a: [{ suffix: '.png' }] }, { a: 'x.PNG' })).toBe(false);
    expect(matchesPattern({ a: [{ suffix: { 'equals-ignore-case': '.png' } }] }, { a: 'x.PNG' })).toBe(true);
    expect(matchesPattern({ a: [{ 'equals-ignore-case': 'école' }] }, { a: 'ÉCOLE' })).toBe(true);
  });

  it('matches numeric ranges by value', () => {
    const p = { a: [{ numeric: ['>', 0, '<=', 5] }] };
    expect(matchesPattern(p, { a: 5 })).toBe(true);
    expect(matchesPattern(p, { a: 0 })).toBe(false);
    expect(matchesPattern(p, { a: 5.0000001 })).toBe(false);
    expect(matchesPattern('{"a":[{"numeric":["=",3.0e2]}]}', { a: 300 })).toBe(true);
  });

  it('matches IPv4 and IPv6 CIDR blocks', () => {
    expect(matchesPattern({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.255' })).toBe(true);
    expect(matchesPattern({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.0' })).toBe(false);
    expect(matchesPattern({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:DB8::ff' })).toBe(true);
    expect(matchesPattern({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '10.0.0.1' })).toBe(false);
  });

  it('treats wildcard escapes literally', () => {
    expect(matchesPattern({ a: [{ wildcard: 'a\\*b' }] }, { a: 'a*b' })).toBe(true);
    expect(matchesPattern({ a: [{ wildcard: 'a\\*b' }] }, { a: 'axb' })).toBe(false);
    expect(matchesPattern({ a: [{ wildcard: 'Patient/*/_history/*' }] }, { a: 'Patient/1/_history/2' })).toBe(true);
  });

  it('applies exists only to leaves, and exists:false to missing leaves', () => {
    expect(matchesPattern({ a: [{ exists: true }] }, { a: { b: 1 } })).toBe(false);
    expect(matchesPattern({ a: [{ exists: false }] }, { a: [] })).toBe(true);
    expect(matchesPattern({ a: [{ exists: true }] }, { a: null })).toBe(true);
  });

  it('is array-consistent for objects inside arrays', () => {
    const p = { d: { name: ['alice'], role: ['admin'] } };
    expect(
      matchesPattern(p, {
        d: [
          { name: 'alice', role: 'user' },
          { name: 'bob', role: 'admin' },
        ],
      }),
    ).toBe(false);
    expect(
      matchesPattern(p, {
        d: [
          { name: 'bob', role: 'user' },
          { name: 'alice', role: 'admin' },
        ],
      }),
    ).toBe(true);
    expect(matchesPattern({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
  });

  it('expands $or blocks', () => {
    const p = { source: ['s'], $or: [{ a: ['1'] }, { b: [{ numeric: ['>', 10] }] }] };
    expect(matchesPattern(p, { source: 's', b: 11 })).toBe(true);
    expect(matchesPattern(p, { source: 's', a: '1' })).toBe(true);
    expect(matchesPattern(p, { source: 's', a: '2', b: 3 })).toBe(false);
    expect(compilePattern(p).alternatives).toHaveLength(2);
  });
});

describe('validatePattern', () => {
  const reason = (p: string | object) => validatePattern(p).join('; ');

  it('accepts a good pattern', () => {
    expect(validatePattern({ source: ['clinflow.fhir'], detail: { status: [{ 'anything-but': 'stopped' }] } })).toEqual([]);
  });

  it('says what is wrong and where', () => {
    expect(reason('{"a": "x"}')).toMatch(/"a": Match value must be an array/);
    expect(reason('{"a": []}')).toMatch(/"a": Empty arrays are not allowed/);
    expect(reason('{"a": [{"prefix": 3}]}')).toMatch(/prefix match pattern must be a string/);
    expect(reason('{"a": [{"numeric": [">", 5, "<", 1]}]}')).toMatch(/Bottom must be less than top/);
    expect(reason('{"a": [{"numeric": ["=", 1E309]}]}')).toMatch(/Cannot compare number : 1E309/);
    expect(reason('{"a": [{"cidr": "10.0.0.1"}]}')).toMatch(/one '\/' required/);
    expect(reason('{"a": [{"wildcard": "a**b"}]}')).toMatch(/Consecutive wildcard characters at pos 2/);
    expect(reason('{"a": [{"anything-but": {"prefix": ["x", "y"]}}]}')).toMatch(/single prefix/);
    expect(reason('{"a": [{"frobnicate": 1}]}')).toMatch(/Unrecognized match type frobnicate/);
    expect(reason('{"a": [1, 2')).toMatch(/Invalid JSON/);
    expect(reason('[1]')).toMatch(/Filter is not an object/);
  });

  it('reports the offending field path separately', () => {
    expect(validatePatternIssues({ detail: { attributes: { status: [{ prefix: 1 }] } } })).toEqual([{ path: 'detail.attributes.status', message: 'prefix match pattern must be a string' }]);
  });

  it('refuses patterns longer than 4096 characters', () => {
    const long = JSON.stringify({ a: ['x'.repeat(MAX_EVENT_PATTERN_LENGTH)] });
    expect(reason(long)).toMatch(/maximum is 4096/);
    const ok = JSON.stringify({ a: ['x'.repeat(MAX_EVENT_PATTERN_LENGTH - 20)] });
    expect(ok.length).toBeLessThanOrEqual(MAX_EVENT_PATTERN_LENGTH);
    expect(validatePattern(ok)).toEqual([]);
  });

  it('refuses $or blocks that multiply out to more than 1000 combinations', () => {
    const block = (p: string, n: number) => ({ $or: Array.from({ length: n }, (_, i) => ({ [`${p}${i}`]: ['v'] })) });
    expect(validatePattern({ x: block('a', 10), y: block('b', 10), z: block('c', 10) })).toEqual([]);
    expect(reason({ x: block('a', 11), y: block('b', 10), z: block('c', 10) })).toMatch(/more than 1000 rule combinations/);
  });

  it('throws an error named InvalidEventPatternException from addRule', () => {
    const m = new PatternMatcher();
    expect(() => m.addRule('r', '{"a": [{"exists": "yes"}]}')).toThrow(InvalidEventPatternException);
    try {
      m.addRule('r', '{}');
    } catch (err) {
      expect((err as Error).name).toBe('InvalidEventPatternException');
    }
    expect(m.size).toBe(0);
  });
});
