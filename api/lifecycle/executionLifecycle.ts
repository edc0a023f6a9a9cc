import type { Db } from '../../core/db/openDatabase';
import type { Engine, LifecycleEvent } from '../../engine/durable/engine';
import type { Logger } from '../../schemas/ports';

const ENDED = { SUCCEEDED: 'succeeded', FAILED: 'failed', TIMED_OUT: 'timed_out', ABORTED: 'aborted' } as const;
/** Task latency buckets (seconds): FHIR calls take milliseconds to seconds, retries and slow servers longer. */
export const TASK_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** A reminder delivery that starts more than this after its slot counts as fired late. */
export const REMINDER_LATE_AFTER_MS = 60_000;

const label = (v: string): string => v.replace(/["\\\n]/g, '_');
/** `arn:aws:lambda:…:function:clinflow-fhir-read` → `clinflow-fhir-read`; service integrations keep their ARN tail. */
const taskName = (resource: string): string =>
  resource
    .split(':')
    .slice(resource.includes(':function:') ? -1 : 5)
    .join(':') || resource;

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * Execution lifecycle in logs and metrics: one PHI-free log line per start and per end (workflow,
 * version, execution name, status, duration, error name — never input, output or cause) and
 * Prometheus counters per workflow; task latencies per workflow and task (a histogram on the
 * engine's clock); reminders fired late (a `reminder-delivery` run that started more than a minute
 * after its slot: only the slot time is read from its input). Running, waiting, pending-reminder and
 * dead-letter gauges are read from the database at scrape time, so they are right after a restart too.
 */
export class ExecutionLifecycle {
  private readonly counters = new Map<string, number>();
  private readonly taskLatency = new Map<string, Histogram>();
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
    if (e.type === 'task') {
      const key = `workflow="${wf}",task="${label(taskName(e.resource))}"`;
      const h = this.taskLatency.get(key) ?? { buckets: TASK_BUCKETS_SECONDS.map(() => 0), sum: 0, count: 0 };
      const seconds = Math.max(0, e.at - e.startedAt) / 1000;
      TASK_BUCKETS_SECONDS.forEach((b, i) => {
        if (seconds <= b) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
      });
      h.sum += seconds;
      h.count += 1;
      this.taskLatency.set(key, h);
      if (!e.ok) this.inc(`clinflow_task_failures_total{${key},error="${label(e.error ?? '')}"}`);
      return;
    }
    const version = e.version === undefined ? {} : { version: e.version };
    if (e.type === 'started') {
      this.inc(`clinflow_executions_started_total{workflow="${wf}"}`);
      this.log?.info({ event: 'execution.started', workflow: e.stateMachineName, ...version, execution: e.executionName }, 'execution started');
      if (e.stateMachineName.endsWith('reminder-delivery')) this.observeReminder(e.executionArn, e.at);
      return;
    }
    const kind = ENDED[e.status as keyof typeof ENDED] ?? 'ended';
    const durationMs = Math.max(0, e.at - e.startedAt);
    this.inc(`clinflow_executions_${kind}_total{workflow="${wf}"}`);
    this.inc(`clinflow_execution_duration_seconds_sum{workflow="${wf}"}`, durationMs / 1000);
    this.inc(`clinflow_execution_duration_seconds_count{workflow="${wf}"}`);
    const fields = {
      event: 'execution.ended',
      workflow: e.stateMachineName,
      ...version,
      execution: e.executionName,
      status: e.status,
      durationMs,
      ...(e.error === undefined ? {} : { error: e.error }),
    };
    if (e.status === 'SUCCEEDED') this.log?.info(fields, 'execution ended');
    else this.log?.warn(fields, 'execution ended');
  }

  /** Counts every reminder delivery, and the late ones: the slot time (`at`) is the only input field read. */
  private observeReminder(executionArn: string, startedAt: number): void {
    let at: number;
    try {
      const text = this.engine.describeExecution({ executionArn }).input;
      const input = JSON.parse(typeof text === 'string' ? text : '{}') as { at?: unknown };
      at = typeof input.at === 'string' ? Date.parse(input.at) : Number.NaN;
    } catch {
      return;
    }
    if (Number.isNaN(at)) return;
    this.inc('clinflow_reminders_fired_total');
    if (startedAt - at > REMINDER_LATE_AFTER_MS) this.inc('clinflow_reminders_fired_late_total');
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
    if (!this.counters.has('clinflow_reminders_fired_late_total')) {
      type('clinflow_reminders_fired_late_total', 'counter');
      lines.push('clinflow_reminders_fired_late_total 0');
    }
    const h = 'clinflow_task_duration_seconds';
    type(h, 'histogram');
    for (const [labels, hist] of [...this.taskLatency].sort(([a], [b]) => a.localeCompare(b))) {
      TASK_BUCKETS_SECONDS.forEach((b, i) => lines.push(`${h}_bucket{${labels},le="${b}"} ${hist.buckets[i] ?? 0}`));
      lines.push(`${h}_bucket{${labels},le="+Inf"} ${hist.count}`, `${h}_sum{${labels}} ${hist.sum}`, `${h}_count{${labels}} ${hist.count}`);
    }
    const db = this.engine.db;
    type('clinflow_executions_running', 'gauge');
    for (const r of db.prepare("SELECT m.name AS wf, count(*) AS n FROM sfn_executions e JOIN sfn_state_machines m ON m.id = e.state_machine_id WHERE e.status = 'RUNNING' GROUP BY m.name").all() as {
      wf: string;
      n: number;
    }[]) {
      lines.push(`clinflow_executions_running{workflow="${label(r.wf)}"} ${r.n}`);
    }
    type('clinflow_executions_waiting', 'gauge');
    for (const r of db
      .prepare(
        "SELECT m.name AS wf, count(DISTINCT t.execution_id) AS n FROM sfn_task_tokens t JOIN sfn_executions e ON e.id = t.execution_id JOIN sfn_state_machines m ON m.id = e.state_machine_id WHERE t.status = 'open' AND e.status = 'RUNNING' GROUP BY m.name",
      )
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
