import { DescribeRuleCommand, ListRulesCommand, PutEventsCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, ListScheduleGroupsCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import {
  DescribeExecutionCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListStateMachineVersionsCommand,
  ListTagsForResourceCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  TagResourceCommand,
  TestStateCommand,
} from '@aws-sdk/client-sfn';
import { errorName } from '../test/contracts/contractKit';
import { startApiFixture, OPERATOR, READ_ONLY, type ApiFixture } from './apiFixture.testkit';

const WAIT = JSON.stringify({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, Next: 'Done' }, Done: { Type: 'Pass', End: true } } });
const FAILS = JSON.stringify({ StartAt: 'Call', States: { Call: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:nothing', End: true } } });
const HUMAN = JSON.stringify({
  StartAt: 'Ask',
  States: { Ask: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } }, End: true } },
});

let f: ApiFixture;
let waitArn: string;

beforeEach(async () => {
  f = await startApiFixture();
  waitArn = f.engine.createStateMachine({ name: 'clinflow-wait', definition: WAIT, publish: true }).stateMachineArn;
});
afterEach(() => f.close());

describe('Step Functions API over HTTP (awsJson1_0, SigV4)', () => {
  it('lists, starts, describes and pages history with the SDK client', async () => {
    const sfn = f.sfn();
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    expect(machines.stateMachines?.map((m) => m.name)).toEqual(['clinflow-wait']);
    expect(machines.stateMachines?.[0]?.creationDate).toBeInstanceOf(Date);
    const versions = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: waitArn }));
    expect(versions.stateMachineVersions?.map((v) => v.stateMachineVersionArn)).toEqual([`${waitArn}:1`]);

    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: waitArn, name: 'run-1', input: '{"order":"MedicationRequest/abc"}' }));
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:clinflow-wait:run-1');
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(d).toMatchObject({ status: 'RUNNING', name: 'run-1', input: '{"order":"MedicationRequest/abc"}' });
    expect(d.startDate?.getTime()).toBe(Date.UTC(2030, 0, 1, 9, 0, 0));
    const forExec = await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: started.executionArn }));
    expect(forExec.definition).toBe(WAIT);

    await f.engine.advanceTo(Date.UTC(2030, 0, 1, 10, 0, 0));
    const all = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 1000 }));
    const types = all.events?.map((e) => e.type);
    expect(types?.[0]).toBe('ExecutionStarted');
    expect(types?.[types.length - 1]).toBe('ExecutionSucceeded');
    const page1 = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 2, reverseOrder: true }));
    expect(page1.events?.map((e) => e.id)).toEqual([all.events!.length, all.events!.length - 1]);
    const page2 = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 2, reverseOrder: true, nextToken: page1.nextToken }));
    expect(page2.events?.map((e) => e.id)).toEqual([all.events!.length - 2, all.events!.length - 3]);
    const noData = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, includeExecutionData: false, maxResults: 1 }));
    expect(noData.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
  });

  it('pages a history whose next page the server prepared, and never a stale tail of a running one', async () => {
    const sfn = f.sfn();
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: waitArn, name: 'paged' }));
    const executionArn = started.executionArn!;
    const page = (nextToken?: string) => sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1, ...(nextToken ? { nextToken } : {}) }));
    // Running: two events; page 2 is the tail, which the server must not keep.
    const p1 = await page();
    expect(p1.events?.map((e) => e.id)).toEqual([1]);
    await new Promise((r) => setImmediate(r));
    await f.engine.advanceTo(Date.UTC(2030, 0, 1, 10, 0, 0));
    const ids: number[] = [1];
    let token = p1.nextToken;
    while (token) {
      const p = await page(token);
      ids.push(...(p.events ?? []).map((e) => e.id ?? 0));
      token = p.nextToken;
      // Give the server its chance to prepare the next page, as a client's own work would.
      await new Promise((r) => setImmediate(r));
    }
    const direct = f.engine.getExecutionHistory({ executionArn, maxResults: 1000 }).events;
    expect(ids).toEqual(direct.map((e) => e.id));
    expect(direct.at(-1)?.type).toBe('ExecutionSucceeded');
    // Paged through prepared pages, the events are the ones a single page gives, field for field.
    const whole = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const paged: unknown[] = [];
    let next: string | undefined;
    do {
      const p = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2, ...(next ? { nextToken: next } : {}) }));
      paged.push(...(p.events ?? []));
      next = p.nextToken;
      await new Promise((r) => setImmediate(r));
    } while (next);
    expect(paged).toEqual(whole.events);
  });

  it('lists executions by status and redrive filter, stops one and redrives a failed one', async () => {
    const sfn = f.sfn();
    const failsArn = f.engine.createStateMachine({ name: 'clinflow-fails', definition: FAILS }).stateMachineArn;
    for (const name of ['a', 'b', 'c']) await sfn.send(new StartExecutionCommand({ stateMachineArn: waitArn, name }));
    await sfn.send(new StopExecutionCommand({ executionArn: `${waitArn.replace(':stateMachine:', ':execution:')}:b`, error: 'Ops.Stopped' }));
    const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn: waitArn, statusFilter: 'RUNNING' }));
    expect(running.executions?.map((e) => e.name)).toEqual(['c', 'a']);
    const aborted = await sfn.send(new ListExecutionsCommand({ stateMachineArn: waitArn, statusFilter: 'ABORTED' }));
    expect(aborted.executions?.map((e) => e.name)).toEqual(['b']);
    const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn: waitArn, maxResults: 2 }));
    const rest = await sfn.send(new ListExecutionsCommand({ stateMachineArn: waitArn, maxResults: 2, nextToken: first.nextToken }));
    expect([...first.executions!, ...rest.executions!].map((e) => e.name)).toEqual(['c', 'b', 'a']);
    expect(rest.nextToken).toBeUndefined();

    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: failsArn, name: 'f1' }));
    await f.engine.runUntilIdle();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('FAILED');
    const redriven = await sfn.send(new RedriveExecutionCommand({ executionArn }));
    expect(redriven.redriveDate).toBeInstanceOf(Date);
    await f.engine.runUntilIdle();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).redriveCount).toBe(1);
    const redrivenList = await sfn.send(new ListExecutionsCommand({ stateMachineArn: failsArn, redriveFilter: 'REDRIVEN' }));
    expect(redrivenList.executions?.map((e) => e.name)).toEqual(['f1']);
    const notRedriven = await sfn.send(new ListExecutionsCommand({ stateMachineArn: failsArn, redriveFilter: 'NOT_REDRIVEN' }));
    expect(notRedriven.executions).toEqual([]);
  });

  it('sends task success to a waiting human task', async () => {
    const sfn = f.sfn();
    const arn = f.engine.createStateMachine({ name: 'clinflow-human', definition: HUMAN }).stateMachineArn;
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'h1' }));
    await f.engine.runUntilIdle();
    expect(f.tokens).toHaveLength(1);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: f.tokens[0], output: '{"decision":"accepted"}' }));
    await f.engine.runUntilIdle();
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d).toMatchObject({ status: 'SUCCEEDED', output: '{"decision":"accepted"}' });
    expect(await errorName(sfn.send(new SendTaskSuccessCommand({ taskToken: f.tokens[0], output: '{}' })))).toBe('TaskTimedOut');
  });

  it("answers errors with AWS's exception names", async () => {
    const sfn = f.sfn();
    expect(await errorName(sfn.send(new DescribeExecutionCommand({ executionArn: `${waitArn.replace(':stateMachine:', ':execution:')}:nope` })))).toBe('ExecutionDoesNotExist');
    expect(await errorName(sfn.send(new StartExecutionCommand({ stateMachineArn: `${waitArn}-missing` })))).toBe('StateMachineDoesNotExist');
    expect(await errorName(sfn.send(new StartExecutionCommand({ stateMachineArn: waitArn, input: '{not json' })))).toBe('InvalidExecutionInput');
    expect(await errorName(sfn.send(new ListExecutionsCommand({ stateMachineArn: waitArn, nextToken: 'garbage' })))).toBe('InvalidToken');
    expect(await errorName(sfn.send(new StartSyncExecutionCommand({ stateMachineArn: waitArn })))).toBe('StateMachineTypeNotSupported');
  });

  it('runs StartSyncExecution on an EXPRESS state machine and TestState on one state', async () => {
    const sfn = f.sfn();
    const express = f.engine.createStateMachine({
      name: 'clinflow-express',
      type: 'EXPRESS',
      definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: { ok: 1 }, End: true } } }),
    });
    const sync = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: express.stateMachineArn, input: '{}' }));
    expect(sync).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":1}' });
    const choice = JSON.stringify({ Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 5, Next: 'Big' }], Default: 'Small' });
    const t = await sfn.send(new TestStateCommand({ definition: choice, roleArn: 'arn:aws:iam::000000000000:role/x', input: '{"n":9}' }));
    expect(t).toMatchObject({ status: 'SUCCEEDED', nextState: 'Big', output: '{"n":9}' });
    const pass = await sfn.send(
      new TestStateCommand({ definition: JSON.stringify({ Type: 'Pass', Parameters: { 'x.$': '$.a' }, Next: 'N' }), roleArn: 'arn:aws:iam::000000000000:role/x', input: '{"a":2}' }),
    );
    expect(pass).toMatchObject({ status: 'SUCCEEDED', nextState: 'N', output: '{"x":2}' });
  });

  it('tags state machines', async () => {
    const sfn = f.sfn();
    await sfn.send(new TagResourceCommand({ resourceArn: waitArn, tags: [{ key: 'team', value: 'renal' }] }));
    expect((await sfn.send(new ListTagsForResourceCommand({ resourceArn: waitArn }))).tags).toEqual([{ key: 'team', value: 'renal' }]);
  });
});

