/**
 * correlation.claim, lookup and cancel by key on Step Functions, through the AWS adapter, against a
 * fake whose behaviour is written from the Step Functions API Reference:
 * - StartExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
 *   "StartExecution is idempotent for STANDARD workflows. For a STANDARD workflow, if you call
 *   StartExecution with the same name and input as a running execution, the call succeeds and
 *   return the same response as the original request. If the execution is closed or if the input
 *   is different, it returns a 400 ExecutionAlreadyExists error." A name is 1–80 characters of
 *   A–Z a–z 0–9 - _; a version or alias ARN may be given as stateMachineArn.
 * - ListExecutions (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html):
 *   "Results are sorted by time, with the most recent execution first"; statusFilter; maxResults is
 *   an upper limit ("the actual number of results returned per call might be fewer"), with
 *   nextToken to page on.
 * - StopExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html):
 *   stops a running execution (status ABORTED) with an optional error and cause; an unknown ARN is
 *   ExecutionDoesNotExist.
 */
import {
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type ListExecutionsCommandInput,
  type StartExecutionCommandInput,
  type StopExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLog } from '../../../sandbox/captureLog';
import { testTaskContext } from '../../../sandbox/testTaskContext';
import { cancelByKey, createCorrelationHandlers, lookupByKey } from '../../../tasks/correlation/correlate';
import { keyedExecutionName, keyNamePrefix } from '../../../tasks/correlation/correlationNames';
import { awsCorrelationPort } from './awsCorrelationPort';

const credentials = { accessKeyId: 'AKIATEST', secretAccessKey: 'test' };
const MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:clinflow-demo-appointment-reminders';
const ALIAS = `${MACHINE}:live`;
const NAME_RULE = /^[A-Za-z0-9_-]{1,80}$/;
const PAGE = 2;

interface FakeExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'ABORTED';
  startDate: Date;
  input: string;
  error?: string | undefined;
}

