/** Every definition AWS accepted in the conformance corpus must pass our validator. */
import { loadCases } from './testing/cases';
import { validateDefinition } from './validateDefinition';

describe('validateDefinition accepts every conformance definition', () => {
  const cases = loadCases();
  it('has all 655 cases', () => {
    expect(cases).toHaveLength(655);
  });
  it('reports no issue for any of them', () => {
    const failures = cases
      .map((c) => ({ id: c.id, issues: validateDefinition(c.definition) }))
      .filter((r) => r.issues.length > 0);
    expect(failures).toEqual([]);
  });
});
