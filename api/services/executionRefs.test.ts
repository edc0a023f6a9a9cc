import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { CorrelationStore } from '../../engine/correlation/correlationStore';
import { Engine } from '../../engine/durable/engine';
import { ExecutionQuery } from './executionQuery';

const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-visits';
const EX = 'arn:aws:states:us-east-1:000000000000:execution:clinflow-visits:';

describe('search by correlation key (ListExecutions clinflowReference)', () => {
  const clock = new SimulatedClock(Date.UTC(2030, 0, 1));
  let engine: Engine;
  let keys: CorrelationStore;
  let query: ExecutionQuery;
  const names = (ref: string) => (query.listExecutions({ clinflowReference: ref }).executions as { name: string }[]).map((e) => e.name);

  beforeEach(() => {
    engine = new Engine({ database: ':memory:', clock, ids: sequentialIds() });
    engine.createStateMachine({ name: 'clinflow-visits', definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } }) });
    keys = new CorrelationStore(engine.db);
    query = new ExecutionQuery(engine);
  });
  afterEach(async () => {
    await engine.close();
  });

  it('finds a keyed execution whose input names no reference, newest first, and nothing for another key', async () => {
    for (const name of ['ck-a', 'ck-b', 'other']) {
      if (name !== 'other') keys.record({ executionArn: `${EX}${name}`, stateMachineArn: SM, key: 'visit:42', createdMs: clock.now() });
      await engine.startExecution({ stateMachineArn: SM, name, input: '{"n":1}' });
    }
    expect(names('visit:42')).toEqual(['ck-b', 'ck-a']);
    expect(names('visit:43')).toEqual([]);
    // A key recorded later is found on the next search (the index catches up).
    keys.record({ executionArn: `${EX}ck-c`, stateMachineArn: SM, key: 'visit:42', createdMs: clock.now() });
    await engine.startExecution({ stateMachineArn: SM, name: 'ck-c', input: '{}' });
    expect(names('visit:42')).toEqual(['ck-c', 'ck-b', 'ck-a']);
  });

  it('waits for a keyed execution that has not started yet, and gives up on one whose start never came after an hour', async () => {
    keys.record({ executionArn: `${EX}ck-late`, stateMachineArn: SM, key: 'visit:7', createdMs: clock.now() });
    expect(names('visit:7')).toEqual([]);
    await engine.startExecution({ stateMachineArn: SM, name: 'ck-late', input: '{}' });
    expect(names('visit:7')).toEqual(['ck-late']);

    keys.record({ executionArn: `${EX}ck-never`, stateMachineArn: SM, key: 'visit:8', createdMs: clock.now() });
    keys.record({ executionArn: `${EX}ck-next`, stateMachineArn: SM, key: 'visit:9', createdMs: clock.now() + 10_000 });
    await engine.startExecution({ stateMachineArn: SM, name: 'ck-next', input: '{}' });
    // The un-started key blocks the ones after it for now…
    expect(names('visit:9')).toEqual([]);
    // …until keys an hour newer exist: then it is skipped for good.
    keys.record({ executionArn: `${EX}ck-later`, stateMachineArn: SM, key: 'visit:10', createdMs: clock.now() + 3_700_000 });
    await engine.startExecution({ stateMachineArn: SM, name: 'ck-later', input: '{}' });
    expect(names('visit:9')).toEqual(['ck-next']);
    expect(names('visit:10')).toEqual(['ck-later']);
    expect(names('visit:8')).toEqual([]);
  });
});
