import type { Db } from '../../engine/db/openDatabase';
import type { Engine, LifecycleEvent } from '../../engine/durable/engine';
import type { Logger } from '../../schemas/ports';

const ENDED = { SUCCEEDED: 'succeeded', FAILED: 'failed', TIMED_OUT: 'timed_out', ABORTED: 'aborted' } as const;

const label = (v: string): string => v.replace(/["\\\n]/g, '_');

/**
 * Execution lifecycle in logs and metrics: one PHI-free log line per start and per end (workflow,
 * version, execution name, status, duration, error name — never input, output or cause) and
 * Prometheus counters per workflow. Running, waiting, pending-reminder and dead-letter gauges are
 * read from the database at scrape time, so they are right after a restart too.
 */
export class ExecutionLifecycle {
  private readonly counters = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly engine: Engine,
    private readonly log: Logger | undefined,
  ) {
    this.unsubscribe = engine.onLifecycle((e) => this.observe(e));
  }

  private inc(key: string, by = 1): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  observe(e: LifecycleEvent): void {
    const wf = label(e.stateMachineName);
    const version = e.version === undefined ? {} : { version: e.version };
    if (e.type === 'started') {
      this.inc(`clinflow_executions_started_total{workflow="${wf}"}`);
      this.log?.info({ event: 'execution.started', workflow: e.stateMachineName, ...version, execution: e.executionName }, 'execution started');
      return;
    }
    const kind = ENDED[e.status as keyof typeof ENDED] ?? 'ended';
    const durationMs = Math.max(0, e.at - e.startedAt);
    this.inc(`clinflow_executions_${kind}_total{workflow="${wf}"}`);
    this.inc(`clinflow_execution_duration_seconds_sum{workflow="${wf}"}`, durationMs / 1000);
    this.inc(`clinflow_execution_duration_seconds_count{workflow="${wf}"}`);
    const fields = { event: 'execution.ended', workflow: e.stateMachineName, ...version, execution: e.executionName, status: e.status, durationMs, ...(e.error === undefined ? {} : { error: e.error }) };
    if (e.status === 'SUCCEEDED') this.log?.info(fields, 'execution ended');
    else this.log?.warn(fields, 'execution ended');
  }

  /** Prometheus text: the counters of this process plus gauges read from the journal. */
  render(): string {
    const lines: string[] = [];
    const typed = new Set<string>();
    const type = (name: string, t: string): void => {
      if (!typed.has(name)) lines.push(`# TYPE ${name} ${t}`);
      typed.add(name);
    };
    for (const [key, value] of [...this.counters].sort(([a], [b]) => a.localeCompare(b))) {
      const name = key.split('{')[0] ?? key;
      type(name.replace(/_(sum|count)$/, ''), name.startsWith('clinflow_execution_duration') ? 'summary' : 'counter');
      lines.push(`${key} ${value}`);
    }
    const db = this.engine.db;
    type('clinflow_executions_running', 'gauge');
    for (const r of db.prepare("SELECT m.name AS wf, count(*) AS n FROM sfn_executions e JOIN sfn_state_machines m ON m.id = e.state_machine_id WHERE e.status = 'RUNNING' GROUP BY m.name").all() as { wf: string; n: number }[]) {
      lines.push(`clinflow_executions_running{workflow="${label(r.wf)}"} ${r.n}`);
    }
    type('clinflow_executions_waiting', 'gauge');
    for (const r of db
      .prepare("SELECT m.name AS wf, count(DISTINCT t.execution_id) AS n FROM sfn_task_tokens t JOIN sfn_executions e ON e.id = t.execution_id JOIN sfn_state_machines m ON m.id = e.state_machine_id WHERE t.status = 'open' AND e.status = 'RUNNING' GROUP BY m.name")
      .all() as { wf: string; n: number }[]) {
      lines.push(`clinflow_executions_waiting{workflow="${label(r.wf)}"} ${r.n}`);
    }
    type('clinflow_reminders_pending', 'gauge');
    lines.push(`clinflow_reminders_pending ${count(db, "SELECT count(*) AS n FROM scheduler_schedules WHERE state = 'ENABLED' AND next_due_ms IS NOT NULL AND group_name <> 'clinflow-workflows'")}`);
    type('clinflow_dead_letters', 'gauge');
    lines.push(`clinflow_dead_letters{source="bus"} ${count(db, 'SELECT count(*) AS n FROM bus_dead_letters')}`);
    lines.push(`clinflow_dead_letters{source="scheduler"} ${count(db, 'SELECT count(*) AS n FROM scheduler_dead_letters')}`);
    return `${lines.join('\n')}\n`;
  }

  close(): void {
    this.unsubscribe();
  }
}

/** A count from a table another module may not have created yet (0 then). */
function count(db: Db, sql: string): number {
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } catch {
    return 0;
  }
}
