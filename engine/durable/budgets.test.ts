import { MAX_DEFINITION_BYTES } from '../interpreter/budgets';
import { errorOf, machine, testEngine } from './engineFixture.testkit';

/**
 * The engine's budgets (docs/DESIGN.md "Budgets"): a runaway execution fails with a named error
 * and the event loop keeps turning while it runs.
 * AWS: https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html (25 000 events;
 * event 25 000 is ExecutionSucceeded or the execution fails), and the service quotas page (1 MB
 * definitions, 256 KiB payloads).
 */
const loop = (ql: 'JSONata' | 'JSONPath') =>
  JSON.stringify({
    QueryLanguage: ql,
    StartAt: 'A',
    States: {
      A: { Type: 'Pass', Next: 'B' },
      B:
        ql === 'JSONata'
          ? { Type: 'Choice', Choices: [{ Condition: '{% true %}', Next: 'A' }], Default: 'C' }
          : { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: false, Next: 'A' }], Default: 'C' },
      C: { Type: 'Succeed' },
    },
  });
/** A Pass → Choice loop whose Pass evaluates `expr` on every turn. */
const loopEvaluating = (expr: string) =>
  JSON.stringify({
    QueryLanguage: 'JSONata',
    StartAt: 'A',
    States: {
      A: { Type: 'Pass', Output: `{% ${expr} %}`, Next: 'B' },
      B: { Type: 'Choice', Choices: [{ Condition: '{% true %}', Next: 'A' }], Default: 'C' },
      C: { Type: 'Succeed' },
    },
  });
const expression = (e: string) => JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Output: `{% ${e} %}`, End: true } } });

/** The longest gap between turns of a 5 ms interval while `work` runs. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const t = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(t);
  }
  return worst;
}

describe('engine budgets', () => {
  it.each(['JSONata', 'JSONPath'] as const)(
    'a %s loop with no wait fails at event 25 000 with AWS’s history-limit error, without stalling the event loop',
    async (ql) => {
      const { engine } = testEngine();
      const { stateMachineArn } = engine.createStateMachine({ name: `loop-${ql}`, definition: loop(ql) });
      let executionArn = '';
      const t0 = performance.now();
      const stall = await longestStall(async () => {
        executionArn = (await engine.startExecution({ stateMachineArn, name: 'r' })).executionArn;
        await engine.runUntilIdle();
      });
      const runMs = performance.now() - t0;
      const d = engine.describeExecution({ executionArn });
      expect(d).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: 'The execution reached the maximum number of history events (25000).' });
      const last = engine.getExecutionHistory({ executionArn, reverseOrder: true, maxResults: 1 }).events[0];
      expect(last).toMatchObject({ id: 25_000, type: 'ExecutionFailed' });
      // Without pacing the whole run (seconds) is one stall. The bound leaves room for a loaded
      // machine's GC pauses; the dev suite (test/adversarial) holds /health to 100 ms.
      expect(stall).toBeLessThan(Math.min(500, runMs / 3));
      await expect(engine.redriveExecution({ executionArn })).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
      await engine.close();
    },
    60_000,
  );

  it.each([
    ['tail recursion', '($f := function($n){ $f($n+1) }; $f(0))', 'D1012'],
    ['unbounded recursion', '($f := function($n){ 1 + $f($n+1) }; $f(0))', 'D1011'],
    ['a range of 1e7', '$count([1..1e7])', 'D2015'],
    ['a string doubling', '$reduce([1..40], function($a, $b){ $a & $a }, "xy")', 'longer than'],
    ['a backreference (no linear-time match)', '$contains("aa", /(a)\\1/)', 'not supported'],
  ])(
    'JSONata %s fails the state with States.QueryEvaluationError',
    async (_name, expr, detail) => {
      const { engine } = testEngine();
      const { stateMachineArn } = engine.createStateMachine({ name: 'expr', definition: expression(expr) });
      const { executionArn } = await engine.startExecution({ stateMachineArn });
      await engine.runUntilIdle();
      const d = engine.describeExecution({ executionArn });
      expect(d).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
      expect(String(d.cause)).toContain(detail);
      await engine.close();
    },
    30_000,
  );

  it('a catastrophic regular expression matches in linear time', async () => {
    const { engine } = testEngine();
    const s = `${'a'.repeat(100)}b`;
    const { stateMachineArn } = engine.createStateMachine({
      name: 'regex',
      definition: expression(`{"m": $contains("${s}", /^(a+)+$/), "n": $contains("aaa", /^(a+)+$/), "r": $replace("abcabc", /b(c)/, "$1")}`),
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn });
    await engine.runUntilIdle();
    expect(engine.describeExecution({ executionArn })).toMatchObject({ status: 'SUCCEEDED', output: '{"m":false,"n":true,"r":"acac"}' });
    await engine.close();
  });

  it('a step that runs past the step budget fails its execution; others are unaffected', async () => {
    const { engine } = testEngine({ stepBudgetMs: 300 });
    const slow = loopEvaluating('($f := function($n){ $n > 1e9 ? $n : $f($n+1) }; $f(0))');
    const { stateMachineArn } = engine.createStateMachine({ name: 'slow', definition: slow });
    const ok = engine.createStateMachine({ name: 'ok', definition: machine({ P: { Type: 'Pass', End: true } }) });
    const { executionArn } = await engine.startExecution({ stateMachineArn });
    const other = await engine.startExecution({ stateMachineArn: ok.stateMachineArn });
    await engine.runUntilIdle();
    expect(engine.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(String(engine.describeExecution({ executionArn }).cause)).toContain('step budget');
    expect(engine.describeExecution({ executionArn: other.executionArn }).status).toBe('SUCCEEDED');
    await engine.close();
  }, 30_000);

  it('close() abandons a runaway step uncommitted, within a moment', async () => {
    const { engine } = testEngine();
    // Each turn does real work, so the loop cannot reach the 25 000-event limit (and end on its own)
    // before close(): the bare loop, warmed up by the tests above, sometimes did within 200 ms.
    const busy = loopEvaluating('$count([1..100000])');
    const { stateMachineArn } = engine.createStateMachine({ name: 'loop', definition: busy });
    const started = engine.startExecution({ stateMachineArn, name: 'r' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    await engine.close();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await started).toMatchObject({ kind: 'discard' });
  }, 30_000);

  it('refuses a definition over the 1 MB quota', async () => {
    const { engine } = testEngine();
    const big = machine({ P: { Type: 'Pass', Result: 'x'.repeat(MAX_DEFINITION_BYTES), End: true } });
    expect((await errorOf(() => engine.createStateMachine({ name: 'big', definition: big }))).message).toContain('1048576 bytes');
    await engine.close();
  });
});
