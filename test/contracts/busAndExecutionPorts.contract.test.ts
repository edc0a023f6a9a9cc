import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { awsBusPort } from '../../deploy/aws/ports/awsBusPort';
import { awsExecutionPort } from '../../deploy/aws/ports/awsExecutionPort';
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase } from '../../core/db/openDatabase';
import { Engine } from '../../engine/durable/engine';
import { describeBusPortContract, PUT_EVENTS_LIMIT_BYTES } from './busPortContract';
import { describeExecutionPortContract } from './executionPortContract';

const credentials = { accessKeyId: 'AKIATEST', secretAccessKey: 'test' };
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });
const START = Date.UTC(2030, 0, 1, 9, 0, 0);

/** EventBridge PutEvents as documented: request-level limits fail the call, entry problems fail the entry. */
function eventBridgeBehindMock() {
  const client = new EventBridgeClient({ region: 'us-east-1', credentials });
  const mock = mockClient(client);
  const size = (e: PutEventsRequestEntry) =>
    (e.Time ? 14 : 0) +
    Buffer.byteLength(e.Source ?? '') +
    Buffer.byteLength(e.DetailType ?? '') +
    Buffer.byteLength(e.Detail ?? '') +
    (e.Resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0);
  mock.on(PutEventsCommand).callsFake((i: { Entries?: PutEventsRequestEntry[] }) => {
    const entries = i.Entries ?? [];
    if (entries.length < 1 || entries.length > 10) throw awsError('ValidationException', "1 validation error detected: Value at 'entries' failed to satisfy constraint");
    if (entries.reduce((n, e) => n + size(e), 0) > PUT_EVENTS_LIMIT_BYTES) throw awsError('ValidationException', 'Total size of the entries in the request is over the limit.');
    const results = entries.map((e) => {
      let detail: unknown;
      try {
        detail = JSON.parse(e.Detail ?? '');
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      return { EventId: randomUUID() };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  });
  return { client, mock };
}

const SM_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-reminder-delivery';

/** Step Functions StartExecution and callbacks as documented, for one STANDARD state machine. */
function stepFunctionsBehindMock() {
  const client = new SFNClient({ region: 'us-east-1', credentials });
  const mock = mockClient(client);
  const executions = new Map<string, { input: string; startDate: Date; status: 'RUNNING' }>();
  mock.on(StartExecutionCommand).callsFake((i: StartExecutionCommandInput) => {
    if (i.stateMachineArn !== SM_ARN) throw awsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${i.stateMachineArn}'`);
    const name = i.name ?? randomUUID();
    const executionArn = `${SM_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
    const input = i.input ?? '{}';
    const existing = executions.get(name);
    if (existing) {
      // Same name and input while running: the original response. Otherwise (or once closed): refused.
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate };
      throw awsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const startDate = new Date(START + executions.size * 1000);
    executions.set(name, { input, startDate, status: 'RUNNING' });
    return { executionArn, startDate };
  });
  // No task is waiting in this emulation: a well-formed token names no task, a malformed one is invalid.
  const callback = (i: { taskToken?: string }) => {
    if (!/^[A-Za-z0-9+/=]{16,1024}$/.test(i.taskToken ?? '')) throw awsError('InvalidToken', 'Invalid token');
    throw awsError('TaskDoesNotExist', 'Task Does Not Exist');
  };
  mock.on(SendTaskSuccessCommand).callsFake(callback);
  mock.on(SendTaskFailureCommand).callsFake(callback);
  mock.on(SendTaskHeartbeatCommand).callsFake(callback);
  return { client, mock };
}

describeBusPortContract('local adapter (LocalEventBus on :memory:)', async () => {
  const db = openDatabase(':memory:');
  const bus = new LocalEventBus({ db, clock: new SimulatedClock(START), ids: sequentialIds() });
  return {
    port: bus,
    close: () => {
      db.close();
    },
  };
});

describeBusPortContract('AWS adapter (EventBridge PutEvents)', async () => {
  const { client, mock } = eventBridgeBehindMock();
  return { port: awsBusPort(client, 'clinflow-demo'), close: () => mock.restore() };
});

describeExecutionPortContract('local adapter (Engine on :memory:, simulated clock)', async () => {
  const engine = new Engine({ database: ':memory:', clock: new SimulatedClock(START), ids: sequentialIds() });
  const { stateMachineArn } = engine.createStateMachine({
    name: 'clinflow-demo-reminder-delivery',
    definition: JSON.stringify({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } }),
  });
  return { port: engine, stateMachineArn, close: () => engine.close() };
});

describeExecutionPortContract('AWS adapter (Step Functions)', async () => {
  const { client, mock } = stepFunctionsBehindMock();
  return { port: awsExecutionPort(client), stateMachineArn: SM_ARN, close: () => mock.restore() };
});
