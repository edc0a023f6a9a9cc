import type { Session } from '../auth/sessions';
import type { ExecutionDetail, WorkflowSummary } from '../consoleBackend';
import { html, type Html } from './html';
import { csrfField, page, statusBadge, time } from './layout';
import { meaningOf } from './plainWords';
import { stepsOf } from './workflowSteps';
import { workflowGraph } from './workflowGraph';

const STEP_LABEL: Record<string, string> = { succeeded: 'succeeded', failed: 'failed', running: 'running', waiting: 'waiting', 'not-reached': 'not reached' };

/** The workflow's steps with each one's status in this execution: the text twin of the graph. */
function stepList(detail: ExecutionDetail, workflow: WorkflowSummary | undefined): Html {
  const steps = workflow?.source ? stepsOf(workflow.source.text) : [];
  const ids = steps.length
    ? steps
    : Object.keys(detail.stepStatus)
        .filter((s) => s !== 'trigger')
        .map((id) => ({ id, kind: '', what: '', depth: 0 }));
  return html`<ol id="steps" class="steps">${ids.map((s) => {
    const status = detail.stepStatus[s.id] ?? 'not-reached';
    return html`<li data-step="${s.id}" data-status="${status}" class="step step-${status} depth-${Math.min(s.depth, 4)}"><span class="step-status">${STEP_LABEL[status]}</span> <strong>${s.id}</strong> ${s.what ? html`<span class="muted">${s.what}</span>` : ''}${'description' in s && typeof s.description === 'string' ? html`<br><span class="desc">${s.description}</span>` : ''}</li>`;
  })}</ol>`;
}

function timeline(detail: ExecutionDetail): Html {
  const entered = detail.history.filter((h) => h.type.endsWith('StateEntered') && h.state && !h.state.startsWith('trigger.'));
  if (entered.length === 0) return html`<p class="empty">No step has started yet.</p>`;
  const end = detail.stopMs ?? Date.now();
  return html`<ol id="timeline" class="timeline">${entered.map((e, i) => {
    const next = entered[i + 1]?.timestampMs ?? end;
    const secs = Math.max(0, (next - e.timestampMs) / 1000);
    const dur = secs < 60 ? `${secs.toFixed(1)} s` : secs < 3600 ? `${(secs / 60).toFixed(1)} min` : `${(secs / 3600).toFixed(1)} h`;
    return html`<li>${time(e.timestampMs)} <strong>${e.state}</strong> <span class="muted">for ${dur}</span></li>`;
  })}</ol>`;
}

