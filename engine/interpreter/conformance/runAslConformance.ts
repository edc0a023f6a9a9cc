/**
 * Runs the ASL conformance cases (`../shared/conformance/asl/cases.jsonl` format) through the
 * in-memory driver: Lambda stubs from each case's `lambda` field, context values from `context`,
 * and the README's placeholder rules for comparing outputs.
 */
import { summarize, type ConformanceCaseResult, type ConformanceSummary } from '../../../schemas/conformance';
import type { ExecutionInfo } from '../contract';
import { runInMemory, type InvokeOutcome, type InvokeTaskCommand } from '../runInMemory';
import { matchesExpected, readAslCases, type AslCase } from '../../asl/conformanceCase';

export type { AslCase };

export interface AslCaseResult extends ConformanceCaseResult {
  /** undefined when the case has no historyTypes. */
  historyMatch?: boolean;
  /** Same event types, any order (AWS's order inside Map/Parallel is not deterministic). */
  historyMultisetMatch?: boolean;
  actual?: { status: string; output?: unknown; error?: string; cause?: string; historyTypes: string[] };
}

export const readCases = readAslCases;

function stubFor(c: AslCase): (cmd: InvokeTaskCommand) => Promise<InvokeOutcome> {
  return async (cmd) => {
    const b = c.lambda?.states?.[cmd.stateName];
    if (!b) throw new Error(`no Lambda stub for state ${cmd.stateName}`);
    const kind = b.behavior;
    if (kind === 'echo') return { output: cmd.payload };
    if (kind === 'return') return { output: b.value };
    if (kind === 'return-repeat') return { output: String(b.value).repeat(b.count ?? 1) };
    if (kind === 'sleep-echo') return { output: cmd.payload, afterSeconds: b.seconds ?? 60 };
    if (kind.startsWith('raise:')) return b.cause === undefined ? { error: kind.slice(6) } : { error: kind.slice(6), cause: b.cause };
    throw new Error(`Lambda stub for ${cmd.stateName} (${kind}) must not be invoked`);
  };
}

function infoFor(c: AslCase): Partial<ExecutionInfo> {
  const smName = c.context?.StateMachine?.Name ?? 'sm_conformance';
  const express = c.stateMachineType === 'EXPRESS';
  const execName = 'conformance-execution';
  const info: Partial<ExecutionInfo> = {
    stateMachineName: smName,
    stateMachineArn: c.context?.StateMachine?.Id ?? `arn:aws:states:us-east-1:111111111111:stateMachine:${smName}`,
    roleArn: c.context?.Execution?.RoleArn ?? 'arn:aws:iam::111111111111:role/StepFunctionsTestRole',
    executionName: execName,
    executionArn: express
      ? `arn:aws:states:us-east-1:111111111111:express:${smName}:${execName}:00000000-0000-4000-8000-000000000000`
      : `arn:aws:states:us-east-1:111111111111:execution:${smName}:${execName}`,
  };
  if (express) info.type = 'EXPRESS';
  return info;
}

export async function runAslCase(c: AslCase): Promise<AslCaseResult> {
  const base = { id: c.id, category: c.category };
  let actual: NonNullable<AslCaseResult['actual']>;
  try {
    const r = await runInMemory(c.definition, c.input, { info: infoFor(c), invoke: stubFor(c), maxSteps: 100_000 });
    actual = { status: r.status, historyTypes: r.history.map((h) => h.type) };
    if (r.output !== undefined) actual.output = r.output;
    if (r.error !== undefined) actual.error = r.error;
    if (r.cause !== undefined) actual.cause = r.cause;
  } catch (e) {
    return { ...base, passed: false, reason: `crashed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const result: AslCaseResult = { ...base, passed: true, actual };
  if (c.historyTypes) {
    result.historyMatch = c.historyTypes.length === actual.historyTypes.length && c.historyTypes.every((t, i) => t === actual.historyTypes[i]);
    result.historyMultisetMatch = [...c.historyTypes].sort().join() === [...actual.historyTypes].sort().join();
  }
  const reasons: string[] = [];
  const exp = c.expected;
  const tokens = c.placeholders ?? [];
  if (actual.status !== exp.status) reasons.push(`status ${actual.status} (expected ${exp.status})`);
  if (exp.status === 'SUCCEEDED' && !matchesExpected(exp.output, actual.output, tokens)) {
    reasons.push(`output ${JSON.stringify(actual.output)} (expected ${JSON.stringify(exp.output)})`);
  }
  if (exp.status !== 'SUCCEEDED') {
    if (actual.error !== exp.error) reasons.push(`error ${JSON.stringify(actual.error)} (expected ${JSON.stringify(exp.error)})`);
    const causeOk = c.causeIsJson && exp.cause !== undefined && actual.cause !== undefined ? matchesExpected(JSON.parse(exp.cause), safeParse(actual.cause), tokens) : actual.cause === exp.cause;
    if (!causeOk) reasons.push(`cause ${JSON.stringify(actual.cause)} (expected ${JSON.stringify(exp.cause)})`);
  }
  if (reasons.length > 0) {
    result.passed = false;
    result.reason = reasons.join('; ');
  }
  return result;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export async function runAslCases(file: string): Promise<AslCaseResult[]> {
  const out: AslCaseResult[] = [];
  for (const c of readCases(file)) out.push(await runAslCase(c));
  return out;
}

export async function runAslConformance(file: string): Promise<ConformanceSummary> {
  return summarize(await runAslCases(file));
}

/** The extra metric: how many cases with recorded historyTypes produce the same event types (in order / as a multiset). */
export function historyAgreement(results: readonly AslCaseResult[]): { withHistory: number; exact: number; multiset: number } {
  const withHistory = results.filter((r) => r.historyMatch !== undefined);
  return {
    withHistory: withHistory.length,
    exact: withHistory.filter((r) => r.historyMatch).length,
    multiset: withHistory.filter((r) => r.historyMultisetMatch).length,
  };
}
