/**
 * Test support: load the shared ASL conformance cases and compare outputs under the README's
 * placeholder rules. Used by this folder's tests only.
 */
import path from 'node:path';
import { matchesExpected, readAslCases, type AslCase } from '../conformanceCase';

export type { AslCase };

export function sharedDir(): string {
  return process.env.CLINFLOW_SHARED ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared');
}

let cached: AslCase[] | undefined;
export function loadCases(): AslCase[] {
  cached ??= readAslCases(path.join(sharedDir(), 'conformance', 'asl', 'cases.jsonl'));
  return cached;
}

/** Deep equality where expected strings that are (or contain) placeholder tokens act as wildcards. */
export const matches = matchesExpected;
