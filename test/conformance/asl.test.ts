/**
 * The shared ASL conformance suite (cases recorded against real AWS), one test per case. Cases in
 * asl.known-failures.json (id → reason) are expected to fail; if one starts passing, its test fails
 * so the entry gets removed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyAgreement, readCases, runAslCase, type AslCaseResult } from '../../engine/interpreter/conformance/runAslConformance';

import { describeWithShared } from '../support/sharedCorpus';

const knownFailures = JSON.parse(readFileSync(path.join(__dirname, 'asl.known-failures.json'), 'utf8')) as Record<string, string>;
const results = new Map<string, AslCaseResult>();

describeWithShared('conformance/asl/cases.jsonl', 'ASL conformance (shared cases recorded against AWS)', (casesFile) => {
  const cases = readCases(casesFile);
  const byCategory = new Map<string, typeof cases>();
  for (const c of cases) byCategory.set(c.category, [...(byCategory.get(c.category) ?? []), c]);

  for (const [category, list] of byCategory) {
    describe(category, () => {
      for (const c of list) {
        const known = knownFailures[c.id];
        const run = async (): Promise<void> => {
          const r = await runAslCase(c);
          results.set(c.id, r);
          if (!r.passed) throw new Error(r.reason);
        };
        if (known !== undefined) it.failing(`${c.id} (known failure: ${known})`, run);
        else it(c.id, run);
      }
    });
  }

  it('every known failure names a case that exists', () => {
    const ids = new Set(cases.map((c) => c.id));
    expect(Object.keys(knownFailures).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('meets the bar: ≥ 99% overall, every category ≥ 95%, history types mostly as AWS recorded them', () => {
    const all = cases.map((c) => results.get(c.id));
    expect(all.every((r) => r !== undefined)).toBe(true);
    const passed = all.filter((r) => r?.passed).length;
    expect(passed / cases.length).toBeGreaterThanOrEqual(0.99);
    for (const [category, list] of byCategory) {
      const ok = list.filter((c) => results.get(c.id)?.passed).length;
      expect({ category, rate: ok / list.length >= 0.95 }).toEqual({ category, rate: true });
    }
    // AWS's event order inside Map/Parallel is not deterministic, so the bar is on the multiset of event types.
    const h = historyAgreement(all.filter((r): r is AslCaseResult => r !== undefined));
    expect(h.withHistory).toBeGreaterThan(300);
    expect(h.multiset / h.withHistory).toBeGreaterThanOrEqual(0.98);
    expect(h.exact / h.withHistory).toBeGreaterThanOrEqual(0.95);
  });
});
