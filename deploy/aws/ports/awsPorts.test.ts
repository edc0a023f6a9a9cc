import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { describeSchedulerPortContract } from '../../../test/contracts/schedulerPortContract';
import { awsBusPort } from './awsBusPort';
import { awsExecutionPort } from './awsExecutionPort';
import { awsSchedulerPort } from './awsSchedulerPort';

const credentials = { accessKeyId: 'AKIATEST', secretAccessKey: 'test' };
const err = (name: string) => Object.assign(new Error(name), { name });

/** EventBridge Scheduler's documented behaviour for the calls the port makes, behind aws-sdk-client-mock. */
function schedulerBehindMock() {
  const client = new SchedulerClient({ region: 'us-east-1', credentials });
  const mock = mockClient(client);
  const store = new Map<string, CreateScheduleCommandInput>();
  const key = (i: { Name?: string | undefined; GroupName?: string | undefined }) => `${i.GroupName ?? 'default'}/${i.Name}`;
  const arn = (i: { Name?: string | undefined; GroupName?: string | undefined }) => `arn:aws:scheduler:us-east-1:123456789012:schedule/${key(i)}`;
  mock.on(CreateScheduleCommand).callsFake((i: CreateScheduleCommandInput) => {
    if (store.has(key(i))) throw err('ConflictException');
    store.set(key(i), i);
    return { ScheduleArn: arn(i) };
  });
  mock.on(UpdateScheduleCommand).callsFake((i: CreateScheduleCommandInput) => {
    if (!store.has(key(i))) throw err('ResourceNotFoundException');
    store.set(key(i), i);
    return { ScheduleArn: arn(i) };
  });
  mock.on(GetScheduleCommand).callsFake((i: { Name: string; GroupName?: string }) => {
    const s = store.get(key(i));
    if (!s) throw err('ResourceNotFoundException');
    return { ...s, GroupName: s.GroupName ?? 'default', Arn: arn(i) };
  });
  mock.on(DeleteScheduleCommand).callsFake((i: { Name: string; GroupName?: string }) => {
    if (!store.delete(key(i))) throw err('ResourceNotFoundException');
    return {};
  });
  mock.on(ListSchedulesCommand).callsFake((i: { GroupName?: string; NamePrefix?: string }) => ({
    Schedules: [...store.values()]
      .filter((s) => (s.GroupName ?? 'default') === (i.GroupName ?? 'default') && (s.Name ?? '').startsWith(i.NamePrefix ?? ''))
      .map((s) => ({ Name: s.Name, GroupName: s.GroupName })),
  }));
  return { client, mock };
}

describeSchedulerPortContract('AWS adapter (EventBridge Scheduler)', async () => {
  const { client, mock } = schedulerBehindMock();
  return {
    port: awsSchedulerPort(client),
    targetArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-reminder-delivery:live',
    roleArn: 'arn:aws:iam::123456789012:role/clinflow/demo/clinflow-demo-scheduler',
    close: () => mock.restore(),
  };
});

describe('AWS port adapters send exactly the port input', () => {
  it('SchedulerPort.createSchedule passes the SDK input through unchanged', async () => {
    const { client, mock } = schedulerBehindMock();
    const input: CreateScheduleCommandInput = {
      Name: 'abc',
      GroupName: 'clinflow-demo-reminders',
      ScheduleExpression: 'at(2030-01-01T09:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
      Target: { Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x:live', RoleArn: 'arn:aws:iam::123456789012:role/r', Input: '{}' },
    };
    await awsSchedulerPort(client).createSchedule(input);
    expect(mock.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input)).toEqual([input]);
    mock.restore();
  });

  it('BusPort.putEvents targets the stage bus and splits batches of more than 10', async () => {
    const client = new EventBridgeClient({ region: 'us-east-1', credentials });
    const mock = mockClient(client);
    mock.on(PutEventsCommand).callsFake((i: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: i.Entries.map((_, n) => ({ EventId: `e${n}` })) }));
    const entries = Array.from({ length: 12 }, (_, i) => ({ Source: 'clinflow.fhir', DetailType: 'FHIR Resource Changed', Detail: JSON.stringify({ n: i }) }));
    const out = await awsBusPort(client, 'clinflow-demo').putEvents(entries);
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(12);
    const sent = mock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(sent.map((b) => b.length)).toEqual([10, 2]);
    expect(sent[0]![0]).toEqual({ EventBusName: 'clinflow-demo', Source: 'clinflow.fhir', DetailType: 'FHIR Resource Changed', Detail: '{"n":0}' });
    mock.restore();
  });

  it('ExecutionPort starts executions and completes callback tasks on Step Functions', async () => {
    const client = new SFNClient({ region: 'us-east-1', credentials });
    const mock = mockClient(client);
    mock.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:x:1', startDate: new Date('2030-01-01T00:00:00Z') });
    mock.on(SendTaskSuccessCommand).resolves({});
    const port = awsExecutionPort(client);
    await expect(port.startExecution({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x:live', name: 'n1', input: '{}' })).resolves.toEqual({
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:x:1',
      startDate: new Date('2030-01-01T00:00:00Z'),
    });
    await port.sendTaskSuccess({ taskToken: 'tok', output: '{"ok":true}' });
    expect(mock.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({ taskToken: 'tok', output: '{"ok":true}' });
    mock.restore();
  });
});
