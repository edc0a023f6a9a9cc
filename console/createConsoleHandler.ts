import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditEntry } from '../api/audit/auditLog';
import type { Logger } from '../schemas/ports';
import { consoleScript, consoleStyles, type Asset } from './assets/consoleAssets';
import { matchToken, type ConsoleToken, type Role } from './auth/consoleTokens';
import { csrfMatches, SESSION_COOKIE, SessionStore, SignInLimiter, type Session } from './auth/sessions';
import { EXECUTION_STATUSES, type ConsoleBackend, type ExecutionFilter, type ExecutionStatus, type TaskResult } from './consoleBackend';
import { BodyError, cookieOf, readFields, redirect, send, sendHtml, sendJson, securityHeaders, type Reply } from './http/respond';
import { executionPage } from './views/executionView';
import { executionRows, executionsPage } from './views/executionsView';
import { errorPage, signInPage } from './views/layout';
import { deadLettersPage, healthPage, remindersPage, tasksPage } from './views/opsViews';
import { workflowPage, workflowsPage } from './views/workflowsView';
import { plainError } from './views/plainWords';

export interface ConsoleDeps {
  backend: ConsoleBackend;
  tokens: readonly ConsoleToken[];
  /** Appends one row to the audit trail (reveals, actions, refusals, sign-ins). */
  audit: (entry: AuditEntry) => void;
  /** Behind TLS: the cookie gets `Secure` and responses HSTS. */
  secure?: boolean;
  now?: () => number;
  log?: Logger;
  /** How often the live list checks for changes (ms). */
  livePollMs?: number;
}

