/**
 * Many finished executions in the journal at once, for the console's "first render with 100 000
 * executions" measurement: starting them one by one would take most of an hour on this machine.
 * Each row goes through the journal store's own writes (insertExecution + writeStep, so payloads are
 * encoded and history stored as the engine stores them), all in one SQLite transaction.
 * Synthetic data only: the references name no real patient.
 */
import type { Engine } from '../engine/durable/engine';
import { metaOf } from '../engine/durable/journalStore';
import { executionArn, stateMachineArn } from '../engine/durable/names';
import type { ExecutionState, ExecutionStatus, HistoryEventDraft } from '../engine/interpreter/contract';

export interface SeedOptions {
  /** The state machine, e.g. `clinflow-abnormal-lab`; it must exist. */
  stateMachineName: string;
  count: number;
  /** Start time of the first execution; each next one starts `spacingMs` later. */
  startMs: number;
  spacingMs?: number;
  /** Execution names are `<prefix><n>`. */
  prefix?: string;
}

export interface SeedResult {
  count: number;
  failed: number;
  /** Wall time of the transaction. */
  ms: number;
}

/** Every tenth execution failed (FHIR.NotFound, as a missing Observation fails abnormal-lab), the rest succeeded. */
export function seedExecutions(engine: Engine, options: SeedOptions): SeedResult {
  const store = engine.store;
  const sm = store.stateMachineByName(options.stateMachineName);
  if (!sm) throw new Error(`seedExecutions: no state machine '${options.stateMachineName}'`);
  const spacing = options.spacingMs ?? 1000;
  const prefix = options.prefix ?? 'seed-';
  const smArn = stateMachineArn(sm.name);
  let failed = 0;
  const t0 = performance.now();
  engine.db.transaction(() => {
    for (let n = 0; n < options.count; n++) {
      const name = `${prefix}${n}`;
      const start = options.startMs + n * spacing;
      const stop = start + 250;
      const status: ExecutionStatus = n % 10 === 9 ? 'FAILED' : 'SUCCEEDED';
      const inputText = JSON.stringify({
        source: 'clinflow.fhir',
        'detail-type': 'FHIR Observation create',
        detail: { reference: `Observation/seed-${n}`, resourceType: 'Observation', id: `seed-${n}`, interaction: 'create' },
      });
      const info = {
        executionArn: executionArn(sm.name, name),
        executionName: name,
        stateMachineArn: smArn,
        stateMachineName: sm.name,
        roleArn: sm.role_arn,
        startTime: new Date(start).toISOString(),
      };
      const running: ExecutionState = { info, status: 'RUNNING', frames: {}, seq: 0, historyCount: 0 };
      const execId = store.insertExecution({ smId: sm.id, revisionId: sm.revision_id, name, inputText, inputDigest: store.codec.digest(inputText), startMs: start, meta: metaOf(running) });
      const history: HistoryEventDraft[] = [{ type: 'ExecutionStarted', timestamp: start, details: { input: inputText, roleArn: sm.role_arn, stateMachineArn: smArn } }];
      const cause = `Observation/seed-${n} was not found on the FHIR server (synthetic seed data)`;
      if (status === 'FAILED') failed++;
      history.push(
        status === 'FAILED'
          ? { type: 'ExecutionFailed', timestamp: stop, details: { error: 'FHIR.NotFound', cause } }
          : { type: 'ExecutionSucceeded', timestamp: stop, details: { output: '{"acknowledged":true}' } },
      );
      store.writeStep({
        execId,
        revisionId: sm.revision_id,
        firstEventId: 1,
        history,
        state: { ...running, status, historyCount: 2 },
        changedFrames: [],
        removedFrames: [],
        persisted: new Set(),
        commands: [status === 'FAILED' ? { type: 'ExecutionEnded', status, error: 'FHIR.NotFound', cause } : { type: 'ExecutionEnded', status, output: { acknowledged: true } }],
        now: stop,
        fresh: true,
      });
    }
  })();
  return { count: options.count, failed, ms: performance.now() - t0 };
}
