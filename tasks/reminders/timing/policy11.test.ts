/**
 * Reminder policy 1.1 (../shared/conformance/timing/POLICY.md, "Clarifications in version 1.1"):
 * the project's own vectors, at least one per clarification C1–C9, in the shared vector format
 * (conformance/policy-1.1.vectors.json; `npx clinflow conformance timing FILE` runs them too).
 * They do not need ../shared, so they run in every clone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ReminderError } from '../../../schemas/errors';
import { runTimingVector, type TimingVector } from '../conformance/runTimingConformance';
import { expandTiming } from './expandTiming';
import type { FhirTiming } from './fhirTiming';
import { reminderPolicyV1_1 } from './reminderPolicy';

const vectors = JSON.parse(readFileSync(path.join(__dirname, '..', 'conformance', 'policy-1.1.vectors.json'), 'utf8')) as TimingVector[];

describe('policy 1.1 vectors', () => {
  it('cover every clarification, C1 to C9', () => {
    const covered = new Set(vectors.flatMap((v) => v.name.match(/\bC\d\b/g) ?? []));
    expect([...covered].sort()).toEqual(['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8', 'C9']);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const r = runTimingVector(v);
    expect(r.reason).toBeUndefined();
    expect(r.passed).toBe(true);
  });
});

describe('policy 1.1', () => {
  const start = '2025-01-01T00:00:00Z';
  const cause = (timing: FhirTiming): string => {
    try {
      expandTiming(timing, { start, timezone: 'UTC', limit: 3 });
    } catch (e) {
      if (e instanceof ReminderError) return `${e.error}: ${e.causeText ?? ''}`;
      throw e;
    }
    throw new Error('expected a rejection');
  };

  it('is what new plans record', () => {
    expect(reminderPolicyV1_1.version).toBe('1.1');
  });

  it('C8: a rejection is Reminder.InvalidTiming and its cause names the rule', () => {
    expect(cause({ repeat: { frequency: 5, period: 1, periodUnit: 'd' } })).toMatch(/^Reminder\.InvalidTiming: P3\(d\): more than 4 a day needs timeOfDay/);
    expect(cause({ repeat: { frequency: 1, periodMax: 2, periodUnit: 'd' } })).toMatch(/^Reminder\.InvalidTiming: tim-6: /);
    expect(cause({ repeat: { count: 2 } })).toMatch(/^Reminder\.InvalidTiming: C5: /);
    expect(cause({ code: { coding: [{ code: 'XYZ' }] } })).toMatch(/^Reminder\.InvalidTiming: P6: Timing\.code 'XYZ'/);
  });

  it('C3: count counts distinct instants however many duplicates the slots hold', () => {
    // Four copies of one time a day: count 10 must still be 10 days, in order, with no repeats.
    const got = expandTiming({ repeat: { timeOfDay: ['08:00', '08:00', '08:00', '08:00'], count: 10 } }, { start, timezone: 'UTC' });
    expect(got).toHaveLength(10);
    expect(new Set(got).size).toBe(10);
    expect(got[9]).toBe('2025-01-10T08:00:00Z');
  });

  it('C3 + P4: an elapsed series finer than a minute still reaches its count in distinct minutes', () => {
    const got = expandTiming({ repeat: { frequency: 4, period: 1, periodUnit: 'min', count: 5 } }, { start, timezone: 'UTC' });
    expect(got).toEqual(['2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', '2025-01-01T00:02:00Z', '2025-01-01T00:03:00Z', '2025-01-01T00:04:00Z']);
  });
});
