import type { Session } from '../auth/sessions';
import type { DeadLetter, HealthReport, PendingReminder, WaitingTask } from '../consoleBackend';
import { html } from './html';
import { csrfField, page, time } from './layout';
import { executionHref } from './executionsView';

const ESCALATION: Record<WaitingTask['escalation'], string> = { overdue: 'overdue: escalating', 'due-soon': 'due soon', 'on-time': 'on time', 'no-deadline': 'no deadline' };

export function tasksPage(opts: { session: Session; mode: string; tasks: WaitingTask[]; now: number }): string {
  const clinician = opts.session.roles.has('clinician');
  const tasks = [...opts.tasks].sort((a, b) => (a.deadlineMs ?? Infinity) - (b.deadlineMs ?? Infinity));
  return page({
    title: 'Human tasks',
    section: 'tasks',
    session: opts.session,
    mode: opts.mode,
    body: html`<h1>Human tasks</h1>
<p>Tasks executions are waiting on a person for, soonest deadline first. Completing the FHIR Task in the EHR resumes the workflow too.</p>
${
  tasks.length === 0
    ? html`<p id="empty-state" class="empty">Nobody is waiting on a person right now. Tasks appear here when a workflow reaches an <code>await</code> step.</p>`
    : html`<table id="tasks-table" class="grid"><thead><tr><th scope="col">FHIR Task</th><th scope="col">Workflow / step</th><th scope="col">Waiting since</th><th scope="col">Deadline</th><th scope="col">Escalation</th>${clinician ? html`<th scope="col">Result</th>` : ''}</tr></thead><tbody>${tasks.map(
        (t) =>
          html`<tr data-testid="task-row" data-task="${t.fhirTask ?? ''}" data-escalation="${t.escalation}"><td>${t.fhirTask ?? html`<span class="muted">unknown</span>`}</td><td><a href="${executionHref(t.executionArn)}">${t.workflow} · ${t.state}</a></td><td>${time(t.sinceMs)}</td><td>${time(t.deadlineMs)}</td><td><span class="badge esc-${t.escalation}">${ESCALATION[t.escalation]}</span></td>${
            clinician
              ? html`<td>${
                  t.fhirTask
                    ? html`<form method="post" action="/console/actions/task-success" class="inline task-complete">${csrfField(opts.session)}<input type="hidden" name="task" value="${t.fhirTask}"><input type="hidden" name="return" value="/console/tasks"><label class="sr-only" for="out-${t.fhirTask}">Result JSON for ${t.fhirTask}</label><input id="out-${t.fhirTask}" name="output" value="{}" size="10"> <button type="submit">Complete</button></form>
<form method="post" action="/console/actions/task-failure" class="inline task-fail">${csrfField(opts.session)}<input type="hidden" name="task" value="${t.fhirTask}"><input type="hidden" name="ending" value="rejected"><input type="hidden" name="return" value="/console/tasks"><button type="submit">Reject</button></form>`
                    : ''
                }</td>`
              : ''
          }</tr>`,
      )}</tbody></table>`
}`,
  });
}

