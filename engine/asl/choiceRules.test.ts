import { StatesError } from '../../schemas/errors';
import { evaluateChoiceRule, matchesPattern } from './choiceRules';
import { parseTimestamp, timestampToEpochMs } from './timestamp';

const scope = {
  input: { s: 'abc', n: 5, b: true, t: '2012-10-09T19:00:55Z', nul: null, other: 7, ts2: '2012-10-09T21:00:55+02:00' },
  context: { State: { Name: 'S' } },
  variables: { limit: 5 },
};
const ev = (rule: Record<string, unknown>): boolean => evaluateChoiceRule(rule, scope);

describe('comparisons', () => {
  it.each([
    [{ Variable: '$.s', StringEquals: 'abc' }, true],
    [{ Variable: '$.s', StringLessThan: 'abd' }, true],
    [{ Variable: '$.n', StringEquals: '5' }, false],
    [{ Variable: '$.n', NumericEquals: 5.0 }, true],
    [{ Variable: '$.n', NumericGreaterThanEquals: 5 }, true],
    [{ Variable: '$.n', NumericLessThan: 5 }, false],
    [{ Variable: '$.s', NumericEquals: 5 }, false],
    [{ Variable: '$.b', BooleanEquals: true }, true],
    [{ Variable: '$.n', BooleanEquals: true }, false],
    [{ Variable: '$.t', TimestampEquals: '2012-10-09T19:00:55.000Z' }, true],
    [{ Variable: '$.ts2', TimestampEqualsPath: '$.t' }, true],
    [{ Variable: '$.t', TimestampLessThan: '2012-10-09T19:00:55.001Z' }, true],
    [{ Variable: '$.s', TimestampEquals: '2012-10-09T19:00:55Z' }, false],
    [{ Variable: '$.n', NumericEqualsPath: '$limit' }, true],
    [{ Variable: '$.n', NumericLessThanPath: '$.other' }, true],
    [{ Variable: '$.n', StringEqualsPath: '$.s' }, false],
    [{ Variable: '$$.State.Name', StringEquals: 'S' }, true],
    [{ Variable: '$.s', StringMatches: 'a*' }, true],
    [{ Variable: '$.s', StringMatches: '*c' }, true],
    [{ Variable: '$.s', StringMatches: 'b*' }, false],
  ])('%j → %s', (rule, want) => {
    expect(ev(rule)).toBe(want);
  });
});

describe('type tests', () => {
  it.each([
    [{ Variable: '$.nul', IsNull: true }, true],
    [{ Variable: '$.s', IsNull: true }, false],
    [{ Variable: '$.missing', IsNull: false }, false],
    [{ Variable: '$.missing', IsPresent: false }, true],
    [{ Variable: '$.s', IsPresent: true }, true],
    [{ Variable: '$.n', IsNumeric: true }, true],
    [{ Variable: '$.s', IsString: true }, true],
    [{ Variable: '$.b', IsBoolean: false }, false],
    [{ Variable: '$.t', IsTimestamp: true }, true],
    [{ Variable: '$.s', IsTimestamp: false }, true],
  ])('%j → %s', (rule, want) => {
    expect(ev(rule)).toBe(want);
  });
});

describe('boolean combinators', () => {
  it('And/Or/Not nest', () => {
    expect(ev({ And: [{ Variable: '$.n', NumericEquals: 5 }, { Not: { Variable: '$.s', StringEquals: 'x' } }] })).toBe(true);
    expect(
      ev({
        Or: [
          { Variable: '$.n', NumericEquals: 4 },
          { Variable: '$.b', BooleanEquals: false },
        ],
      }),
    ).toBe(false);
  });
});

describe('errors', () => {
  it('a missing variable with a comparison is States.Runtime in Jayway wording', () => {
    expect(() => ev({ Variable: '$.missing', NumericEquals: 1 })).toThrow(new StatesError('States.Runtime', "Invalid path '$.missing' : No results for path: $['missing']"));
    expect(() => ev({ Variable: '$.n', NumericEqualsPath: '$.missing' })).toThrow(StatesError);
    expect(() => ev({ Variable: '$.n' })).toThrow(StatesError);
  });
});

describe('StringMatches escapes', () => {
  it('treats \\* as a literal star and \\\\ as a backslash', () => {
    expect(matchesPattern('a*b', 'a\\*b')).toBe(true);
    expect(matchesPattern('axb', 'a\\*b')).toBe(false);
    expect(matchesPattern('a\\b', 'a\\\\b')).toBe(true);
    expect(matchesPattern('log-2024.txt', 'log-*.txt')).toBe(true);
    expect(matchesPattern('a\nb', 'a*b')).toBe(true);
  });
});

describe('timestamps', () => {
  it('accepts AWS RFC3339 and refuses the rest', () => {
    expect(parseTimestamp('2016-03-14T01:59:00Z')).toEqual({ seconds: 1_457_920_740, nanos: 0 });
    // +05:30 is five and a half hours ahead of UTC: the same wall time is 19 800 s earlier; nanoseconds kept exactly.
    expect(parseTimestamp('2016-03-14T01:59:00.123456789+05:30')).toEqual({ seconds: 1_457_920_740 - 19_800, nanos: 123_456_789 });
    expect(parseTimestamp('2016-03-14T01:59:00.5-00:30')).toEqual({ seconds: 1_457_920_740 + 1_800, nanos: 500_000_000 });
    for (const bad of ['2016-13-05T21:29:29Z', '2016-12-05T25:29:29Z', '2016-12-05 21:29:29Z', '2016-12-05T21:29:29', '05-12-2016T21:29:29Z', '2016-02-30T00:00:00Z', '2016-12-05t21:29:29z']) {
      expect(parseTimestamp(bad)).toBeUndefined();
    }
    expect(timestampToEpochMs('1970-01-01T00:00:01.5Z')).toBe(1500);
    expect(timestampToEpochMs('1970-01-01T01:00:00+01:00')).toBe(0);
  });
});
