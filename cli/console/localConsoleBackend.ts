import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { CorrelationStore } from '../../engine/correlation/correlationStore';
import type { Engine } from '../../engine/durable/engine';
import type { LocalScheduler } from '../../engine/scheduler/localScheduler';
import type { Logger } from '../../schemas/ports';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { listDeadLetters, redriveDeadLetter } from '../../api/services/deadLetterRedrive';
import { ExecutionQuery } from '../../api/services/executionQuery';
import { createFhirPortRouter } from '../../tasks/fhir/createFhirPortRouter';
import { endFhirTask, failureError, outputValues, taskOutputEntries } from '../commands/ops/fhirTaskEnding';
import { stepFunctionsOperations } from '../../api/services/stepFunctions';
import type { ConsoleBackend, DeadLetter, ExecutionStatus, HealthReport } from '../../console/consoleBackend';
import { createCallbackStore } from '../../tasks/human/callbackStore';
import { workflowFiles } from '../loadWorkflows';
import { inProcessConnection } from './inProcessConnection';
import { sdkConsoleBackend } from './sdkConsoleBackend';

export interface LocalConsoleDeps {
  engine: Engine;
  scheduler: LocalScheduler;
  dataDir: string;
  workflowsDir: string;
  /** FHIR server base (a patient's orders for the reminders view). */
  fhirBase: string;
  /** The runtime's clock (FHIR Task times must not run behind the Task's own, e.g. under `--speed`). */
  now: () => number;
  encryptionKey?: string;
  readiness: () => Record<string, boolean>;
  renderMetrics: () => string;
  log?: Logger;
}

