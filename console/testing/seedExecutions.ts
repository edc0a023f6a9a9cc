import { createHash } from 'node:crypto';
import type { Engine } from '../../engine/durable/engine';

/**
 * Writes `count` finished executions of a deployed state machine straight into the journal, through
 * the journal store's own insert (so encryption and columns are the engine's), in one transaction:
 * 100 000 take seconds instead of the minutes running them would. For list and render measurements
 * only: the executions have no history. Every 10th failed, the rest succeeded; one a second from `startMs`.
 */
export function seedExecutions(engine: Engine, stateMachineName: string, count: number, startMs: number): void {
  const sm = engine.store.stateMachineByName(stateMachineName);
  if (!sm) throw new Error(`no state machine ${stateMachineName}: load the workflow first`);
  const finish = engine.db.prepare("UPDATE sfn_executions SET status = ?, stop_ms = ?, error = ? WHERE id = ?");
  engine.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const inputText = JSON.stringify({ order: `MedicationRequest/seed-${i}`, patient: `Patient/seed-${i % 500}` });
      const id = engine.store.insertExecution({ smId: sm.id, revisionId: sm.revision_id, name: `seed-${String(i).padStart(7, '0')}`, inputText, inputDigest: createHash('sha256').update(inputText).digest('hex'), startMs: startMs + i * 1000, meta: '{}' });
      const failed = i % 10 === 0;
      finish.run(failed ? 'FAILED' : 'SUCCEEDED', startMs + i * 1000 + 500, failed ? 'States.TaskFailed' : null, id);
    }
  })();
}