function stepFunctionsBehindMock() {
  const client = new SFNClient({ region: 'eu-central-1', credentials });
  const mock = mockClient(client);
  const executions: FakeExecution[] = [];
  let tick = Date.UTC(2026, 2, 1);
  const err = (name: string) => Object.assign(new Error(name), { name });
  const unqualified = (arn: string) => arn.split(':').slice(0, 7).join(':');
  mock.on(StartExecutionCommand).callsFake((i: StartExecutionCommandInput) => {
    if (!i.name || !NAME_RULE.test(i.name)) throw err('InvalidName');
    const machine = unqualified(i.stateMachineArn ?? '');
    const existing = executions.find((e) => e.stateMachineArn === machine && e.name === i.name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === (i.input ?? '{}')) return { executionArn: existing.executionArn, startDate: existing.startDate };
      throw err('ExecutionAlreadyExists');
    }
    const e: FakeExecution = {
      executionArn: `${machine.replace(':stateMachine:', ':execution:')}:${i.name}`,
      stateMachineArn: machine,
      name: i.name,
      status: 'RUNNING',
      startDate: new Date((tick += 1000)),
      input: i.input ?? '{}',
    };
    executions.push(e);
    return { executionArn: e.executionArn, startDate: e.startDate };
  });
  mock.on(ListExecutionsCommand).callsFake((i: ListExecutionsCommandInput) => {
    const all = executions
      .filter((e) => e.stateMachineArn === unqualified(i.stateMachineArn ?? '') && (i.statusFilter === undefined || e.status === i.statusFilter))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
    const from = i.nextToken ? Number(i.nextToken) : 0;
    const size = Math.min(i.maxResults || 100, PAGE);
    const page = all.slice(from, from + size).map(({ executionArn, stateMachineArn, name, status, startDate }) => ({ executionArn, stateMachineArn, name, status, startDate }));
    return from + size < all.length ? { executions: page, nextToken: String(from + size) } : { executions: page };
  });
  mock.on(StopExecutionCommand).callsFake((i: StopExecutionCommandInput) => {
    const e = executions.find((x) => x.executionArn === i.executionArn);
    if (!e) throw err('ExecutionDoesNotExist');
    if (e.status === 'RUNNING') Object.assign(e, { status: 'ABORTED', error: i.error });
    return { stopDate: new Date(tick) };
  });
  /** An execution as an EventBridge rule target starts it: a name Step Functions makes up. */
  const ruleStarted = (n: number, detail: object): FakeExecution => {
    const e: FakeExecution = {
      executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:0f1e2d3c-${String(n).padStart(4, '0')}-4a5b-8c9d-aabbccddeeff`,
      stateMachineArn: MACHINE,
      name: `0f1e2d3c-${String(n).padStart(4, '0')}-4a5b-8c9d-aabbccddeeff`,
      status: 'RUNNING',
      startDate: new Date((tick += 1000)),
      input: JSON.stringify({ detail }),
    };
    executions.push(e);
    return e;
  };
  return { client, mock, executions, ruleStarted };
}

describe('correlation on AWS Step Functions (aws-sdk-client-mock)', () => {
  const logs = captureLog();
  const ctx = testTaskContext({ log: logs.log });
  let aws: ReturnType<typeof stepFunctionsBehindMock>;
  let claim: ReturnType<typeof createCorrelationHandlers>['correlation.claim'];
  const key = 'Appointment/appt-synthetic-1';
  const run = (execution: FakeExecution, onNewEvent: 'replace' | 'ignore' | 'parallel') =>
    claim({ key, onNewEvent, execution: execution.executionArn, stateMachine: ALIAS, input: JSON.parse(execution.input) as unknown }, ctx);
  const byArn = (arn: string | undefined) => aws.executions.find((e) => e.executionArn === arn)!;

  beforeEach(() => {
    aws = stepFunctionsBehindMock();
    claim = createCorrelationHandlers(awsCorrelationPort(aws.client))['correlation.claim'];
  });
  afterEach(() => aws.mock.restore());

  it('dispatch: a rule-started execution starts the keyed one on the alias, with the same input, under a hashed ≤80-char name', async () => {
    const e1 = aws.ruleStarted(1, { id: 'appt-synthetic-1', n: 1 });
    const out = await run(e1, 'replace');
    expect(out).toMatchObject({ proceed: false, action: 'dispatched', key });
    const [start] = aws.mock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(start).toEqual({ stateMachineArn: ALIAS, name: keyedExecutionName(key, e1.executionArn), input: e1.input });
    expect(start?.name).toMatch(NAME_RULE);
    expect(start?.name?.startsWith(keyNamePrefix(key))).toBe(true);
    expect(out.execution).toBe(`${MACHINE.replace(':stateMachine:', ':execution:')}:${start?.name}`);
    // A re-delivered dispatch while the keyed execution runs: StartExecution is idempotent.
    expect((await run(e1, 'replace')).execution).toBe(out.execution);
    // …and after it closed: ExecutionAlreadyExists, still reported as dispatched to that execution.
    byArn(out.execution).status = 'SUCCEEDED';
    expect(await run(e1, 'replace')).toMatchObject({ action: 'dispatched', execution: out.execution });
    expect(aws.executions.filter((e) => e.name.startsWith('ck-'))).toHaveLength(1);
  });

  it('replace: the keyed execution of a newer event stops the older one (StopExecution, Correlation.Replaced) and runs; the older one, if it claims late, stands down', async () => {
    const k1 = byArn((await run(aws.ruleStarted(1, { n: 1 }), 'replace')).execution);
    expect(await run(k1, 'replace')).toEqual({ proceed: true, action: 'run', key, stopped: [] });
    const k2 = byArn((await run(aws.ruleStarted(2, { n: 2 }), 'replace')).execution);
    // Other executions of the machine (another key, not keyed) page past and are never touched.
    for (let n = 10; n < 15; n++) aws.ruleStarted(n, { n });
    const out = await run(k2, 'replace');
    expect(out).toEqual({ proceed: true, action: 'run', key, stopped: [k1.executionArn] });
    expect(aws.mock.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: k1.executionArn, error: 'Correlation.Replaced', cause: expect.stringContaining('replaced by a newer event') as unknown },
    ]);
    expect([k1.status, k2.status]).toEqual(['ABORTED', 'RUNNING']);
    expect(aws.executions.filter((e) => !e.name.startsWith('ck-')).every((e) => e.status === 'RUNNING')).toBe(true);
    // Paged: the fake returns 2 per page, so the claim followed nextToken.
    expect(aws.mock.commandCalls(ListExecutionsCommand).length).toBeGreaterThan(2);
    expect(aws.mock.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toMatchObject({ stateMachineArn: MACHINE, statusFilter: 'RUNNING' });
    // A keyed execution that claims while a newer one runs does not run.
    const k3 = byArn((await run(aws.ruleStarted(3, { n: 3 }), 'replace')).execution);
    expect(await run(k2, 'replace')).toMatchObject({ proceed: false, action: 'superseded', execution: k3.executionArn });
  });

  it('ignore: a newer event stands down while an older one runs; parallel runs both', async () => {
    const k1 = byArn((await run(aws.ruleStarted(1, { n: 1 }), 'ignore')).execution);
    expect(await run(k1, 'ignore')).toMatchObject({ proceed: true, action: 'run' });
    const k2 = byArn((await run(aws.ruleStarted(2, { n: 2 }), 'ignore')).execution);
    expect(await run(k2, 'ignore')).toMatchObject({ proceed: false, action: 'ignored', execution: k1.executionArn });
    expect(await run(k2, 'parallel')).toMatchObject({ proceed: true, action: 'run', stopped: [] });
    expect(aws.mock.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('lookup and cancel by key: ListExecutions filtered by the key prefix, StopExecution each', async () => {
    const port = awsCorrelationPort(aws.client);
    const k1 = byArn((await run(aws.ruleStarted(1, { n: 1 }), 'parallel')).execution);
    const k2 = byArn((await run(aws.ruleStarted(2, { n: 2 }), 'parallel')).execution);
    expect(await lookupByKey(port, ALIAS, key)).toEqual([k2.executionArn, k1.executionArn]);
    expect(await lookupByKey(port, ALIAS, 'Appointment/other')).toEqual([]);
    expect(await cancelByKey(port, ALIAS, key, 'appointment cancelled')).toEqual([k2.executionArn, k1.executionArn]);
    expect(aws.mock.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.error)).toEqual(['Correlation.Cancelled', 'Correlation.Cancelled']);
    expect(await lookupByKey(port, ALIAS, key)).toEqual([]);
  });

  it('refuses a key that did not render: Correlation.InvalidKey, and starts nothing', async () => {
    await expect(claim({ key: 'Appointment/undefined', onNewEvent: 'replace', execution: aws.ruleStarted(1, {}).executionArn, stateMachine: ALIAS, input: {} }, ctx)).rejects.toMatchObject({
      error: 'Correlation.InvalidKey',
    });
    expect(aws.mock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('deploy: the correlation.claim function may list, start and stop only its own workflows', () => {
  it('grants ListExecutions on the keyed state machines, StartExecution on them and their live alias, StopExecution on their executions', async () => {
    const { compile } = await import('../../../compiler/compile');
    const { desiredResources } = await import('../../desired');
    const { StageConfig } = await import('../../../schemas/deployConfig');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const root = join(__dirname, '..', '..', '..');
    const artifact = (file: string) => compile(readFileSync(join(root, 'workflows', file), 'utf8'), file).artifact!;
    const resources = desiredResources([artifact('appointment-reminders.yaml'), artifact('discharge-follow-up.yaml')], StageConfig.parse({ stage: 'demo', region: 'eu-central-1' }), {
      now: new Date('2026-12-02T00:00:00Z'),
    }).resources;
    const role = resources.find((r) => r.kind === 'role' && r.name.includes('correlation')) as unknown as { policy: { Statement: { Action: string[]; Resource: string[] }[] } };
    const grants = Object.fromEntries(role.policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('states:'))).map((s) => [s.Action.join(','), s.Resource]));
    expect(grants).toEqual({
      // The template's ARNs are pseudo parameters (one template for any account, region and partition).
      'states:ListExecutions': ['arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:clinflow-demo-appointment-reminders'],
      'states:StartExecution': [
        'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:clinflow-demo-appointment-reminders',
        'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:clinflow-demo-appointment-reminders:live',
      ],
      'states:StopExecution': ['arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:clinflow-demo-appointment-reminders:*'],
    });
  });
});
