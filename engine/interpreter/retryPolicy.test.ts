import { errorMatches, firstMatch, retryDelayMs } from './retryPolicy';

describe('retryDelayMs', () => {
  it('multiplies IntervalSeconds by BackoffRate per attempt and stops at MaxAttempts', () => {
    const r = { ErrorEquals: ['States.ALL'], IntervalSeconds: 3, BackoffRate: 2, MaxAttempts: 3 };
    expect([0, 1, 2, 3].map((n) => retryDelayMs(r, n, () => 0.5))).toEqual([3000, 6000, 12000, undefined]);
  });

  it('uses the ASL defaults: 1 s, rate 2.0, 3 attempts', () => {
    const r = { ErrorEquals: ['X'] };
    expect([0, 1, 2, 3].map((n) => retryDelayMs(r, n, () => 0))).toEqual([1000, 2000, 4000, undefined]);
  });

  it('caps the delay at MaxDelaySeconds before applying FULL jitter', () => {
    const r = { ErrorEquals: ['X'], IntervalSeconds: 3, BackoffRate: 2, MaxAttempts: 5, MaxDelaySeconds: 5, JitterStrategy: 'FULL' as const };
    expect(retryDelayMs(r, 0, () => 0.5)).toBe(1500);
    expect(retryDelayMs(r, 1, () => 0.5)).toBe(2500);
    expect(retryDelayMs(r, 3, () => 0.25)).toBe(1250);
    expect(retryDelayMs({ ...r, JitterStrategy: 'NONE' }, 3, () => 0.25)).toBe(5000);
  });

  it('never retries with MaxAttempts 0', () => {
    expect(retryDelayMs({ ErrorEquals: ['X'], MaxAttempts: 0 }, 0, () => 0)).toBeUndefined();
  });
});

describe('errorMatches', () => {
  it('States.ALL matches everything but States.Runtime', () => {
    expect(errorMatches(['States.ALL'], 'Lambda.Unknown')).toBe(true);
    expect(errorMatches(['States.ALL'], 'States.Timeout')).toBe(true);
    expect(errorMatches(['States.ALL'], 'States.Runtime')).toBe(false);
  });

  it('States.TaskFailed matches everything but States.Timeout', () => {
    expect(errorMatches(['States.TaskFailed'], 'Exception')).toBe(true);
    expect(errorMatches(['States.TaskFailed'], 'States.Timeout')).toBe(false);
  });

  it('picks the first matching entry in order', () => {
    expect(firstMatch([{ ErrorEquals: ['A'] }, { ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['B'] }], 'B')).toBe(1);
    expect(firstMatch([{ ErrorEquals: ['A'] }], 'B')).toBe(-1);
  });
});
