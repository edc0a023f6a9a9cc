import type { Session } from '../auth/sessions';
import { EXECUTION_STATUSES, type ConsoleBackend, type WorkflowSummary } from '../consoleBackend';
import { html } from './html';
import { page, statusBadge, time } from './layout';
import { workflowGraph } from './workflowGraph';
import { stepsOf, triggerAsWritten } from './workflowSteps';

type Counts = Awaited<ReturnType<ConsoleBackend['countsByStatus']>>;

function countLinks(workflow: string, counts: Counts) {
  const present = EXECUTION_STATUSES.filter((s) => (counts[s] ?? 0) > 0);
  if (present.length === 0) return html`<span class="muted">no executions yet</span>`;
  return html`<ul class="counts">${present.map((s) => html`<li><a href="/console/executions?workflow=${workflow}&amp;status=${s}" data-count-status="${s}">${statusBadge(s)} ${counts[s] ?? 0}${counts.approximate ? '+' : ''}</a></li>`)}</ul>`;
}

export function workflowsPage(opts: { session: Session; mode: string; workflows: WorkflowSummary[]; counts: Counts[] }): string {
  return page({
    title: 'Workflows',
    section: 'workflows',
    session: opts.session,
    mode: opts.mode,
    body: html`<h1>Workflows</h1>
${
  opts.workflows.length === 0
    ? html`<p id="empty-state" class="empty">No workflows are loaded. Put a workflow YAML file in the workflows folder (<code>clinflow dev --workflows DIR</code>); <code>clinflow validate</code> says what is wrong with one that does not load.</p>`
    : html`<table id="workflows-table" class="grid"><thead><tr><th scope="col">Workflow</th><th scope="col">Trigger</th><th scope="col">Latest version</th><th scope="col">Executions by status</th></tr></thead><tbody>${opts.workflows.map(
        (w, i) => {
          const trigger = w.source ? triggerAsWritten(w.source.text) : undefined;
          return html`<tr data-testid="workflow-row" data-workflow="${w.workflow}"><td><a href="/console/workflows/${w.workflow}">${w.workflow}</a></td><td>${trigger ? html`<pre class="yaml">${trigger}</pre>` : html`<span class="muted">started by another workflow or the API</span>`}</td><td>${w.versions[0] ? html`v${w.versions[0].version} (${time(w.versions[0].createdMs)})` : html`<span class="muted">unversioned</span>`}</td><td>${countLinks(w.workflow, opts.counts[i] ?? {})}</td></tr>`;
        },
      )}</tbody></table>`
}`,
  });
}

export function workflowPage(opts: { session: Session; mode: string; workflow: WorkflowSummary; counts: Counts }): string {
  const w = opts.workflow;
  const source = w.source?.text;
  const steps = source ? stepsOf(source) : [];
  const trigger = source ? triggerAsWritten(source) : undefined;
  const graph = source ? workflowGraph(source) : undefined;
  return page({
    title: `Workflow ${w.workflow}`,
    section: 'workflows',
    session: opts.session,
    mode: opts.mode,
    body: html`<p><a href="/console/workflows">← Workflows</a></p>
<h1>Workflow ${w.workflow}</h1>
${w.source ? html`<p class="muted">From <code>${w.source.file}</code>.</p>` : ''}
<section aria-labelledby="counts-h"><h2 id="counts-h">Executions by status</h2>${countLinks(w.workflow, opts.counts)}</section>
<section aria-labelledby="trigger-h"><h2 id="trigger-h">Trigger</h2>${trigger ? html`<pre id="trigger" class="yaml">${trigger}</pre>` : html`<p>No trigger: started by another workflow or through the API.</p>`}</section>
<section aria-labelledby="steps-h"><h2 id="steps-h">Steps</h2>
${graph ? html`<figure id="graph" class="graph">${graph}</figure>` : ''}
${
  steps.length
    ? html`<ol id="steps" class="steps">${steps.map((s) => html`<li data-step="${s.id}" class="step depth-${Math.min(s.depth, 4)}"><strong>${s.id}</strong> <span class="muted">${s.what}${s.timeout ? ` · timeout ${s.timeout}` : ''}</span>${s.description ? html`<br><span class="desc">${s.description}</span>` : ''}</li>`)}</ol>`
    : html`<p class="muted">The workflow's YAML is not readable from here (a deployed stage): its state machine is <code>${w.stateMachineArn}</code>.</p>`
}
</section>
<section aria-labelledby="versions-h"><h2 id="versions-h">Versions</h2>
${w.versions.length ? html`<ul id="versions">${w.versions.map((v) => html`<li>v${v.version}: published ${time(v.createdMs)}</li>`)}</ul>` : html`<p class="muted">No published versions: executions run the latest definition.</p>`}
</section>`,
  });
}
