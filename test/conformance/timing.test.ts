import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runTimingConformance, runTimingVector, type TimingVector } from '../../tasks/reminders/conformance/runTimingConformance';

const shared = process.env.CLINFLOW_SHARED ?? path.resolve(__dirname, '..', '..', '..', 'shared');
const file = path.join(shared, 'conformance', 'timing', 'vectors.json');
const vectors = JSON.parse(readFileSync(file, 'utf8')) as TimingVector[];

describe('shared Timing vectors (POLICY.md)', () => {
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
