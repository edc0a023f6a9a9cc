import { readFileSync } from 'node:fs';
import { runTimingConformance, runTimingVector, type TimingVector } from '../../tasks/reminders/conformance/runTimingConformance';
import { describeWithShared } from '../support/sharedCorpus';

describeWithShared('conformance/timing/vectors.json', 'shared Timing vectors (POLICY.md)', (file) => {
  const vectors = JSON.parse(readFileSync(file, 'utf8')) as TimingVector[];
  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const r = runTimingVector(v);
    expect(r.reason).toBeUndefined();
    expect(r.passed).toBe(true);
  });

  it('summarises every vector, by category', async () => {
    const summary = await runTimingConformance(file);
    expect(summary.total).toBe(vectors.length);
    expect(summary.failures).toEqual([]);
    expect(Object.values(summary.byCategory).reduce((n, c) => n + c.total, 0)).toBe(vectors.length);
  });
});

describe('runTimingConformance', () => {
  it('passes an expected rejection, fails a wrong expectation, and compares a finite series in full', () => {
    const base = { start: '2025-01-01T00:00:00Z', timezone: 'UTC' };
    const rejected = runTimingVector({ ...base, name: 'tim-2 invariant', timing: { repeat: { frequency: 1, period: 1 } }, expectedError: 'Reminder.InvalidTiming' });
    expect(rejected).toMatchObject({ passed: true, category: 'invariants' });
    const rejectedAlt = runTimingVector({ ...base, name: 'x', timing: { repeat: { frequency: 1, period: 1 } }, expected: { error: 'Reminder.InvalidTiming' } });
    expect(rejectedAlt.passed).toBe(true);
    const wrong = runTimingVector({ ...base, name: 'wrong', timing: { code: { coding: [{ code: 'QD' }] } }, expected: ['2025-01-01T10:00:00Z'] });
    expect(wrong).toMatchObject({ passed: false, category: 'code' });
    expect(wrong.reason).toContain('2025-01-01T09:00:00Z');
    // count 3 but only 2 expected: a finite series must match in full, not by prefix.
    const short = runTimingVector({ ...base, name: 'short', timing: { repeat: { count: 3, frequency: 1, period: 1, periodUnit: 'd' } }, expected: ['2025-01-01T09:00:00Z', '2025-01-02T09:00:00Z'] });
    expect(short).toMatchObject({ passed: false, category: 'count' });
  });
});

describe('runTimingConformance: empty expectations', () => {
  it('an expected empty list fails when the expansion yields a reminder, and passes for asNeeded', () => {
    const v = { name: 'prn', start: '2025-01-01T00:00:00Z', timezone: 'UTC', timing: { code: { coding: [{ code: 'BID' }] } }, expected: [] as string[] };
    expect(runTimingVector(v).passed).toBe(false);
    expect(runTimingVector({ ...v, asNeeded: true })).toMatchObject({ passed: true, category: 'as-needed' });
  });
});