export interface ConsoleHandler {
  /** Handles `/console` and everything under it; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): void;
}

const PAGE_SIZE = 50;
const ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_.\-:]{1,256}$/;
const ERROR_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The datetime-local value of the filter form (taken as UTC) or an ISO instant → epoch ms. */
function parseTime(v: string | null, name: string): number | undefined {
  if (!v) return undefined;
  const t = Date.parse(/Z|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(t)) throw new HttpError(400, 'ValidationError', `${name}: not a date and time (use YYYY-MM-DDTHH:MM)`);
  return t;
}

function filterOf(q: URLSearchParams, workflows: readonly string[]): ExecutionFilter {
  const status = q.get('status') || undefined;
  if (status !== undefined && !(EXECUTION_STATUSES as readonly string[]).includes(status)) throw new HttpError(400, 'ValidationError', `status must be one of ${EXECUTION_STATUSES.join(', ')}`);
  const workflow = q.get('workflow') || undefined;
  if (workflow !== undefined && !workflows.includes(workflow)) throw new HttpError(400, 'ValidationError', `there is no workflow named ${workflow}`);
  const key = (q.get('key') ?? '').trim() || undefined;
  if (key !== undefined && key.length > 200) throw new HttpError(400, 'ValidationError', 'the search key is longer than 200 characters');
  const sinceMs = parseTime(q.get('since'), 'started from');
  const untilMs = parseTime(q.get('until'), 'started before');
  const limit = Number(q.get('limit') ?? PAGE_SIZE);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new HttpError(400, 'ValidationError', 'limit must be an integer from 1 to 200');
  const cursor = q.get('cursor') || undefined;
  return {
    limit,
    ...(workflow ? { workflow } : {}),
    ...(status ? { status: status as ExecutionStatus } : {}),
    ...(key ? { key } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

const wantsJson = (req: IncomingMessage, path: string): boolean => path.startsWith('/console/api/') || /application\/json/.test(String(req.headers.accept ?? ''));

/**
 * The web console at `/console`: server-rendered pages, a small script, JSON and server-sent
 * events for the live list. Nothing answers without a session except the sign-in page and the
 * static assets; every state-changing request needs the session's CSRF token; every reveal,
 * action, refusal and sign-in goes to the audit trail.
 */
export function createConsoleHandler(deps: ConsoleDeps): ConsoleHandler {
  const now = deps.now ?? Date.now;
  const sessions = new SessionStore(now);
  const limiter = new SignInLimiter(now);
  const secure = deps.secure === true;
  const streams = new Set<() => void>();
  let workflowNames: { at: number; names: string[] } | undefined;
  const backend = deps.backend;

  const workflows = async (): Promise<string[]> => {
    if (workflowNames && now() - workflowNames.at < 10_000) return workflowNames.names;
    const names = (await backend.listWorkflows()).map((w) => w.workflow);
    workflowNames = { at: now(), names };
    return names;
  };

  function audit(req: IncomingMessage, session: Session | undefined, action: string, resource: string, kind: AuditEntry['kind'], outcome: string, fields: Record<string, string> = {}): void {
    const { _csrf: _c, token: _t, ...rest } = fields;
    try {
      deps.audit({
        atMs: now(),
        accessKey: session?.subject ?? 'console:anonymous',
        sourceIp: req.socket.remoteAddress ?? '',
        service: 'console',
        action,
        resource,
        kind,
        outcome,
        requestHash: createHash('sha256').update(JSON.stringify(rest)).digest('hex'),
      });
    } catch (err) {
      // An action that cannot be audited must not happen: the caller turns this into a 500.
      deps.log?.error({ action, error: err instanceof Error ? err.message : String(err) }, 'console audit append failed');
      throw new HttpError(500, 'AuditUnavailable', 'the audit trail could not be written, so nothing was done');
    }
  }

  const cookie = (value: string, maxAge: number): string => `${SESSION_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;

  function requireRole(session: Session, role: Role, what: string): void {
    if (!session.roles.has(role)) throw new HttpError(403, 'Forbidden', `your role (${[...session.roles].join(', ')}) may not ${what}: it needs the ${role} role`);
  }

  function serveAsset(r: Reply, req: IncomingMessage, a: Asset): void {
    if (req.headers['if-none-match'] === a.etag) {
      r.res.writeHead(304, { ...securityHeaders(secure), ETag: a.etag });
      r.res.end();
      return;
    }
    send(r, 200, a.contentType, a.body, { ETag: a.etag, 'Cache-Control': 'no-cache' });
  }

  async function signIn(req: IncomingMessage, r: Reply): Promise<void> {
    const ip = req.socket.remoteAddress ?? '';
    const wait = limiter.retryAfter(ip);
    const fields = await readFields(req);
    const next = /^\/console\/[A-Za-z0-9/_\-.?=&%:+]*$/.test(fields.next ?? '') && !(fields.next ?? '').startsWith('//') ? (fields.next as string) : '/console/executions';
    if (wait > 0) {
      audit(req, undefined, 'SignIn', '', 'denied', 'TooManyAttempts');
      if (wantsJson(req, '')) sendJson(r, 429, { error: 'TooManyAttempts', message: `too many failed sign-ins from this address; try again in ${wait} s` }, { 'Retry-After': String(wait) });
      else sendHtml(r, 429, signInPage({ error: `Too many failed sign-ins from this address. Try again in ${Math.ceil(wait / 60)} minute(s).`, next }), { 'Retry-After': String(wait) });
      return;
    }
    const token = matchToken(deps.tokens, fields.token ?? '');
    if (!token) {
      limiter.fail(ip);
      audit(req, undefined, 'SignIn', '', 'denied', 'InvalidToken');
      if (wantsJson(req, '')) sendJson(r, 401, { error: 'InvalidToken', message: 'that token is not valid' });
      else sendHtml(r, 401, signInPage({ error: 'That token is not valid. Check it and try again (it is case-sensitive).', next }));
      return;
    }
    limiter.succeed(ip);
    const session = sessions.create(`console:${token.name}`, token.roles);
    audit(req, session, 'SignIn', '', 'change', 'ok');
    if (wantsJson(req, '')) sendJson(r, 200, { roles: [...token.roles], csrfToken: session.csrf }, { 'Set-Cookie': cookie(session.id, 12 * 3600) });
    else redirect(r, next, { 'Set-Cookie': cookie(session.id, 12 * 3600) });
  }

  /** Cross-site requests are refused outright (Origin / Sec-Fetch-Site), before the CSRF token is even looked at. */
  function sameOrigin(req: IncomingMessage): boolean {
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
    const origin = req.headers.origin;
    if (typeof origin === 'string' && origin !== 'null') {
      try {
        return new URL(origin).host === req.headers.host;
      } catch {
        return false;
      }
    }
    return origin !== 'null';
  }

  function stream(req: IncomingMessage, res: ServerResponse, session: Session): void {
    res.writeHead(200, { ...securityHeaders(secure), 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 3000\n\n');
    let last: string | undefined;
    let beats = 0;
    let busy = false;
    const tick = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        if (!sessions.get(session.id)) {
          res.write('event: signed-out\ndata: {}\n\n');
          stop();
          return;
        }
        const marker = await backend.changeMarker();
        if (last !== undefined && marker !== last) res.write(`event: executions\ndata: ${JSON.stringify({ marker })}\n\n`);
        last = marker;
        if (++beats % 15 === 0) res.write(': keep-alive\n\n');
      } catch (err) {
        deps.log?.warn({ error: err instanceof Error ? err.message : String(err) }, 'console live update failed');
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), deps.livePollMs ?? 1000);
    void tick();
    const stop = (): void => {
      clearInterval(timer);
      streams.delete(stop);
      res.end();
    };
    streams.add(stop);
    req.on('close', stop);
  }

  async function route(req: IncomingMessage, res: ServerResponse, r: Reply, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path === '/console' && method === 'GET') return redirect(r, '/console/executions');
    if (path === '/console/assets/console.css' && method === 'GET') return serveAsset(r, req, consoleStyles());
    if (path === '/console/assets/console.js' && method === 'GET') return serveAsset(r, req, await consoleScript());
    if (path === '/console/signin') {
      if (method === 'GET') return sendHtml(r, 200, signInPage({ next: url.searchParams.get('next') ?? '/console/executions' }));
      if (method === 'POST') {
        if (!sameOrigin(req)) throw new HttpError(403, 'CrossSiteRequest', 'sign-in from another site is refused');
        return signIn(req, r);
      }
    }

    const session = sessions.get(cookieOf(req, SESSION_COOKIE));
    if (!session) {
      if (method === 'GET' && !wantsJson(req, path)) return redirect(r, `/console/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
      throw new HttpError(401, 'Unauthorized', 'sign in first: no valid console session (it may have expired after 30 minutes idle)');
    }

    if (method === 'POST') {
      const fields = await readFields(req);
      const presented = typeof req.headers['x-csrf-token'] === 'string' ? req.headers['x-csrf-token'] : fields._csrf;
      if (!sameOrigin(req) || !csrfMatches(session, presented)) {
        audit(req, session, path.replace('/console/', ''), fields.arn ?? '', 'denied', 'InvalidCsrfToken', fields);
        throw new HttpError(403, 'InvalidCsrfToken', "the request did not carry this session's CSRF token, so nothing was done; reload the page and try again");
      }
      try {
        return await post(req, r, path, fields, session);
      } catch (err) {
        // A failed form action goes back to its own page with the reason (JSON callers get JSON).
        const back = /^\/console\/[A-Za-z0-9/_\-.?=&%:+]*$/.test(fields.return ?? '') ? fields.return : undefined;
        const status = err instanceof HttpError ? err.status : 400;
        if (back && !wantsJson(req, path) && status < 500 && status !== 403) {
          session.notice = { kind: 'error', text: err instanceof HttpError ? err.message : plainError(err) };
          return redirect(r, back);
        }
        throw err;
      }
    }
    if (method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed here`);
    return get(req, res, r, path, url.searchParams, session);
  }

  async function get(req: IncomingMessage, res: ServerResponse, r: Reply, path: string, q: URLSearchParams, session: Session): Promise<void> {
    const mode = backend.mode;
    if (path === '/console/api/stream') return stream(req, res, session);
    if (path === '/console/api/session') return sendJson(r, 200, { subject: session.subject, roles: [...session.roles], csrfToken: session.csrf });
    if (path === '/console/executions' || path === '/console/api/executions' || path === '/console/executions/rows') {
      const names = await workflows();
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
      return sendHtml(r, 200, tasksPage({ session, mode, tasks, now: now() }));
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

  async function post(req: IncomingMessage, r: Reply, path: string, fields: Record<string, string>, session: Session): Promise<void> {
    const json = wantsJson(req, path);
    const back = /^\/console\/[A-Za-z0-9/_\-.?=&%:+]*$/.test(fields.return ?? '') ? (fields.return as string) : '/console/executions';
    const done = (text: string, body: Record<string, unknown> = {}): void => {
      if (json) return sendJson(r, 200, { ok: true, message: text, ...body });
      session.notice = { kind: 'ok', text };
      redirect(r, back);
    };
    const arnField = (): string => {
      const arn = fields.arn ?? '';
      if (!ARN.test(arn)) throw new HttpError(400, 'ValidationError', 'arn must be an execution ARN');
      return arn;
    };
    /** Runs an action, audited with its outcome (ok or the error's name) whether it works or not. */
    const act = async <T>(action: string, resource: string, kind: 'data' | 'change', run: () => Promise<T>): Promise<T> => {
      try {
        const out = await run();
        audit(req, session, action, resource, kind, 'ok', fields);
        return out;
      } catch (err) {
        if (err instanceof HttpError && err.code === 'AuditUnavailable') throw err;
        audit(req, session, action, resource, kind, (err as Error).name || 'Error', fields);
        throw err;
      }
    };
    const refuse = (role: Role, what: string, action: string, resource: string): void => {
      if (session.roles.has(role)) return;
      audit(req, session, action, resource, 'denied', 'Forbidden', fields);
      requireRole(session, role, what);
    };

    switch (path) {
      case '/console/signout':
        sessions.end(session.id);
        audit(req, session, 'SignOut', '', 'change', 'ok');
        if (json) return sendJson(r, 200, { ok: true }, { 'Set-Cookie': cookie('', 0) });
        return redirect(r, '/console/signin', { 'Set-Cookie': cookie('', 0) });
      case '/console/api/reveal': {
        const arn = arnField();
        const event = fields.event === undefined || fields.event === '' ? undefined : Number(fields.event);
        if (event !== undefined && (!Number.isInteger(event) || event < 1)) throw new HttpError(400, 'ValidationError', 'event must be a history event id');
        refuse('clinician', 'reveal inputs and outputs (PHI)', 'RevealExecutionData', arn);
        const data = await act(event === undefined ? 'RevealExecutionData' : `RevealEventData#${event}`, arn, 'data', () => backend.revealData(arn, event));
        return sendJson(r, 200, data);
      }
      case '/console/actions/stop': {
        const arn = arnField();
        refuse('operator', 'stop executions', 'StopExecution', arn);
        const error = (fields.error ?? '').trim() || 'Console.Stopped';
        if (!ERROR_NAME.test(error)) throw new HttpError(400, 'ValidationError', 'the error name may hold letters, digits, . _ - (up to 128)');
        await act('StopExecution', arn, 'change', () => backend.stop(arn, error, (fields.cause ?? '').slice(0, 1000) || `stopped from the console by ${session.subject}`));
        return done('Execution stopped.');
      }
      case '/console/actions/redrive': {
        const arn = arnField();
        refuse('operator', 'redrive executions', 'RedriveExecution', arn);
        await act('RedriveExecution', arn, 'change', () => backend.redrive(arn));
        return done('Execution redriven: it continues from the step that failed.');
      }
      case '/console/actions/bulk-redrive': {
        const arns = (fields.arn ?? '').split('\n').filter(Boolean);
        refuse('operator', 'redrive executions', 'RedriveExecution', arns[0] ?? '');
        if (arns.length === 0) throw new HttpError(400, 'ValidationError', 'select at least one failed execution to redrive');
        if (arns.length > 200) throw new HttpError(400, 'ValidationError', 'redrive at most 200 executions at a time');
        if (!arns.every((a) => ARN.test(a))) throw new HttpError(400, 'ValidationError', 'every arn must be an execution ARN');
        const results: { executionArn: string; ok: boolean; error?: string }[] = [];
        for (const arn of arns) {
          try {
            await act('RedriveExecution', arn, 'change', () => backend.redrive(arn));
            results.push({ executionArn: arn, ok: true });
          } catch (err) {
            if (err instanceof HttpError) throw err;
            results.push({ executionArn: arn, ok: false, error: plainError(err) });
          }
        }
        const failed = results.filter((x) => !x.ok);
        const text = `Redriven ${results.length - failed.length} of ${results.length}.${failed.length ? ` Not redriven: ${failed.map((f) => `${f.executionArn.split(':').pop()} (${f.error})`).join('; ')}` : ''}`;
        if (json) return sendJson(r, 200, { ok: failed.length === 0, message: text, results });
        session.notice = { kind: failed.length ? 'error' : 'ok', text };
        return redirect(r, back);
      }
      case '/console/actions/task-success':
      case '/console/actions/task-failure': {
        const task = fields.task ?? '';
        if (!/^Task\/[A-Za-z0-9\-.]{1,64}$/.test(task)) throw new HttpError(400, 'ValidationError', 'task must be a FHIR Task reference, e.g. Task/123');
        const success = path.endsWith('success');
        refuse('clinician', 'send task results', success ? 'SendTaskSuccess' : 'SendTaskFailure', task);
        let result: TaskResult;
        if (success) {
          let output: unknown;
          try {
            output = JSON.parse((fields.output ?? '').trim() || '{}');
          } catch {
            throw new HttpError(400, 'ValidationError', 'the task result must be JSON, e.g. {"outcome": "done"}');
          }
          if (output === null || typeof output !== 'object' || Array.isArray(output))
            throw new HttpError(400, 'ValidationError', 'the task result must be a JSON object of named values, e.g. {"outcome": "done"}');
          result = { ending: 'completed', output: output as Record<string, unknown> };
        } else {
          const ending = fields.ending || 'rejected';
          if (ending !== 'rejected' && ending !== 'failed' && ending !== 'cancelled') throw new HttpError(400, 'ValidationError', 'ending must be rejected, failed or cancelled');
          result = { ending, reason: (fields.reason ?? '').slice(0, 1000) };
        }
        await act(success ? 'SendTaskSuccess' : 'SendTaskFailure', task, 'change', () => backend.completeTask(task, result));
        return done(result.ending === 'completed' ? `${task} completed: the workflow resumes.` : `${task} ${result.ending}: the workflow handles it as a failed human task.`);
      }
      case '/console/actions/dlq-redrive': {
        const source = fields.source;
        const id = Number(fields.id);
        if ((source !== 'bus' && source !== 'scheduler') || !Number.isInteger(id) || id < 1) throw new HttpError(400, 'ValidationError', 'source must be bus or scheduler, and id a dead letter id');
        const resource = `dead-letter:${source}/${id}`;
        refuse('operator', 'redrive dead letters', 'RedriveDeadLetter', resource);
        await act('RedriveDeadLetter', resource, 'change', () => backend.redriveDeadLetter(source, id));
        return done(`Dead letter ${source}/${id} sent again.`);
      }
      default:
        throw new HttpError(404, 'NotFound', `nothing to post to at ${path}`);
    }
  }

  return {
    handle(req, res) {
      const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
      if (rawPath !== '/console' && !rawPath.startsWith('/console/')) return false;
      const url = new URL(req.url ?? '/', 'http://console.invalid');
      const r: Reply = { res, secure };
      route(req, res, r, url).catch((err: unknown) => {
        if (res.headersSent) {
          res.end();
          return;
        }
        const path = url.pathname;
        const status = err instanceof HttpError ? err.status : err instanceof BodyError ? err.status : /does ?not ?exist/i.test((err as Error).name + (err as Error).message) ? 404 : 400;
        const code = err instanceof HttpError ? err.code : err instanceof BodyError ? 'BadRequest' : (err as Error).name || 'Error';
        const message = err instanceof HttpError || err instanceof BodyError ? err.message : plainError(err);
        if (!(err instanceof HttpError) && !(err instanceof BodyError)) deps.log?.warn({ path, error: code }, 'console request failed');
        const session = sessions.get(cookieOf(req, SESSION_COOKIE));
        // A failed form action goes back to its page with the reason; JSON callers get it as JSON.
        if (wantsJson(req, path) || status === 401) return sendJson(r, status, { error: code, message });
        return sendHtml(
          r,
          status,
          errorPage({ status, title: status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Something went wrong', message, ...(session ? { session } : {}), mode: backend.mode }),
        );
      });
      return true;
    },
    close() {
      for (const stop of [...streams]) stop();
    },
  };
}
