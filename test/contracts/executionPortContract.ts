/**
 * The ExecutionPort contract: the local engine (engine/durable/engine) and the AWS adapter
 * (deploy/aws/ports/awsExecutionPort) must both pass it. It follows Step Functions' documented
 * StartExecution and callback behaviour.
 */
import type { ExecutionPort } from '../../schemas/ports';
import { errorName } from './contractKit';

export interface ExecutionPortFixture {
  port: ExecutionPort;
  /** A STANDARD state machine whose executions keep running (a long Wait) while the test runs. */
  stateMachineArn: string;
  close?: () => Promise<void> | void;
}

export function describeExecutionPortContract(label: string, make: () => Promise<ExecutionPortFixture>): void {
  describe(`ExecutionPort contract: ${label}`, () => {
    let f: ExecutionPortFixture;
    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => {
      await f.close?.();
    });

    it('starts an execution and returns its ARN and start date', async () => {
      const out = await f.port.startExecution({ stateMachineArn: f.stateMachineArn, name: 'run-1', input: '{"order":"MedicationRequest/m-1"}' });
      const smName = f.stateMachineArn.split(':')[6];
      expect(out.executionArn).toMatch(new RegExp(`:execution:${smName}:run-1$`));
      expect(out.startDate).toBeInstanceOf(Date);
    });

    it('starting the same name with the same input again is idempotent while it runs: same ARN and start date', async () => {
      const a = await f.port.startExecution({ stateMachineArn: f.stateMachineArn, name: 'run-2', input: '{"n":1}' });
      const b = await f.port.startExecution({ stateMachineArn: f.stateMachineArn, name: 'run-2', input: '{"n":1}' });
      expect(b.executionArn).toBe(a.executionArn);
      expect(b.startDate.getTime()).toBe(a.startDate.getTime());
    });

    it('starting the same name with a different input fails ExecutionAlreadyExists', async () => {
      await f.port.startExecution({ stateMachineArn: f.stateMachineArn, name: 'run-3', input: '{"n":1}' });
      expect(await errorName(f.port.startExecution({ stateMachineArn: f.stateMachineArn, name: 'run-3', input: '{"n":2}' }))).toBe('ExecutionAlreadyExists');
    });

    it('starting on a state machine that does not exist fails StateMachineDoesNotExist', async () => {
      const missing = f.stateMachineArn.replace(/stateMachine:[^:]+/, 'stateMachine:no-such-machine');
      expect(await errorName(f.port.startExecution({ stateMachineArn: missing, name: 'x', input: '{}' }))).toBe('StateMachineDoesNotExist');
    });

    it('sendTaskSuccess/Failure/Heartbeat with an unknown token fail TaskDoesNotExist or InvalidToken', async () => {
      const names = ['TaskDoesNotExist', 'InvalidToken'];
      expect(names).toContain(await errorName(f.port.sendTaskSuccess({ taskToken: 'AQCEAAAAKgAAAAMAAAAAAAAAAbogus', output: '{}' })));
      expect(names).toContain(await errorName(f.port.sendTaskFailure({ taskToken: 'AQCEAAAAKgAAAAMAAAAAAAAAAbogus', error: 'E' })));
      expect(names).toContain(await errorName(f.port.sendTaskHeartbeat({ taskToken: 'AQCEAAAAKgAAAAMAAAAAAAAAAbogus' })));
    });
  });
}
