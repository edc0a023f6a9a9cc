/** Every definition AWS accepted in the conformance corpus must pass our validator. */
import { describeWithShared } from '../../test/support/sharedCorpus';
import { ASL_CASES, loadCases } from './aslCases.testkit';
import { validateDefinition } from './validateDefinition';

describeWithShared(ASL_CASES, 'validateDefinition accepts every conformance definition', () => {
  const cases = loadCases();
  it('has all 655 cases', () => {
    expect(cases).toHaveLength(655);
  });
  it('reports no issue for any of them', () => {
    const failures = cases.map((c) => ({ id: c.id, issues: validateDefinition(c.definition) })).filter((r) => r.issues.length > 0);
    expect(failures).toEqual([]);
  });
});
