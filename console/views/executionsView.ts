import type { Session } from '../auth/sessions';
import { EXECUTION_STATUSES, type ExecutionFilter, type ExecutionPage } from '../consoleBackend';
import { html, type Html } from './html';
import { csrfField, page, statusBadge, time } from './layout';

export const executionHref = (arn: string): string => `/console/executions/${encodeURIComponent(arn)}`;

const toLocalInput = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString().slice(0, 16));

/** The table body alone: what the live update swaps in. */
export function executionRows(p: ExecutionPage, canAct: boolean): Html {
  if (p.items.length === 0) return html``;
  return html`${p.items.map(
    (e) => html`<tr data-testid="execution-row" data-arn="${e.executionArn}" data-status="${e.status}">
  ${canAct ? html`<td>${e.status === 'FAILED' || e.status === 'TIMED_OUT' || e.status === 'ABORTED' ? html`<input type="checkbox" name="arn" value="${e.executionArn}" form="bulk-redrive-form" aria-label="Select ${e.name} for redrive">` : ''}</td>` : ''}
  <td><a href="${executionHref(e.executionArn)}">${e.name}</a></td>
  <td>${e.workflow}</td>
  <td>${statusBadge(e.status)}</td>
  <td>${time(e.startMs)}</td>
  <td>${time(e.stopMs)}</td>
  <td>${e.redriveCount}</td>
</tr>`,
  )}`;
}

export function executionsPage(opts: { session: Session; mode: string; workflows: string[]; filter: ExecutionFilter; page: ExecutionPage; query: URLSearchParams; error?: string }): string {
  const { filter: f, session } = opts;
  const canAct = session.roles.has('operator');
  const next = new URLSearchParams(opts.query);
  if (opts.page.nextCursor) next.set('cursor', opts.page.nextCursor);
  const filtered = ['workflow', 'status', 'since', 'until', 'key'].some((k) => opts.query.get(k));
  const empty = opts.page.items.length === 0;
  return page({
    title: 'Executions',
    section: 'executions',
    session,
    mode: opts.mode,
    body: html`<h1>Executions</h1>
<form id="filter-form" method="get" action="/console/executions" class="filters" role="search" aria-label="Filter executions">
  <label>Workflow <select name="workflow" id="filter-workflow"><option value="">All workflows</option>${opts.workflows.map((w) => html`<option value="${w}" ${f.workflow === w ? html`selected` : ''}>${w}</option>`)}</select></label>
  <label>Status <select name="status" id="filter-status"><option value="">Any status</option>${EXECUTION_STATUSES.map((s) => html`<option value="${s}" ${f.status === s ? html`selected` : ''}>${s.replace('_', ' ').toLowerCase()}</option>`)}</select></label>
  <label>Started from (UTC) <input type="datetime-local" name="since" id="filter-since" value="${toLocalInput(f.sinceMs)}"></label>
  <label>Started before (UTC) <input type="datetime-local" name="until" id="filter-until" value="${toLocalInput(f.untilMs)}"></label>
  <label>FHIR reference or correlation key <input type="search" name="key" id="filter-key" value="${f.key ?? ''}" placeholder="MedicationRequest/123"></label>
  <button type="submit" id="filter-apply">Apply</button>
  ${filtered ? html`<a href="/console/executions" id="filter-clear">Clear filters</a>` : ''}
</form>
${opts.error ? html`<p id="filter-error" class="notice notice-error" role="alert">${opts.error}</p>` : ''}
<p class="live" id="live-status" aria-live="polite" ${f.cursor ? '' : html`data-live="/console/api/stream"`}>${f.cursor ? 'Older page: not live-updating.' : 'Live: new executions appear here.'}</p>
${
  canAct
    ? html`<form id="bulk-redrive-form" method="post" action="/console/actions/bulk-redrive">${csrfField(session)}<input type="hidden" name="return" value="/console/executions?${opts.query.toString()}"><button type="submit" id="bulk-redrive">Redrive selected failed executions</button></form>`
    : ''
}
<table id="executions-table" class="grid" aria-describedby="executions-caption">
<caption id="executions-caption">Newest first${f.workflow ? `, workflow ${f.workflow}` : ''}${f.status ? `, status ${f.status.toLowerCase()}` : ''}</caption>
<thead><tr>${canAct ? html`<th scope="col"><span class="sr-only">Select</span></th>` : ''}<th scope="col">Execution</th><th scope="col">Workflow</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Redrives</th></tr></thead>
<tbody id="executions-body" data-fragment="/console/executions/rows?${opts.query.toString()}">${executionRows(opts.page, canAct)}</tbody>
</table>
${
  empty
    ? html`<p id="empty-state" class="empty">${
        filtered
          ? 'No execution matches these filters. Widen the time range, pick another status, or clear the filters.'
          : html`No executions yet. Start one: change a FHIR resource a workflow listens to (see the Workflows view for each trigger), or run <code>clinflow demo</code>.`
      }</p>`
    : ''
}
<nav aria-label="Pages" class="pager">${
      f.cursor
        ? html`<a href="/console/executions?${(() => {
            const q = new URLSearchParams(opts.query);
            q.delete('cursor');
            return q.toString();
          })()}" id="first-page">Newest</a>`
        : ''
    } ${opts.page.nextCursor ? html`<a href="/console/executions?${next.toString()}" id="next-page" rel="next">Older executions</a>` : ''}</nav>`,
  });
}
