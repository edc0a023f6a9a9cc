import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditEntry } from '../api/audit/auditLog';
import type { Logger } from '../schemas/ports';
import { consoleScript, consoleStyles, type Asset } from './assets/consoleAssets';
import { matchToken, type ConsoleToken, type Role } from './auth/consoleTokens';
import { csrfMatches, SESSION_COOKIE, SessionStore, SignInLimiter, type Session } from './auth/sessions';
import type { ConsoleBackend } from './consoleBackend';
import { HttpError, RETURN_PATH, wantsJson } from './http/consoleRequest';
import { BodyError, cookieOf, readFields, redirect, send, sendHtml, sendJson, securityHeaders, type Reply } from './http/respond';
import type { ConsoleContext } from './routes/consoleContext';
import { getPage } from './routes/getPage';
import { postAction } from './routes/postAction';
import { errorPage, signInPage } from './views/layout';
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
    const next = RETURN_PATH.test(fields.next ?? '') && !(fields.next ?? '').startsWith('//') ? (fields.next as string) : '/console/executions';
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

  const ctx: ConsoleContext = { backend, sessions, now, log: deps.log, audit, requireRole, cookie, workflows, stream };

  async function route(req: IncomingMessage, res: ServerResponse, r: Reply, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path === '/console' && method === 'GET') return redirect(r, '/console/executions');
    if (path === '/console/assets/console.css' && method === 'GET') return serveAsset(r, req, consoleStyles());
    if (path === '/console/assets/console.js' && method === 'GET') return serveAsset(r, req, consoleScript());
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
        return await postAction(ctx, req, r, path, fields, session);
      } catch (err) {
        // A failed form action goes back to its own page with the reason (JSON callers get JSON).
        const back = RETURN_PATH.test(fields.return ?? '') ? fields.return : undefined;
        const status = err instanceof HttpError ? err.status : 400;
        if (back && !wantsJson(req, path) && status < 500 && status !== 403) {
          session.notice = { kind: 'error', text: err instanceof HttpError ? err.message : plainError(err) };
          return redirect(r, back);
        }
        throw err;
      }
    }
    if (method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed here`);
    return getPage(ctx, req, res, r, path, url.searchParams, session);
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
