import * as z from 'zod';

/** The JSON summary printed by every `clinflow conformance <suite> FILE --json` runner. */
export const ConformanceSummary = z.object({
  total: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  byCategory: z.record(z.string(), z.object({ total: z.number().int(), passed: z.number().int(), failed: z.number().int() })),
  failures: z.array(z.string()),
});
export type ConformanceSummary = z.infer<typeof ConformanceSummary>;

export interface ConformanceCaseResult {
  id: string;
  category: string;
  passed: boolean;
  /** Why it failed, for the human report. */
  reason?: string;
}

export function summarize(results: readonly ConformanceCaseResult[]): ConformanceSummary {
  const byCategory: ConformanceSummary['byCategory'] = {};
  for (const r of results) {
    const c = (byCategory[r.category] ??= { total: 0, passed: 0, failed: 0 });
    c.total += 1;
    if (r.passed) c.passed += 1;
    else c.failed += 1;
  }
  const passed = results.filter((r) => r.passed).length;
  return {
    total: results.length,
    passed,
    failed: results.length - passed,
    byCategory: Object.fromEntries(Object.entries(byCategory).sort(([a], [b]) => a.localeCompare(b))),
    failures: results.filter((r) => !r.passed).map((r) => r.id),
  };
}
