import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** viewer: read without PHI; operator: stop/redrive/dead letters; clinician: reveal PHI and send task results. */
export type Role = 'viewer' | 'operator' | 'clinician';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'clinician'];

export interface ConsoleToken {
  /** Who the token belongs to, as the audit trail names them (never the token itself). */
  name: string;
  roles: ReadonlySet<Role>;
  digest: Buffer;
}

export interface ConsoleTokens {
  tokens: ConsoleToken[];
  /** A token generated for this run (dev only): printed once, never stored. */
  generated?: string;
}

export class ConsoleTokenError extends Error {}

const MIN_LENGTH = 16;
const digestOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

function parseRoles(text: string, where: string): Set<Role> {
  const roles = new Set<Role>();
  for (const r of text.split('+')) {
    if (!(ROLES as readonly string[]).includes(r)) throw new ConsoleTokenError(`${where}: unknown role '${r}' (roles: ${ROLES.join(', ')}; combine with +, e.g. operator+clinician)`);
    roles.add(r as Role);
  }
  return roles;
}

function entry(name: string, rolesText: string, token: string, where: string): ConsoleToken {
  if (token.length < MIN_LENGTH) throw new ConsoleTokenError(`${where}: the token of '${name}' is shorter than ${MIN_LENGTH} characters; use e.g. \`openssl rand -hex 24\``);
  return { name, roles: parseRoles(rolesText, where), digest: digestOf(token) };
}

/**
 * The console's sign-in tokens: `CLINFLOW_CONSOLE_TOKEN` (one token, roles operator+clinician),
 * `CLINFLOW_CONSOLE_TOKENS` (`name:roles:token,…`), and `<data-dir>/console-tokens` (one
 * `name roles token` per line, `#` comments; must not be readable by others). With none of them
 * and `generate`, one operator+clinician token is generated for this run only.
 */
export function loadConsoleTokens(env: NodeJS.ProcessEnv, dataDir: string | undefined, generate: boolean): ConsoleTokens {
  const tokens: ConsoleToken[] = [];
  const single = env.CLINFLOW_CONSOLE_TOKEN;
  if (single) tokens.push(entry('console', 'operator+clinician', single, 'CLINFLOW_CONSOLE_TOKEN'));
  for (const part of (env.CLINFLOW_CONSOLE_TOKENS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9_.@-]{1,64}):([a-z+]+):(.+)$/.exec(part);
    if (!m) throw new ConsoleTokenError('CLINFLOW_CONSOLE_TOKENS: each entry is name:roles:token, e.g. alice:clinician:<token>');
    tokens.push(entry(m[1] ?? '', m[2] ?? '', m[3] ?? '', 'CLINFLOW_CONSOLE_TOKENS'));
  }
  const file = dataDir === undefined || dataDir === ':memory:' ? undefined : join(dataDir, 'console-tokens');
  if (file && existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0) throw new ConsoleTokenError(`${file} is readable by other users: chmod 600 ${file}`);
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const text = line.replace(/#.*$/, '').trim();
        if (!text) return;
        const [name, roles, token, ...rest] = text.split(/\s+/);
        if (!name || !roles || !token || rest.length) throw new ConsoleTokenError(`${file}:${i + 1}: expected 'name roles token', e.g. 'alice clinician <token>'`);
        tokens.push(entry(name, roles, token, `${file}:${i + 1}`));
      });
  }
  if (tokens.length > 0 || !generate) return { tokens };
  const generated = randomBytes(24).toString('base64url');
  return { tokens: [entry('console', 'operator+clinician', generated, 'generated')], generated };
}

/**
 * The token a sign-in presents, compared in constant time against every configured token (no
 * early exit, equal-length digests), so timing tells nothing about which or how much matched.
 */
export function matchToken(tokens: readonly ConsoleToken[], presented: string): ConsoleToken | undefined {
  const digest = digestOf(presented);
  let found: ConsoleToken | undefined;
  for (const t of tokens) if (timingSafeEqual(t.digest, digest) && found === undefined) found = t;
  return found;
}
