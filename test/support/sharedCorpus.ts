/**
 * The external conformance corpora live beside the repository (`../shared`, or `CLINFLOW_SHARED`),
 * not in it. A fresh clone has no `../shared`: the suites that need it are skipped with the reason,
 * and the run ends with one line naming them (absentReporter.cjs). CI sets
 * CLINFLOW_REQUIRE_SHARED=1, which turns an absent corpus into a failing test instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Prefix of a skipped suite's name; absentReporter.cjs looks for it. */
export const SHARED_ABSENT_MARK = '[shared corpus absent]';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The corpora's root: CLINFLOW_SHARED, else `shared` beside the repository. */
export function sharedRoot(): string {
  return process.env.CLINFLOW_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');
}

/** A path inside the corpora, e.g. `conformance/asl/cases.jsonl`. */
export function sharedPath(relative: string): string {
  return path.join(sharedRoot(), relative);
}

/**
 * `describe(name, body)` when the corpus file exists; `body` gets its absolute path and may read it
 * while collecting tests. When it is absent the suite is one skipped test that says why, or, under
 * CLINFLOW_REQUIRE_SHARED=1, one failing test.
 */
export function describeWithShared(relative: string, name: string, body: (file: string) => void): void {
  const file = sharedPath(relative);
  if (existsSync(file)) {
    describe(name, () => body(file));
    return;
  }
  const reason = `${relative} not found under ${sharedRoot()} (put the corpora in ../shared or set CLINFLOW_SHARED)`;
  if (process.env.CLINFLOW_REQUIRE_SHARED === '1') {
    describe(name, () => {
      it('has its shared corpus (CLINFLOW_REQUIRE_SHARED=1)', () => {
        throw new Error(`CLINFLOW_REQUIRE_SHARED=1 but ${reason}`);
      });
    });
    return;
  }
  describe(`${SHARED_ABSENT_MARK} ${name}`, () => {
    it.skip(`needs ${reason}`, () => undefined);
  });
}
