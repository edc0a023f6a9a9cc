/**
 * "Nothing crashes the process": mutated definitions and junk operands make the validator report
 * issues and the evaluators throw WorkflowError (a catchable ASL error), never a TypeError.
 */
import { ApiError, WorkflowError } from '../../schemas/errors';
import { evaluateChoiceRule } from './choiceRules';
import { evaluateIntrinsic } from './intrinsics';
import { readPath } from './jsonpath';
import { applyResultPath } from './resultPath';
import { applyPayloadTemplate } from './payloadTemplate';
import { describeWithShared } from '../../test/support/sharedCorpus';
import { ASL_CASES, loadCases } from './aslCases.testkit';
import { validateDefinition } from './validateDefinition';
import { seededRandom as rng } from '../../core/clock/ids';

const JUNK: unknown[] = [null, 0, -1, 1.5, '', 'x', '$', '$.', '$[', '$$', '$.a[?(@.b >', 'States.Format(', 'States.Nope()', '{% 1 + %}', [], [null], {}, { Type: 'Nope' }, true];

function mutate(v: unknown, r: () => number): unknown {
  if (r() < 0.08) return JUNK[Math.floor(r() * JUNK.length)];
  if (Array.isArray(v)) return v.map((x) => mutate(x, r));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (r() > 0.05) out[k] = mutate(x, r);
    return out;
  }
  return v;
}

/** Calls made and ASL errors thrown: the junk must be refused (counted), and only with ASL errors. */
const outcomes = { calls: 0, aslErrors: 0 };
const onlyAslErrors = (f: () => unknown): void => {
  outcomes.calls++;
  try {
    f();
  } catch (e) {
    if (!(e instanceof WorkflowError || e instanceof ApiError)) throw e;
    outcomes.aslErrors++;
  }
};

describeWithShared(ASL_CASES, 'robustness on the shared definitions', () => {
  const cases = loadCases();
  it('validateDefinition never throws on mutated definitions and flags most of them', () => {
    const r = rng(42);
    let flagged = 0;
    let changed = 0;
    for (let round = 0; round < 3; round++) {
      for (const c of cases) {
        const m = mutate(c.definition, r);
        if (JSON.stringify(m) === JSON.stringify(c.definition)) continue;
        changed++;
        if (validateDefinition(m).length > 0) flagged++;
      }
    }
    expect(changed).toBeGreaterThan(500);
    // Some mutations are harmless (a dropped Comment); most are not.
    expect(flagged / changed).toBeGreaterThan(0.6);
  });
});

describe('robustness', () => {
  it('evaluators throw only ASL errors on junk', () => {
    const r = rng(7);
    const env = { newId: () => 'id', random: () => 0.5 };
    const scope = { input: { a: 1, s: 'x', arr: [1, 2] }, context: {}, variables: {} };
    for (const j of JUNK) {
      for (const op of ['StringEquals', 'NumericEqualsPath', 'IsNull', 'And', 'Or', 'Not', 'Variable', 'TimestampLessThanPath']) {
        onlyAslErrors(() => evaluateChoiceRule({ Variable: r() < 0.5 ? '$.a' : j, [op]: j }, scope));
      }
      onlyAslErrors(() => applyPayloadTemplate({ 'x.$': j, y: [{ 'z.$': j }] }, scope, env));
      onlyAslErrors(() => applyResultPath(scope.input, typeof j === 'string' ? j : '$.a.b', 1));
      if (typeof j === 'string') onlyAslErrors(() => evaluateIntrinsic(j, scope, env));
      for (const fn of ['Format', 'ArrayPartition', 'ArrayRange', 'ArrayGetItem', 'Hash', 'JsonMerge', 'MathRandom', 'MathAdd', 'StringSplit', 'Base64Decode', 'StringToJson']) {
        onlyAslErrors(() => evaluateIntrinsic(`States.${fn}($.s, $.arr, $.a)`, scope, env));
        onlyAslErrors(() => evaluateIntrinsic(`States.${fn}($.arr, 'x')`, scope, env));
      }
    }
    expect(() => readPath({}, '$.a[')).toThrow(/Invalid JSONPath/);
    // Junk is mostly refused: a run in which nothing threw would pass the checks above and prove nothing.
    expect(outcomes.calls).toBeGreaterThan(100);
    expect(outcomes.aslErrors / outcomes.calls).toBeGreaterThan(0.8);
  });
});
