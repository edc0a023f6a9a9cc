import { dirname, resolve } from 'node:path';
import { durationSeconds } from '../compiler/duration';
import type { Diagnostic } from '../schemas/diagnostic';
import type { FhirResource } from '../schemas/fhirPort';
import type { TestAnswer, TestChange, WorkflowTestCase, WorkflowTestFile } from '../schemas/workflowTest';
import { checkExpectations, lineDiff, type ExpectationFailure } from './expectations';
import { loadTestFile, resolveFixtures } from './loadTestFile';
import { MAX_RUN_MS, WorkflowTestAnswerError, WorkflowTestEnvironment, WorkflowTestSetupError, type Observed } from './workflowTestEnvironment';

export interface TestCaseResult {
  name: string;
  passed: boolean;
  failures: ExpectationFailure[];
  /** Real time the test took. */
  durationMs: number;
  /** Simulated time it covered. */
  simulatedMs: number;
  observed?: Observed;
}

export interface TestFileResult {
  file: string;
  workflow: string;
  /** Problems with the test file itself (exit 2): nothing ran. */
  diagnostics: Diagnostic[];
  tests: TestCaseResult[];
}

export interface RunTestOptions {
  /** Where the workflows named by the test file live (default: the test file's folder). */
  workflowsDir?: string;
  /** Only tests whose name contains this. */
  filter?: string;
  /** Called as each test ends (the CLI prints progress). */
  onResult?: (r: TestCaseResult) => void;
}

type TimelineItem = { at: string | number; kind: 'answer'; answer: TestAnswer; index: number } | { at: string | number; kind: 'change'; change: TestChange; index: number };

/** Runs one test of a file: a fresh environment, the trigger, the timeline, then the expectations. */
export async function runTestCase(spec: WorkflowTestFile, test: WorkflowTestCase, ctx: { testFile: string; workflow: string; workflowsDir: string }): Promise<TestCaseResult> {
  const t0 = Date.now();
  const fixtures: FhirResource[] = [
    ...resolveFixtures(spec.fixtures as string | FhirResource[] | undefined, ctx.testFile),
    ...resolveFixtures(test.fixtures as string | FhirResource[] | undefined, ctx.testFile),
  ];
  const env = await WorkflowTestEnvironment.create({
    workflow: ctx.workflow,
    workflowsDir: ctx.workflowsDir,
    ...((test.load ?? spec.load) ? { load: test.load ?? spec.load ?? [] } : {}),
    ...(test.start !== undefined ? { start: test.start } : spec.start !== undefined ? { start: spec.start } : {}),
    fixtures,
    ...(test.mock ? { mock: test.mock } : {}),
  });
  const failures: ExpectationFailure[] = [];
  try {
    const trig = test.trigger;
    if (trig === undefined) {
      /* started by the timeline's changes, through the real trigger */
    } else if ('event' in trig) await env.startWithEvent(trig.event);
    else if ('resource' in trig) await env.startFromResource(trig.resource as string | FhirResource, trig.interaction ?? 'update');
    else await env.startAsScheduled();
    const timeline: TimelineItem[] = [
      ...(test.answers ?? []).map((answer, index) => ({ at: answer.at, kind: 'answer' as const, answer, index })),
      ...(test.changes ?? []).map((change, index) => ({ at: change.at, kind: 'change' as const, change, index })),
    ].sort((a, b) => env.timeOf(a.at, durationSeconds) - env.timeOf(b.at, durationSeconds));
    for (const item of timeline) {
      await env.advanceTo(env.timeOf(item.at, durationSeconds));
      if (item.kind === 'change') await env.change(item.change);
      else {
        try {
          await env.answer(item.answer.step, item.answer.status);
        } catch (err) {
          if (!(err instanceof WorkflowTestAnswerError)) throw err;
          failures.push({ field: `answers[${item.index}]`, message: err.message, expected: `a FHIR Task from ${item.answer.step}`, actual: undefined, diff: [] });
        }
      }
    }
    const runFor = test.runFor === undefined ? undefined : durationSeconds(test.runFor);
    if (runFor !== undefined) await env.advanceTo(env.startMs + runFor * 1000);
    else await env.runUntilDone(env.clock.now() + MAX_RUN_MS);
    const observed = await env.observe();
    failures.push(...checkExpectations(test.expect, observed));
    return { name: test.name, passed: failures.length === 0, failures, durationMs: Date.now() - t0, simulatedMs: env.elapsedMs, observed };
  } catch (err) {
    if (err instanceof WorkflowTestSetupError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    failures.push({ field: 'run', message: `the test could not run: ${message}`, expected: undefined, actual: message, diff: lineDiff(undefined, message) });
    return { name: test.name, passed: false, failures, durationMs: Date.now() - t0, simulatedMs: env.elapsedMs };
  } finally {
    await env.close();
  }
}

/** Loads a `*.test.yaml` file and runs its tests, one fresh environment each. */
export async function runTestFile(file: string, options: RunTestOptions = {}, displayName = file): Promise<TestFileResult> {
  const loaded = loadTestFile(file, displayName);
  if (!loaded.spec) return { file: displayName, workflow: loaded.workflow, diagnostics: loaded.diagnostics, tests: [] };
  const spec = loaded.spec;
  const workflowsDir = options.workflowsDir ?? dirname(resolve(file));
  const tests: TestCaseResult[] = [];
  for (const test of spec.tests) {
    if (options.filter && !test.name.includes(options.filter)) continue;
    let result: TestCaseResult;
    try {
      result = await runTestCase(spec, test, { testFile: resolve(file), workflow: loaded.workflow, workflowsDir });
    } catch (err) {
      if (err instanceof WorkflowTestSetupError) {
        const d = err.diagnostics.length ? err.diagnostics : [{ file: displayName, line: 1, col: 1, severity: 'error' as const, path: 'workflow', message: err.message, code: 'setup' }];
        return { file: displayName, workflow: loaded.workflow, diagnostics: d, tests };
      }
      // E.g. a fixture the FHIR server refuses: this test fails, saying why; the others still run.
      const message = err instanceof Error ? err.message : String(err);
      result = {
        name: test.name,
        passed: false,
        failures: [{ field: 'setup', message: `the test could not start: ${message}`, expected: undefined, actual: message, diff: [] }],
        durationMs: 0,
        simulatedMs: 0,
      };
    }
    tests.push(result);
    options.onResult?.(result);
  }
  return { file: displayName, workflow: loaded.workflow, diagnostics: [], tests };
}