/** `name{labels} value` lines of a Prometheus text exposition, without comments. */
function parseMetrics(text: string): HealthReport['metrics'] {
  const out: HealthReport['metrics'] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m && m[1] && m[3]) out.push({ name: m[1], labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

/**
 * The console's backend inside `clinflow dev`/`serve`: the API's Step Functions operations called
 * in-process through the SDK command shapes (see inProcessConnection), plus the local-only views.
 */
export function localConsoleBackend(deps: LocalConsoleDeps): ConsoleBackend {
  const { engine } = deps;
  const sfn = stepFunctionsOperations({ engine });
  const query = new ExecutionQuery(engine);
  const correlations = new CorrelationStore(engine.db);
  const key = deps.encryptionKey;
  const callbacks = createCallbackStore(engine.db, key ? { encryptionKey: Buffer.from(key, /^[0-9a-f]{64}$/i.test(key) ? 'hex' : 'base64') } : {});
  const conn = inProcessConnection(sfn, deps.scheduler, deps.dataDir);
  const fhir = createFhirPortRouter([{ name: 'default', baseUrl: deps.fhirBase }], { now: deps.now });
  // Bring the FHIR-reference index up to date now, not on the first search (a journal that was never
  // indexed costs ~45 ms per 1 000 executions once; the progress mark is kept in the database).
  const warm = setTimeout(() => {
    try {
      query.listExecutions({ clinflowReference: 'Patient/warm-up', maxResults: 1 });
    } catch (err) {
      deps.log?.warn({ error: err instanceof Error ? err.message : String(err) }, 'console: indexing execution references failed');
    }
  }, 0);
  warm.unref();
  let changes = 0;
  engine.onLifecycle(() => {
    changes += 1;
  });
  const waitingStmt = engine.db.prepare('SELECT task FROM human_task_callbacks WHERE execution_arn = ? AND used_at IS NULL LIMIT 1');
  const countStmt = engine.db.prepare('SELECT e.status AS status, count(*) AS n FROM sfn_executions e JOIN sfn_state_machines m ON m.id = e.state_machine_id WHERE m.name = ? GROUP BY e.status');
  const maxStmt = engine.db.prepare('SELECT max(id) AS id FROM sfn_executions');

  return sdkConsoleBackend(
    conn,
    {
      listExecutions: (input) => query.listExecutions(input),
      findByCorrelationKey: (k) => correlations.findByKey(k).map((e) => e.executionArn),
      countsByStatus(name) {
        const out: Partial<Record<ExecutionStatus, number>> = {};
        for (const r of countStmt.all(name) as { status: ExecutionStatus; n: number }[]) out[r.status] = r.n;
        return out;
      },
      workflowSource(workflow) {
        for (const file of workflowFiles([deps.workflowsDir])) {
          const text = readFileSync(file, 'utf8');
          // Named from the project (workflows/x.yaml), not the machine's absolute path.
          if (new RegExp(`^workflow:\\s*['"]?${workflow.replace(/[^a-z0-9-]/gi, '')}['"]?\\s*$`, 'm').test(text)) return { file: relative(dirname(resolve(deps.workflowsDir)), file), text };
        }
        return undefined;
      },
      waitingTaskOf: (arn) => (waitingStmt.get(arn) as { task: string } | undefined)?.task,
      // As `clinflow tasks complete|fail` does: claim the token (so the Task's own change notification
      // resumes nothing twice), end the FHIR Task, resume with the result a Task change would give.
      async completeTask(fhirTask, result) {
        const output = result.ending === 'completed' ? taskOutputEntries(result.output) : undefined;
        const entry = callbacks.claim(fhirTask, deps.now());
        if (!entry) throw new Error(`no execution is waiting on ${fhirTask} (it was completed already, or never existed)`);
        try {
          await endFhirTask(fhir, fhirTask, result.ending, { ...(output ? { output } : {}), ...(result.ending !== 'completed' && result.reason ? { reason: result.reason } : {}), now: deps.now() });
          if (result.ending === 'completed') {
            const values = output && output.length > 0 ? { output: outputValues(output) } : {};
            await conn.sfn.send(new SendTaskSuccessCommand({ taskToken: entry.taskToken, output: JSON.stringify({ task: fhirTask, status: 'completed', ...values }) }));
          } else {
            await conn.sfn.send(new SendTaskFailureCommand({ taskToken: entry.taskToken, error: failureError(result.ending), cause: JSON.stringify({ task: fhirTask, status: result.ending }) }));
          }
        } catch (err) {
          callbacks.release(fhirTask);
          throw err;
        }
      },
      async ordersOfPatient(patient) {
        const out = new Set<string>();
        const res = await fetch(`${deps.fhirBase.replace(/\/$/, '')}/MedicationRequest?subject=${encodeURIComponent(patient)}&_elements=id&_count=200`, {
          headers: { Accept: 'application/fhir+json' },
        });
        if (!res.ok) throw new Error(`the FHIR server answered HTTP ${res.status} to the search for the patient's orders`);
        const bundle = (await res.json()) as { entry?: { resource?: { id?: string } }[] };
        for (const e of bundle.entry ?? []) if (e.resource?.id) out.add(`MedicationRequest/${e.resource.id}`);
        return out;
      },
      deadLetters: (): DeadLetter[] =>
        listDeadLetters(engine.db)
          .map((d): DeadLetter => ({ source: d.source, id: d.id, from: d.from, target: d.target, reason: d.error, attempts: d.attempts, failedMs: Date.parse(d.failedAt) }))
          .sort((a, b) => b.failedMs - a.failedMs),
      async redriveDeadLetter(source, id) {
        if (!redriveDeadLetter(engine.db, { source, id }, deps.now())) throw new Error(`there is no dead letter ${source}:${id} (it was redriven already?)`);
      },
      health() {
        const checks = { database: true, ...deps.readiness() };
        return { ready: Object.values(checks).every(Boolean), checks, metrics: parseMetrics(deps.renderMetrics()) };
      },
      marker: () => `${(maxStmt.get() as { id: number | null }).id ?? 0}:${changes}`,
    },
    deps.now,
  );
}
