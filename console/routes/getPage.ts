import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session } from '../auth/sessions';
import type { ConsoleBackend, ExecutionFilter } from '../consoleBackend';
import { ARN, HttpError, PAGE_SIZE, filterOf } from '../http/consoleRequest';
import { sendHtml, sendJson, type Reply } from '../http/respond';
import { executionPage } from '../views/executionView';
import { executionRows, executionsPage } from '../views/executionsView';
import { deadLettersPage, healthPage, remindersPage, tasksPage } from '../views/opsViews';
import { workflowPage, workflowsPage } from '../views/workflowsView';
import type { ConsoleContext } from './consoleContext';

/** The console's GET pages and their JSON twins under /console/api/ (reads only; reveals are POSTs). */
export async function getPage(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, r: Reply, path: string, q: URLSearchParams, session: Session): Promise<void> {
  const backend = ctx.backend;
  const mode = backend.mode;
  if (path === '/console/api/stream') return ctx.stream(req, res, session);
  if (path === '/console/api/session') return sendJson(r, 200, { subject: session.subject, roles: [...session.roles], csrfToken: session.csrf });
  if (path === '/console/executions' || path === '/console/api/executions' || path === '/console/executions/rows') {
    const names = await ctx.workflows();
    let filter: ExecutionFilter = { limit: PAGE_SIZE };
    let error: string | undefined;
    try {
      filter = filterOf(q, names);
    } catch (err) {
      if (path !== '/console/executions') throw err;
      error = (err as Error).message;
    }
    const t0 = performance.now();
    const pg = error ? { items: [] } : await backend.listExecutions(filter);
    const ms = (performance.now() - t0).toFixed(1);
    const timing = { 'Server-Timing': `list;dur=${ms}` };
    if (path === '/console/api/executions') return sendJson(r, 200, pg, timing);
    if (path === '/console/executions/rows') return sendHtml(r, 200, executionRows(pg, session.roles.has('operator')).text, timing);
    return sendHtml(r, error ? 400 : 200, executionsPage({ session, mode, workflows: names, filter, page: pg, query: q, ...(error ? { error } : {}) }), timing);
  }
  const exec = /^\/console\/(?:api\/)?executions\/([^/]+)$/.exec(path);
  if (exec) {
    const arn = decodeURIComponent(exec[1] ?? '');
    if (!ARN.test(arn)) throw new HttpError(404, 'NotFound', 'that is not an execution ARN');
    const detail = await backend.describeExecution(arn);
    if (path.startsWith('/console/api/'))
      return sendJson(
        r,
        200,
        session.roles.has('viewer') && !session.roles.has('operator') && !session.roles.has('clinician')
          ? { ...detail, cause: undefined, history: detail.history.map((h) => ({ ...h, cause: undefined })) }
          : detail,
      );
    const wf = (await backend.listWorkflows()).find((w) => w.workflow === detail.workflow);
    return sendHtml(r, 200, executionPage({ session, mode, detail, ...(wf ? { workflow: wf } : {}) }));
  }
  if (path === '/console/workflows') {
    const list = await backend.listWorkflows();
    const counts = await Promise.all(list.map((w) => backend.countsByStatus(w.workflow)));
    return sendHtml(r, 200, workflowsPage({ session, mode, workflows: list, counts }));
  }
  const wf = /^\/console\/workflows\/([a-z0-9-]+)$/.exec(path);
  if (wf) {
    const w = (await backend.listWorkflows()).find((x) => x.workflow === wf[1]);
    if (!w) throw new HttpError(404, 'NotFound', `there is no workflow named ${wf[1]}`);
    return sendHtml(r, 200, workflowPage({ session, mode, workflow: w, counts: await backend.countsByStatus(w.workflow) }));
  }
  if (path === '/console/tasks' || path === '/console/api/tasks') {
    const tasks = await backend.listTasks();
    if (path === '/console/api/tasks') return sendJson(r, 200, { tasks });
    return sendHtml(r, 200, tasksPage({ session, mode, tasks, now: ctx.now() }));
  }
  if (path === '/console/reminders') {
    const order = (q.get('order') ?? '').trim();
    const patient = (q.get('patient') ?? '').trim();
    let error: string | undefined;
    let reminders: Awaited<ReturnType<ConsoleBackend['listReminders']>> | undefined;
    if (order && !/^MedicationRequest\/[A-Za-z0-9\-.]{1,64}$/.test(order)) error = 'The order must be a MedicationRequest reference, e.g. MedicationRequest/123.';
    else if (patient && !/^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(patient)) error = 'The patient must be a Patient reference, e.g. Patient/123.';
    else if (order || patient) {
      try {
        reminders = await backend.listReminders(order ? { order } : { patient });
      } catch (err) {
        error = `The reminders could not be listed: ${(err as Error).message}`;
      }
    }
    return sendHtml(r, error ? 400 : 200, remindersPage({ session, mode, order, patient, ...(reminders ? { reminders } : {}), ...(error ? { error } : {}) }));
  }
  if (path === '/console/dead-letters') {
    let error: string | undefined;
    const letters = await backend.listDeadLetters().catch((err: unknown) => {
      error = (err as Error).message;
      return [];
    });
    return sendHtml(r, 200, deadLettersPage({ session, mode, letters, ...(error ? { error } : {}) }));
  }
  if (path === '/console/health' || path === '/console/api/health') {
    const report = await backend.health();
    if (path === '/console/api/health') return sendJson(r, 200, report);
    return sendHtml(r, 200, healthPage({ session, mode, report }));
  }
  throw new HttpError(404, 'NotFound', `nothing at ${path}`);
}
