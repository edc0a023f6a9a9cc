import { readFileSync } from 'node:fs';
import type { LocalEventBus } from '../../engine/bus/LocalEventBus';
import { CorrelationStore } from '../../engine/correlation/correlationStore';
import type { Engine } from '../../engine/durable/engine';
import type { LocalScheduler } from '../../engine/scheduler/localScheduler';
import type { Logger } from '../../schemas/ports';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { ExecutionQuery } from '../../api/services/executionQuery';
import { stepFunctionsOperations } from '../../api/services/stepFunctions';
import type { ConsoleBackend, DeadLetter, ExecutionStatus, HealthReport } from '../../console/consoleBackend';
import { createCallbackStore } from '../../tasks/human/callbackStore';
import { workflowFiles } from '../loadWorkflows';
import { inProcessConnection } from './inProcessConnection';
import { sdkConsoleBackend } from './sdkConsoleBackend';

export interface LocalConsoleDeps {
  engine: Engine;
  bus: LocalEventBus;
  scheduler: LocalScheduler;
  dataDir: string;
  workflowsDir: string;
  /** FHIR server base (a patient's orders for the reminders view). */
  fhirBase: string;
  encryptionKey?: string;
  readiness: () => Record<string, boolean>;
  renderMetrics: () => string;
  log?: Logger;
  /** Puts a dead letter back on its way (i14-ops' `dlq redrive`); absent: the view says so. */
  redriveDeadLetter?: (source: 'bus' | 'scheduler', id: number) => Promise<void>;
  /** The runtime's clock (escalation states are relative to it); default the wall clock. */
  now?: () => number;
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

  return sdkConsoleBackend(conn, {
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
        if (new RegExp(`^workflow:\\s*['"]?${workflow.replace(/[^a-z0-9-]/gi, '')}['"]?\\s*$`, 'm').test(text)) return { file, text };
      }
      return undefined;
    },
    waitingTaskOf: (arn) => (waitingStmt.get(arn) as { task: string } | undefined)?.task,
    async completeTask(fhirTask, result) {
      const entry = callbacks.claim(fhirTask, Date.now());
      if (!entry) throw new Error(`no execution is waiting on ${fhirTask} (it was completed already, or never existed)`);
      try {
        if ('output' in result) await conn.sfn.send(new SendTaskSuccessCommand({ taskToken: entry.taskToken, output: result.output }));
        else await conn.sfn.send(new SendTaskFailureCommand({ taskToken: entry.taskToken, error: result.error, cause: result.cause }));
      } catch (err) {
        callbacks.release(fhirTask);
        throw err;
      }
    },
    async ordersOfPatient(patient) {
      const out = new Set<string>();
      const res = await fetch(`${deps.fhirBase.replace(/\/$/, '')}/MedicationRequest?subject=${encodeURIComponent(patient)}&_elements=id&_count=200`, { headers: { Accept: 'application/fhir+json' } });
      if (!res.ok) throw new Error(`the FHIR server answered HTTP ${res.status} to the search for the patient's orders`);
      const bundle = (await res.json()) as { entry?: { resource?: { id?: string } }[] };
      for (const e of bundle.entry ?? []) if (e.resource?.id) out.add(`MedicationRequest/${e.resource.id}`);
      return out;
    },
    deadLetters(): DeadLetter[] {
      const bus = deps.bus.listDeadLetters().map((d): DeadLetter => ({ source: 'bus', id: d.id, from: `rule ${d.rule}`, target: d.targetArn ?? d.targetId, reason: `${d.errorCode}: ${d.errorMessage}`, attempts: d.attempts, failedMs: d.failedAt }));
      const sched = deps.scheduler.deadLetters().map((d): DeadLetter => ({ source: 'scheduler', id: Number(d.id), from: `schedule ${String(d.schedule_arn).split('/').slice(-2).join('/')}`, target: d.target.Arn ?? '', reason: String(d.reason), attempts: Number(d.attempts), failedMs: Number(d.dead_at_ms) }));
      return [...bus, ...sched].sort((a, b) => b.failedMs - a.failedMs);
    },
    async redriveDeadLetter(source, id) {
      if (!deps.redriveDeadLetter) throw new Error('redriving dead letters is not available in this build; the dead letter is kept');
      await deps.redriveDeadLetter(source, id);
    },
    health() {
      const checks = { database: true, ...deps.readiness() };
      return { ready: Object.values(checks).every(Boolean), checks, metrics: parseMetrics(deps.renderMetrics()) };
    },
    marker: () => `${(maxStmt.get() as { id: number | null }).id ?? 0}:${changes}`,
  }, deps.now);
}