export function executionPage(opts: { session: Session; mode: string; detail: ExecutionDetail; workflow?: WorkflowSummary }): string {
  const { detail: d, session } = opts;
  const clinician = session.roles.has('clinician');
  const operator = session.roles.has('operator');
  const seesCause = clinician || operator;
  const self = `/console/executions/${encodeURIComponent(d.executionArn)}`;
  const redrivable = d.status === 'FAILED' || d.status === 'TIMED_OUT' || d.status === 'ABORTED';
  const meaning = meaningOf(d.error);
  const graph = opts.workflow?.source ? workflowGraph(opts.workflow.source.text, d.stepStatus) : undefined;
  return page({
    title: `Execution ${d.name}`,
    section: 'executions',
    session,
    mode: opts.mode,
    body: html`<p><a href="/console/executions">← Executions</a></p>
<h1>Execution <span class="mono">${d.name}</span></h1>
<dl class="facts">
  <dt>Workflow</dt><dd><a href="/console/workflows/${d.workflow}">${d.workflow}</a></dd>
  <dt>Status</dt><dd id="execution-status">${statusBadge(d.status)}</dd>
  <dt>Started</dt><dd>${time(d.startMs)}</dd>
  <dt>Ended</dt><dd>${time(d.stopMs)}</dd>
  <dt>Redrives</dt><dd>${d.redriveCount}</dd>
  ${d.waitingTask ? html`<dt>Waiting on</dt><dd id="waiting-task">${d.waitingTask} (a person must act: see Human tasks)</dd>` : ''}
</dl>
${
  d.error
    ? html`<section id="execution-error" class="error-box" aria-labelledby="error-h"><h2 id="error-h">What went wrong</h2>
<p><strong>${meaning ?? 'The execution ended with an error.'}</strong></p>
<p>Error: <code>${d.error}</code></p>
${seesCause && d.cause ? html`<p>Cause: <span id="execution-cause">${d.cause}</span></p>` : seesCause ? '' : html`<p class="muted">The cause is shown to operators and clinicians.</p>`}
</section>`
    : ''
}
<section aria-labelledby="actions-h"><h2 id="actions-h">Actions</h2>
${operator || clinician ? '' : html`<p class="muted" id="no-actions">Your role (viewer) can look but not act. Ask an operator or a clinician.</p>`}
<div class="actions">
${
  operator && d.status === 'RUNNING'
    ? html`<form id="stop-form" method="post" action="/console/actions/stop" data-confirm="Stop this execution? It cannot be resumed, only redriven.">${csrfField(session)}<input type="hidden" name="arn" value="${d.executionArn}"><input type="hidden" name="return" value="${self}"><label>Reason (no patient data) <input name="cause" maxlength="1000"></label> <button type="submit" id="stop">Stop execution</button></form>`
    : ''
}
${
  operator && redrivable
    ? html`<form id="redrive-form" method="post" action="/console/actions/redrive">${csrfField(session)}<input type="hidden" name="arn" value="${d.executionArn}"><input type="hidden" name="return" value="${self}"><button type="submit" id="redrive">Redrive from the failed step</button></form>`
    : ''
}
${
  clinician && d.waitingTask
    ? html`<form id="task-success-form" method="post" action="/console/actions/task-success">${csrfField(session)}<input type="hidden" name="task" value="${d.waitingTask}"><input type="hidden" name="return" value="${self}"><label>Task result (JSON object of named values) <textarea name="output" rows="2">{}</textarea></label> <button type="submit" id="task-success">Send task success</button></form>
<form id="task-failure-form" method="post" action="/console/actions/task-failure">${csrfField(session)}<input type="hidden" name="task" value="${d.waitingTask}"><input type="hidden" name="return" value="${self}"><label>Ending <select name="ending" id="task-ending"><option value="rejected">rejected (not accepted)</option><option value="failed">failed (accepted, could not be done)</option><option value="cancelled">cancelled</option></select></label> <label>Reason (no patient data) <input name="reason" maxlength="1000"></label> <button type="submit" id="task-failure">Send task failure</button></form>`
    : ''
}
</div>
</section>
<section aria-labelledby="graph-h"><h2 id="graph-h">Steps</h2>
${graph ? html`<figure id="graph" class="graph">${graph}<figcaption>The workflow as written, each step coloured by its status in this execution.</figcaption></figure>` : ''}
${stepList(d, opts.workflow)}
</section>
<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>${timeline(d)}</section>
<section aria-labelledby="data-h"><h2 id="data-h">Input and output</h2>
${
  clinician
    ? html`<p>Inputs and outputs may hold patient data: they stay hidden until you reveal them, and each reveal is recorded in the audit trail.</p>
<button type="button" class="reveal" id="reveal-execution" data-arn="${d.executionArn}" aria-controls="reveal-0">Reveal execution input and output</button>
<div id="reveal-0" class="revealed" aria-live="polite"></div>`
    : html`<p class="muted" id="no-reveal">Inputs and outputs may hold patient data; only clinicians can reveal them.</p>`
}
</section>
<section aria-labelledby="history-h"><h2 id="history-h">Event history</h2>
${d.historyTruncated ? html`<p class="muted">Showing the first ${d.history.length} events.</p>` : ''}
<table id="history" class="grid"><thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Step</th><th scope="col">Details</th>${clinician ? html`<th scope="col">Data</th>` : ''}</tr></thead>
<tbody>${d.history.map(
      (h) =>
        html`<tr data-testid="history-row" data-event-type="${h.type}"><td>${h.id}</td><td>${time(h.timestampMs)}</td><td>${h.type}</td><td>${h.state ?? ''}</td><td>${h.error ? html`<code>${h.error}</code> ${meaningOf(h.error) ?? ''}${seesCause && h.cause ? html`<br><span class="cause">${h.cause}</span>` : ''}` : (h.resource ?? '')}</td>${
          clinician
            ? html`<td>${h.hasData ? html`<button type="button" class="reveal small" data-arn="${d.executionArn}" data-event="${h.id}" aria-controls="reveal-${h.id}">Reveal</button><div id="reveal-${h.id}" class="revealed" aria-live="polite"></div>` : ''}</td>`
            : ''
        }</tr>`,
    )}</tbody></table>
</section>`,
  });
}
