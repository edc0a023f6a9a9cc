/**
 * Test support: load the shared ASL conformance cases and compare outputs under the README's
 * placeholder rules. Used by this folder's tests only.
 */
import { sharedPath } from '../../test/support/sharedCorpus';
import { matchesExpected, readAslCases, type AslCase } from './conformanceCase';

export type { AslCase };

/** The shared ASL cases, relative to the corpora (for describeWithShared). */
export const ASL_CASES = 'conformance/asl/cases.jsonl';

let cached: AslCase[] | undefined;
/** Call only inside describeWithShared(ASL_CASES, …): a fresh clone has no ../shared. */
export function loadCases(): AslCase[] {
  cached ??= readAslCases(sharedPath(ASL_CASES));
  return cached;
}

/** Deep equality where expected strings that are (or contain) placeholder tokens act as wildcards. */
export const matches = matchesExpected;
