import type { Server } from 'node:http';
import type { AuditLog } from '../../api/audit/auditLog';
import { attachConsole } from '../../console/attachConsole';
import { loadConsoleTokens } from '../../console/auth/consoleTokens';
import { localConsoleBackend, type LocalConsoleDeps } from './localConsoleBackend';

/**
 * The console of `clinflow dev`/`serve`, on the trigger server's port: the local backend, the
 * console tokens (one generated for this run when none is configured), the API's audit trail.
 */
export function startLocalConsole(server: Server, deps: LocalConsoleDeps & { audit: AuditLog; env?: NodeJS.ProcessEnv }): { generatedToken?: string; detach(): void } {
  const tokens = loadConsoleTokens(deps.env ?? process.env, deps.dataDir, true);
  const attached = attachConsole(server, {
    backend: localConsoleBackend(deps),
    tokens: tokens.tokens,
    audit: (e) => void deps.audit.append(e),
    ...(deps.log ? { log: deps.log } : {}),
    // Sessions on the runtime's clock too (a test's simulated one, or `dev --speed N`'s).
    now: deps.now,
  });
  return { ...(tokens.generated ? { generatedToken: tokens.generated } : {}), detach: () => attached.detach() };
}