export function remindersPage(opts: { session: Session; mode: string; order: string; patient: string; reminders?: PendingReminder[]; error?: string }): string {
  const r = opts.reminders;
  return page({
    title: 'Reminders',
    section: 'reminders',
    session: opts.session,
    mode: opts.mode,
    body: html`<h1>Reminders</h1>
<form id="reminders-form" method="get" action="/console/reminders" class="filters" role="search" aria-label="Find reminders">
  <label>Patient <input name="patient" id="reminders-patient" value="${opts.patient}" placeholder="Patient/123"></label>
  <span>or</span>
  <label>Order <input name="order" id="reminders-order" value="${opts.order}" placeholder="MedicationRequest/123"></label>
  <button type="submit" id="reminders-find">Show pending reminders</button>
</form>
${opts.error ? html`<p id="reminders-error" class="notice notice-error" role="alert">${opts.error}</p>` : ''}
${
  r === undefined
    ? opts.error
      ? ''
      : html`<p id="empty-state" class="empty">Enter a patient or an order reference to see its pending reminders, in the patient's local time.</p>`
    : r.length === 0
      ? html`<p id="empty-state" class="empty">No pending reminders for ${opts.order || opts.patient}. Reminders are planned when an active MedicationRequest with a dosage schedule arrives.</p>`
      : html`<table id="reminders-table" class="grid"><thead><tr><th scope="col">Order</th><th scope="col">Dose slot</th><th scope="col">Patient's local time</th><th scope="col">Your time</th><th scope="col">State</th><th scope="col">Placed by</th></tr></thead><tbody>${r.map(
          (x) =>
            html`<tr data-testid="reminder-row"><td>${x.order}</td><td>${x.slot}</td><td>${new Intl.DateTimeFormat('en-CA', { timeZone: x.timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(x.atMs)} (${x.timeZone})</td><td>${time(x.atMs, x.timeZone)}</td><td>${x.state}</td><td>${x.policy}</td></tr>`,
        )}</tbody></table>`
}`,
  });
}

export function deadLettersPage(opts: { session: Session; mode: string; letters: DeadLetter[]; error?: string }): string {
  const operator = opts.session.roles.has('operator');
  return page({
    title: 'Dead letters',
    section: 'dead-letters',
    session: opts.session,
    mode: opts.mode,
    body: html`<h1>Dead letters</h1>
<p>Deliveries that failed for good, after every retry. Their payloads are not shown: they may hold patient data.</p>
${opts.error ? html`<p id="dead-letters-error" class="notice notice-error" role="alert">${opts.error}</p>` : ''}
${
  opts.letters.length === 0
    ? opts.error
      ? ''
      : html`<p id="empty-state" class="empty">No dead letters: every event and schedule was delivered. Nothing to do.</p>`
    : html`<table id="dead-letters-table" class="grid"><thead><tr><th scope="col">Source</th><th scope="col">From</th><th scope="col">Target</th><th scope="col">Reason</th><th scope="col">Attempts</th><th scope="col">Failed</th>${operator ? html`<th scope="col">Action</th>` : ''}</tr></thead><tbody>${opts.letters.map(
        (d) =>
          html`<tr data-testid="dead-letter-row" data-id="${d.source}/${d.id}"><td>${d.source}</td><td>${d.from}</td><td class="mono">${d.target}</td><td>${d.reason}</td><td>${d.attempts}</td><td>${time(d.failedMs)}</td>${
            operator
              ? html`<td><form method="post" action="/console/actions/dlq-redrive" class="dlq-redrive">${csrfField(opts.session)}<input type="hidden" name="source" value="${d.source}"><input type="hidden" name="id" value="${d.id}"><input type="hidden" name="return" value="/console/dead-letters"><button type="submit">Redrive</button></form></td>`
              : ''
          }</tr>`,
      )}</tbody></table>`
}`,
  });
}

export function healthPage(opts: { session: Session; mode: string; report: HealthReport }): string {
  const m = opts.report.metrics;
  return page({
    title: 'Health',
    section: 'health',
    session: opts.session,
    mode: opts.mode,
    body: html`<h1>Health</h1>
<p id="health-status" class="notice ${opts.report.ready ? 'notice-ok' : 'notice-error'}" role="status">${opts.report.ready ? 'Ready: every check passes.' : 'Not ready: a check below fails. Workflows that failed to load keep their previous version; see the server log.'}</p>
<table id="health-checks" class="grid"><thead><tr><th scope="col">Check</th><th scope="col">Result</th></tr></thead><tbody>${Object.entries(opts.report.checks).map(([k, v]) => html`<tr><td>${k}</td><td>${v === true ? 'ok' : v === false ? 'failing' : v}</td></tr>`)}</tbody></table>
<h2>Metrics</h2>
${
  m.length === 0
    ? html`<p class="empty">No metrics from this target.</p>`
    : html`<table id="metrics-table" class="grid"><thead><tr><th scope="col">Metric</th><th scope="col">Labels</th><th scope="col">Value</th></tr></thead><tbody>${m.map((x) => html`<tr><td class="mono">${x.name}</td><td class="mono">${x.labels}</td><td>${Number.isInteger(x.value) ? x.value : x.value.toFixed(3)}</td></tr>`)}</tbody></table>`
}`,
  });
}
