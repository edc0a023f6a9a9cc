/**
 * The local server driven by the real AWS CLI (Debian's `awscli`, installed by .ci/run) and by the
 * SDK clients, as an operator would: list state machines, start, describe, page history, list by
 * status, stop, redrive a failed run, complete a waiting human task, put an event that starts a
 * workflow, list schedules; unsigned and wrong-secret requests refused with AWS's error codes.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { main } from '../../cli/main';
import { startApiFixture, OPERATOR, type ApiFixture } from '../../api/apiFixture.testkit';

const run = promisify(execFile);
/** Each AWS CLI call starts a Python interpreter: seconds apiece on a loaded machine. */
const CLI_TEST_MS = 300_000;
const WAIT = JSON.stringify({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } });
const FAILS = JSON.stringify({ StartAt: 'Call', States: { Call: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:nothing', End: true } } });
const HUMAN = JSON.stringify({
  StartAt: 'Review',
  States: {
    Review: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', TimeoutSeconds: 86400, Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } }, End: true },
  },
});

async function hasAwsCli(): Promise<boolean> {
  try {
    await run('aws', ['--version']);
    return true;
  } catch {
    return false;
  }
}

const required = process.env.CI === 'true' || process.env.CLINFLOW_REQUIRE_SHARED === '1';
const available = (() => {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!available && !required) console.warn('awsApi.e2e: the AWS CLI is missing (apt-get install -y awscli): its suite is skipped');

(available || required ? describe : describe.skip)('AWS CLI against the local server', () => {
  let f: ApiFixture;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await run('aws', [...args, '--endpoint-url', f.endpoint, '--region', 'us-east-1', '--output', 'json'], { env });
    return stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
  };
  const awsError = async (...args: string[]): Promise<string> => {
    try {
      await aws(...args);
      return 'no error';
    } catch (err) {
      return String((err as { stderr?: string }).stderr);
    }
  };

  beforeAll(async () => {
    expect(await hasAwsCli()).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'clinflow-awscli-'));
    f = await startApiFixture({ database: join(dir, 'clinflow.db') });
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_ACCESS_KEY_ID: OPERATOR.accessKeyId,
      AWS_SECRET_ACCESS_KEY: OPERATOR.secretAccessKey,
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    f.engine.createStateMachine({ name: 'clinflow-intake', definition: WAIT });
    f.engine.createStateMachine({ name: 'clinflow-fails', definition: FAILS });
    f.engine.createStateMachine({ name: 'clinflow-review', definition: HUMAN });
    f.bus.putRule({ Name: 'clinflow-intake', EventPattern: JSON.stringify({ source: ['lab.system'] }), State: 'ENABLED' });
    f.bus.putTargets({ Rule: 'clinflow-intake', Targets: [{ Id: 'workflow', Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-intake' }] });
  });
  afterAll(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }, CLI_TEST_MS);

  it(
    'operates executions: list machines, start, describe, page history, list by status, stop, redrive',
    async () => {
      const intake = 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-intake';
      const failsArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-fails';
      // Independent calls run side by side: each CLI call starts a Python interpreter.
      const [listed, started] = await Promise.all([
        aws('stepfunctions', 'list-state-machines'),
        aws('stepfunctions', 'start-execution', '--state-machine-arn', intake, '--name', 'cli-1', '--input', '{"order":"MedicationRequest/m1"}'),
        aws('stepfunctions', 'start-execution', '--state-machine-arn', intake, '--name', 'cli-2'),
        aws('stepfunctions', 'start-execution', '--state-machine-arn', failsArn, '--name', 'f-1'),
      ]);
      expect((listed.stateMachines as { name: string }[]).map((m) => m.name).sort()).toEqual(['clinflow-fails', 'clinflow-intake', 'clinflow-review']);
      const arn = String(started.executionArn);
      expect(arn).toBe('arn:aws:states:us-east-1:000000000000:execution:clinflow-intake:cli-1');
      await f.engine.runUntilIdle();
      const failed = 'arn:aws:states:us-east-1:000000000000:execution:clinflow-fails:f-1';
      expect(f.engine.describeExecution({ executionArn: failed }).status).toBe('FAILED');
      const [described, page, , redriven] = await Promise.all([
        aws('stepfunctions', 'describe-execution', '--execution-arn', arn),
        // The CLI pages by itself with --max-items / --page-size: two pages of one event each.
        aws('stepfunctions', 'get-execution-history', '--execution-arn', arn, '--page-size', '1', '--max-items', '2'),
        aws('stepfunctions', 'stop-execution', '--execution-arn', 'arn:aws:states:us-east-1:000000000000:execution:clinflow-intake:cli-2', '--error', 'Ops.Cancelled'),
        aws('stepfunctions', 'redrive-execution', '--execution-arn', failed),
      ]);
      expect(described).toMatchObject({ status: 'RUNNING', input: '{"order":"MedicationRequest/m1"}' });
      expect((page.events as { id: number }[]).map((e) => e.id)).toEqual([1, 2]);
      expect(redriven).toHaveProperty('redriveDate');
      const [runningOut, abortedOut] = await Promise.all([
        aws('stepfunctions', 'list-executions', '--state-machine-arn', intake, '--status-filter', 'RUNNING'),
        aws('stepfunctions', 'list-executions', '--state-machine-arn', intake, '--status-filter', 'ABORTED'),
      ]);
      expect((runningOut.executions as { name: string }[]).map((e) => e.name)).toEqual(['cli-1']);
      expect((abortedOut.executions as { name: string }[]).map((e) => e.name)).toEqual(['cli-2']);
      await f.engine.runUntilIdle();
      expect(f.engine.describeExecution({ executionArn: failed }).redriveCount).toBe(1);
    },
    CLI_TEST_MS,
  );

  it(
    'completes a waiting human task with send-task-success',
    async () => {
      const review = 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-review';
      const arn = String((await aws('stepfunctions', 'start-execution', '--state-machine-arn', review, '--name', 'r-1')).executionArn);
      await f.engine.runUntilIdle();
      const token = f.tokens[f.tokens.length - 1] ?? '';
      await aws('stepfunctions', 'send-task-success', '--task-token', token, '--task-output', '{"reviewed":true}');
      await f.engine.runUntilIdle();
      expect(f.engine.describeExecution({ executionArn: arn })).toMatchObject({ status: 'SUCCEEDED', output: '{"reviewed":true}' });
    },
    CLI_TEST_MS,
  );

  it(
    'puts an event that starts a workflow, and lists rules and schedules',
    async () => {
      const [out, refused, rules] = await Promise.all([
        aws('events', 'put-events', '--entries', JSON.stringify([{ Source: 'lab.system', DetailType: 'Result', Detail: '{"reference":"Observation/o9"}' }])),
        aws('events', 'put-events', '--entries', JSON.stringify([{ Source: 'clinflow.fhir', DetailType: 'x', Detail: '{}' }])),
        aws('events', 'list-rules'),
        aws(
          'scheduler',
          'create-schedule',
          '--name',
          'nightly',
          '--schedule-expression',
          'cron(0 2 * * ? *)',
          '--flexible-time-window',
          'Mode=OFF',
          '--target',
          JSON.stringify({ Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-intake', RoleArn: 'arn:aws:iam::000000000000:role/s', Input: '{}' }),
        ),
      ]);
      expect(out.FailedEntryCount).toBe(0);
      expect(refused).toMatchObject({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'NotAuthorizedForSourceException' }] });
      expect((rules.Rules as { Name: string }[]).map((r) => r.Name)).toEqual(['clinflow-intake']);
      const before = f.engine.listExecutions({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-intake' }).executions.length;
      await f.bus.deliverDue();
      await f.engine.runUntilIdle();
      const byEvent = await f.sfn().send(new ListExecutionsCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-intake' }));
      expect(byEvent.executions?.length).toBe(before + 1);
      const schedules = (await aws('scheduler', 'list-schedules')).Schedules as { Name: string; State: string }[];
      expect(schedules.map((s) => [s.Name, s.State])).toEqual([['nightly', 'ENABLED']]);
    },
    CLI_TEST_MS,
  );

  it(
    "refuses unsigned and wrong-secret requests with AWS's error codes",
    async () => {
      const unsigned = awsError('stepfunctions', 'list-state-machines', '--no-sign-request');
      const saved = env;
      env = { ...env, AWS_SECRET_ACCESS_KEY: 'wrong-secret' };
      const wrongSecret = awsError('stepfunctions', 'list-state-machines');
      env = saved;
      expect(await unsigned).toContain('(MissingAuthenticationTokenException)');
      expect(await wrongSecret).toContain('(InvalidSignatureException)');
    },
    CLI_TEST_MS,
  );
});

describe('ops commands against the local server (SDK clients, no AWS CLI needed)', () => {
  let f: ApiFixture;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-ops-'));
    f = await startApiFixture({ database: join(dir, 'clinflow.db') });
    f.engine.createStateMachine({ name: 'clinflow-intake', definition: WAIT });
  });
  afterAll(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ops commands find runs by FHIR reference and the audit trail verifies, then detects tampering', async () => {
    await f.sfn().send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-intake', name: 'ops-1', input: '{"order":"MedicationRequest/m1"}' }));
    await f.sfn().send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-intake', name: 'ops-2', input: '{"order":"MedicationRequest/m2"}' }));
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const saved = { id: process.env.CLINFLOW_ACCESS_KEY_ID, secret: process.env.CLINFLOW_SECRET_ACCESS_KEY };
    process.env.CLINFLOW_ACCESS_KEY_ID = OPERATOR.accessKeyId;
    process.env.CLINFLOW_SECRET_ACCESS_KEY = OPERATOR.secretAccessKey;
    const warn = jest.spyOn(console, 'warn');
    try {
      expect(await main(['executions', 'list', '--key', 'MedicationRequest/m1', '--endpoint', f.endpoint, '--json'])).toBe(0);
      // The request body the search extension rewrites is bytes the SDK will refuse to use as a
      // string: reading it must not go through the string methods it warns about.
      expect(warn.mock.calls.flat().join(' ')).not.toMatch(/string method on a Uint8Array/);
      warn.mockRestore();
      // Jest's own console lines (the SDK's Node version notice) can share stdout: read from the JSON's first line.
      const text = out.join('');
      const found = JSON.parse(text.slice(text.search(/^\[/m))) as { name: string; status: string }[];
      expect(found.map((e) => [e.name, e.status])).toEqual([['ops-1', 'RUNNING']]);
      out.length = 0;
      expect(await main(['executions', 'list', '--workflow', 'intake', '--status', 'RUNNING', '--endpoint', f.endpoint])).toBe(0);
      expect(out.join('')).toMatch(/WORKFLOW\s+NAME\s+STATUS/);
      expect(out.join('')).toContain('ops-2');
      out.length = 0;
      expect(await main(['executions', 'list', '--status', 'BOGUS', '--endpoint', f.endpoint])).toBe(2);
      expect(await main(['audit', 'verify', '--data-dir', dir])).toBe(0);
      expect(out.join('')).toMatch(/audit trail intact: \d+ rows verified/);
      out.length = 0;
      // Tamper: an attacker with file access drops the append-only trigger and edits a row.
      f.db.exec('DROP TRIGGER audit_log_no_update');
      f.db.exec("UPDATE audit_log SET access_key = 'AKIASOMEONEELSE' WHERE seq = 2");
      expect(await main(['audit', 'verify', '--data-dir', dir])).toBe(1);
      expect(out.join('')).toContain('audit trail TAMPERED: row 2');
    } finally {
      write.mockRestore();
      process.env.CLINFLOW_ACCESS_KEY_ID = saved.id;
      process.env.CLINFLOW_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.CLINFLOW_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.CLINFLOW_SECRET_ACCESS_KEY;
    }
  });
});
