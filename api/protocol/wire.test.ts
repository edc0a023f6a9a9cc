import { toAwsJson } from './wire';

describe('toAwsJson', () => {
  it('writes every Date, at any depth, as epoch seconds with its milliseconds, and otherwise as JSON.stringify does', () => {
    const value = {
      startDate: new Date(Date.UTC(2026, 2, 9, 14, 0, 0, 123)),
      events: [{ id: 1, timestamp: new Date(1_700_000_000_001), details: { name: 'a', gone: undefined, nested: [new Date(0), null, undefined] } }],
      text: 'x',
      none: null,
      skipped: undefined,
    };
    expect(JSON.parse(toAwsJson(value))).toEqual({
      startDate: 1_773_064_800.123,
      events: [{ id: 1, timestamp: 1_700_000_000.001, details: { name: 'a', nested: [0, null, null] } }],
      text: 'x',
      none: null,
    });
    const noDates = { a: [1, 'two', { b: true }], c: { toJSON: () => 'custom' } };
    expect(toAwsJson(noDates)).toBe(JSON.stringify(noDates));
  });
});
