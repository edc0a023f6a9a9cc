/**
 * One error tree (#13): what a workflow can retry or catch extends `WorkflowError`, what an API or
 * HTTP caller gets extends `ApiError` (schemas/errors.ts). A class that extends `Error` directly is
 * allowed only as an internal signal that a named boundary converts, or as an operator-facing
 * failure of a command; each is listed here with that boundary, so a new one is a decision.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

const DIRECT: Readonly<Record<string, string>> = {
  WorkflowError: 'root: the names a workflow can retry or catch',
  ApiError: 'root: what an API or HTTP caller gets',
  IntrinsicSyntaxError: 'asl parser signal: the validator reports it as an issue, the interpreter as States.Runtime',
  IntrinsicFailure: 'asl evaluator signal: converted to the intrinsic’s States.* error where it is thrown',
  PathNotFoundError: 'asl JSONPath signal: the asl module that reads the path turns it into its States.* error (or a default)',
  PathSyntaxError: 'asl JSONPath signal: States.Runtime where a path is evaluated, an issue in the validator',
  StepAbort: 'interpreter control flow: unwinds one step; never leaves the interpreter',
  PatternJsonSyntaxError: 'bus pattern parser signal: an InvalidEventPatternException at the API, a diagnostic in the compiler',
  ScheduleExpressionError: 'scheduler parser signal: a ValidationException at the API, a diagnostic in the compiler',
  CronSyntaxError: 'cron parser signal: wrapped by ScheduleExpressionError',
  PayloadBindingError: 'a stored row that is not what it claims (tampering or a bug): the row is refused, never decoded',
  EncryptionKeyMismatch: 'start-up refusal: the configured key cannot read the database; the command exits',
  PollFailed: 'FHIR poller signal: logged without the body, and the poll retried after a pause',
  ConsoleTokenError: 'console start-up refusal: a malformed CLINFLOW_CONSOLE_TOKENS; the command exits',
  DeployError: 'operator-facing failure of `clinflow deploy`, printed with what to do next',
  UsageError: 'operator-facing command-line mistake: exit code 2',
  WorkflowTestSetupError: 'clinflow/testing: a workflow test that is set up wrong, reported as the test’s failure',
  WorkflowTestAnswerError: 'clinflow/testing: a scripted answer that does not fit, reported as the test’s failure',
};

describe('the error tree', () => {
  const sources = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.endsWith('.test.ts') && !f.startsWith('test/') && !f.startsWith('bench/'));
  const direct = new Map<string, string>();
  for (const file of sources) {
    for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(/\bclass (\w+) extends Error\b/g)) direct.set(m[1]!, file);
  }

  it('has no class extending Error directly except the two roots and the listed boundary signals', () => {
    expect(direct.size).toBeGreaterThan(2);
    const unlisted = [...direct].filter(([name]) => !(name in DIRECT)).map(([name, file]) => `${file}: ${name} (extend WorkflowError or ApiError, or list it here with the boundary that converts it)`);
    expect(unlisted).toEqual([]);
  });

  it('lists no class that is gone', () => {
    expect(Object.keys(DIRECT).filter((name) => !direct.has(name))).toEqual([]);
  });
});
