import { formatDiagnostic } from '../schemas/diagnostic';
import type { TestCaseResult, TestFileResult } from './runTestFile';
import { formatElapsed } from './workflowTestEnvironment';

export interface TestTotals {
  passed: number;
  failed: number;
  /** Test files that could not run (invalid, or their workflow does not compile). */
  invalid: number;
}

export function totals(files: readonly TestFileResult[]): TestTotals {
  const tests = files.flatMap((f) => f.tests);
  return { passed: tests.filter((t) => t.passed).length, failed: tests.filter((t) => !t.passed).length, invalid: files.filter((f) => f.diagnostics.length > 0).length };
}

/** 0 all passed, 1 a test failed, 2 a test file is invalid. */
export function exitCodeOf(files: readonly TestFileResult[]): number {
  const t = totals(files);
  if (t.invalid > 0) return 2;
  return t.failed > 0 ? 1 : 0;
}

/** `  ✓ name (0.4s, 90d simulated)` or `  ✗ name` and, indented under it, each failed expectation with its diff. */
export function formatTestResult(r: TestCaseResult): string {
  const timing = `${(r.durationMs / 1000).toFixed(1)}s${r.simulatedMs >= 1000 ? `, ${formatElapsed(r.simulatedMs)} simulated` : ''}`;
  const lines = [`  ${r.passed ? '✓' : '✗'} ${r.name} (${timing})`];
  for (const f of r.failures) {
    lines.push(`      ${f.field}: ${f.message}`);
    if (f.diff.length) lines.push('        - expected  + actual', ...f.diff.map((d) => `        ${d}`));
  }
  return lines.join('\n');
}

export function formatFileHeader(f: { file: string; workflow: string }): string {
  return `${f.file} (${f.workflow})`;
}

export function formatDiagnostics(f: TestFileResult): string {
  return f.diagnostics.map(formatDiagnostic).join('\n');
}

export function formatSummary(files: readonly TestFileResult[], elapsedMs: number): string {
  const t = totals(files);
  const invalid = t.invalid ? `, ${t.invalid} test file${t.invalid === 1 ? '' : 's'} invalid` : '';
  return `${t.passed} passed, ${t.failed} failed${invalid} (${files.length} file${files.length === 1 ? '' : 's'}, ${(elapsedMs / 1000).toFixed(1)}s)`;
}

/** The `--json` form: per file, per test, with the failures (and their diffs) but not the raw observations. */
export function toJsonReport(files: readonly TestFileResult[]): unknown {
  return {
    ...totals(files),
    files: files.map((f) => ({
      file: f.file,
      workflow: f.workflow,
      diagnostics: f.diagnostics,
      tests: f.tests.map((t) => ({
        name: t.name,
        passed: t.passed,
        durationMs: t.durationMs,
        simulatedMs: t.simulatedMs,
        failures: t.failures,
        ...(t.observed?.execution ? { execution: { status: t.observed.execution.status, path: t.observed.execution.path, error: t.observed.execution.error } } : {}),
      })),
    })),
  };
}
