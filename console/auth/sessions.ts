import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './consoleTokens';

export interface Session {
  id: string;
  /** Audit identity: `console:<token name>`. */
  subject: string;
  roles: ReadonlySet<Role>;
  csrf: string;
  createdMs: number;
  lastSeenMs: number;
  /** One-shot notice shown on the next page (the result of an action). */
  notice?: { kind: 'ok' | 'error'; text: string };
}

export const SESSION_COOKIE = 'clinflow_console';
const IDLE_MS = 30 * 60_000;
const ABSOLUTE_MS = 12 * 3600_000;

/**
 * Sessions in memory: a restart signs everyone out, which is the safe direction. Ids and CSRF
 * tokens are 256-bit random; sessions end after 30 minutes idle or 12 hours.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(subject: string, roles: ReadonlySet<Role>): Session {
    this.sweep();
    const t = this.now();
    const s: Session = { id: randomBytes(32).toString('base64url'), subject, roles, csrf: randomBytes(32).toString('base64url'), createdMs: t, lastSeenMs: t };
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeenMs > IDLE_MS || t - s.createdMs > ABSOLUTE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeenMs = t;
    return s;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.sessions) if (t - s.lastSeenMs > IDLE_MS || t - s.createdMs > ABSOLUTE_MS) this.sessions.delete(id);
  }
}

export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Sign-in attempts per source address: 10 failures in 5 minutes lock that address out for the rest of the window. */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = 10,
    private readonly windowMs = 5 * 60_000,
  ) {}

  /** Seconds until the address may try again; 0 when it may now. */
  retryAfter(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.max) return 0;
    return Math.max(1, Math.ceil(((recent[0] ?? 0) + this.windowMs - this.now()) / 1000));
  }

  fail(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.set(address, recent);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value ?? '');
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const t = this.now();
    return (this.failures.get(address) ?? []).filter((at) => t - at < this.windowMs);
  }
}
