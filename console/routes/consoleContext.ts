import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditEntry } from '../../api/audit/auditLog';
import type { Logger } from '../../schemas/ports';
import type { Role } from '../auth/consoleTokens';
import type { Session, SessionStore } from '../auth/sessions';
import type { ConsoleBackend } from '../consoleBackend';

/** What the console's pages and actions share with the handler that routes to them. */
export interface ConsoleContext {
  backend: ConsoleBackend;
  sessions: SessionStore;
  now(): number;
  log: Logger | undefined;
  /** Appends an audit row; throws HttpError 500 (AuditUnavailable) when it cannot, so nothing is done unaudited. */
  audit(req: IncomingMessage, session: Session | undefined, action: string, resource: string, kind: AuditEntry['kind'], outcome: string, fields?: Record<string, string>): void;
  /** Throws HttpError 403 naming the role the session lacks. */
  requireRole(session: Session, role: Role, what: string): void;
  /** The session cookie's Set-Cookie value. */
  cookie(value: string, maxAge: number): string;
  /** Workflow names, cached for ten seconds. */
  workflows(): Promise<string[]>;
  /** Serves the live list's server-sent events. */
  stream(req: IncomingMessage, res: ServerResponse, session: Session): void;
}
