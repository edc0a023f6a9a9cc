/**
 * Whole conformance cases of this folder's categories, run through a mini Pass/Choice runner:
 * checks JSONPath, payload templates, intrinsics and Choice rules end to end against AWS's outputs.
 */
import { describeWithShared } from '../../test/support/sharedCorpus';
import { ASL_CASES, loadCases, matches } from './aslCases.testkit';
import { runMini, supportsCase } from './miniRunner.testkit';

let n = 0;
const env = { newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, random: () => 0.5 };

describeWithShared(ASL_CASES, 'conformance via mini runner', () => {
  const cases = loadCases().filter((c) => ['intrinsic-functions', 'choice', 'jsonpath-io', 'context-object', 'error-handling'].includes(c.category));
  const runnable = cases.filter(supportsCase);
  it('covers the Pass/Choice cases of these categories', () => {
    expect(runnable.filter((c) => c.category === 'choice')).toHaveLength(331);
    expect(runnable.filter((c) => c.category === 'intrinsic-functions')).toHaveLength(92);
  });

  it.each(runnable.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const got = runMini(c, env);
    const want = c.expected;
    const tokens = c.placeholders ?? [];
    expect(got.status).toBe(want.status);
    if (got.status === 'SUCCEEDED') {
      if (!matches(want.output, got.output, tokens)) expect(got.output).toEqual(want.output);
    } else {
      expect(got.error).toBe(want.error);
      expect(got.cause).toBe(want.cause);
    }
  });
});