describe('authentication (SigV4) and read-only keys', () => {
  const raw = (headers: Record<string, string>, body = '{}') =>
    fetch(f.endpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines', ...headers }, body });

  it('refuses an unsigned request with MissingAuthenticationTokenException', async () => {
    const res = await raw({});
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('refuses a wrong secret, an unknown key and an expired signature', async () => {
    const wrong = f.sfn({ accessKeyId: OPERATOR.accessKeyId, secretAccessKey: 'not-the-secret' });
    expect(await errorName(wrong.send(new ListStateMachinesCommand({})))).toBe('InvalidSignatureException');
    const unknown = f.sfn({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' });
    expect(await errorName(unknown.send(new ListStateMachinesCommand({})))).toBe('UnrecognizedClientException');
    await f.close();
    // The server's clock 20 minutes ahead: the request was signed more than 15 minutes ago.
    f = await startApiFixture({ now: () => Date.now() + 20 * 60_000 });
    const err = await f
      .sfn()
      .send(new ListStateMachinesCommand({}))
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.name).toBe('InvalidSignatureException');
    expect(err?.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  it('lets a read-only key list and describe but not stop', async () => {
    const { executionArn } = await f.sfn().send(new StartExecutionCommand({ stateMachineArn: waitArn, name: 'ro' }));
    const ro = f.sfn(READ_ONLY);
    expect((await ro.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    expect(await errorName(ro.send(new StopExecutionCommand({ executionArn })))).toBe('AccessDeniedException');
    expect(await errorName(ro.send(new StartExecutionCommand({ stateMachineArn: waitArn })))).toBe('AccessDeniedException');
    expect(f.engine.describeExecution({ executionArn: executionArn ?? '' }).status).toBe('RUNNING');
  });
});

describe('audit trail of API calls', () => {
  it('records data reads, changes and refusals with who, what, which execution and from where, and no payload', async () => {
    const sfn = f.sfn();
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: waitArn, name: 'audited', input: '{"patient":"Patient/p1","secretish":"Ada Lovelace"}' }));
    await sfn.send(new DescribeExecutionCommand({ executionArn }));
    await sfn.send(new ListStateMachinesCommand({}));
    await f
      .sfn(READ_ONLY)
      .send(new StopExecutionCommand({ executionArn }))
      .catch(() => undefined);
    const rows = f.api.audit.list().reverse();
    expect(rows.map((r) => [r.action, r.kind, r.outcome, r.resource, r.accessKey])).toEqual([
      ['StartExecution', 'change', 'ok', executionArn, OPERATOR.accessKeyId],
      ['DescribeExecution', 'data', 'ok', executionArn, OPERATOR.accessKeyId],
      ['StopExecution', 'denied', 'AccessDeniedException', executionArn, READ_ONLY.accessKeyId],
    ]);
    expect(rows.every((r) => r.sourceIp === '127.0.0.1' && /^[0-9a-f]{64}$/.test(r.requestHash))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('Lovelace');
    expect(f.api.audit.verify()).toEqual({ ok: true, rows: 3 });
  });
});

describe('EventBridge (awsJson1_1) and Scheduler (restJson1) APIs', () => {
  it('puts an event that starts a workflow and refuses reserved clinflow.* sources', async () => {
    f.bus.putRule({ Name: 'lab-results', EventPattern: JSON.stringify({ source: ['lab.system'] }), State: 'ENABLED' });
    f.bus.putTargets({ Rule: 'lab-results', Targets: [{ Id: 'wf', Arn: waitArn }] });
    const events = f.events();
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'lab.system', DetailType: 'Result', Detail: '{"reference":"Observation/o1"}' },
          { Source: 'clinflow.fhir', DetailType: 'FHIR Resource Changed', Detail: '{}' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]?.EventId).toEqual(expect.any(String));
    expect(out.Entries?.[1]).toMatchObject({ ErrorCode: 'NotAuthorizedForSourceException' });
    await f.bus.deliverDue();
    await f.engine.runUntilIdle();
    expect(f.engine.listExecutions({ stateMachineArn: waitArn }).executions).toHaveLength(1);
    expect((await events.send(new ListRulesCommand({}))).Rules?.map((r) => r.Name)).toEqual(['lab-results']);
    expect((await events.send(new DescribeRuleCommand({ Name: 'lab-results' }))).EventPattern).toBe('{"source":["lab.system"]}');
    const tested = await events.send(
      new TestEventPatternCommand({
        EventPattern: '{"source":["lab.system"]}',
        Event: JSON.stringify({ id: '1', account: '000000000000', source: 'lab.system', time: '2030-01-01T00:00:00Z', region: 'us-east-1', resources: [], 'detail-type': 'x', detail: {} }),
      }),
    );
    expect(tested.Result).toBe(true);
  });

  it('creates, lists, gets and deletes schedules', async () => {
    const s = f.schedulerClient();
    await s.send(
      new CreateScheduleCommand({
        Name: 'remind-1',
        ScheduleExpression: 'at(2030-01-02T09:00:00)',
        ScheduleExpressionTimezone: 'America/New_York',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: waitArn, RoleArn: 'arn:aws:iam::000000000000:role/s', Input: '{}' },
      }),
    );
    const list = await s.send(new ListSchedulesCommand({ NamePrefix: 'remind' }));
    expect(list.Schedules?.map((x) => [x.Name, x.GroupName, x.State])).toEqual([['remind-1', 'default', 'ENABLED']]);
    const got = await s.send(new GetScheduleCommand({ Name: 'remind-1' }));
    expect(got).toMatchObject({ ScheduleExpressionTimezone: 'America/New_York', Target: { Arn: waitArn } });
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect((await s.send(new ListScheduleGroupsCommand({}))).ScheduleGroups?.map((g) => g.Name)).toContain('default');
    await s.send(new DeleteScheduleCommand({ Name: 'remind-1' }));
    expect(await errorName(s.send(new GetScheduleCommand({ Name: 'remind-1' })))).toBe('ResourceNotFoundException');
    expect(await errorName(f.schedulerClient(READ_ONLY).send(new DeleteScheduleCommand({ Name: 'x' })))).toBe('AccessDeniedException');
  });
});
