import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { LocalEventBus } from '../engine/bus/localEventBus';
import type { Engine } from '../engine/durable/engine';
import type { LocalScheduler } from '../engine/scheduler/localScheduler';
import type { TaskPort } from '../schemas/taskPort';
import type { Logger } from '../schemas/ports';
import { AuditEventExporter } from './audit/auditEventExport';
import { loadLocalCredentials, type LocalCredentials } from './auth/localCredentials';
import { createApiHandler, type ApiHandler } from './createApiHandler';
import { ExecutionLifecycle } from './lifecycle/executionLifecycle';

export interface AttachedApi {
  api: ApiHandler;
  credentials: LocalCredentials;
  lifecycle: ExecutionLifecycle;
  /** The AuditEvent export, when CLINFLOW_AUDIT_FHIR_URL (or `auditFhirUrl`) names a FHIR server. */
  auditExport?: AuditEventExporter;
  detach(): void;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serves the AWS APIs on an existing HTTP server (the trigger server of `clinflow dev`/`serve`):
 * AWS API requests are answered here, `/metrics` gets the execution lifecycle metrics appended,
 * everything else goes to the server's own handler unchanged.
 */
export function attachApi(
  server: Server,
  deps: {
    engine: Engine;
    bus: LocalEventBus;
    scheduler: LocalScheduler;
    dataDir: string;
    tasks?: TaskPort;
    auditFhirUrl?: string;
    log?: Logger;
    renderMetrics?: () => string;
    env?: NodeJS.ProcessEnv;
  },
): AttachedApi {
  const credentials = loadLocalCredentials(deps.dataDir, deps.env ?? process.env, true);
  if (!credentials) throw new Error('the AWS API needs keys: set CLINFLOW_ACCESS_KEY_ID and CLINFLOW_SECRET_ACCESS_KEY, or use a data directory');
  const auditFhirUrl = deps.auditFhirUrl ?? (deps.env ?? process.env).CLINFLOW_AUDIT_FHIR_URL;
  const auditExport = auditFhirUrl ? new AuditEventExporter(deps.engine.db, auditFhirUrl) : undefined;
  // Failures are logged and retried with the next audited call: the local trail stays the record.
  const exportAudit = (): void =>
    void auditExport
      ?.exportPending()
      .catch((err: unknown) => deps.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'AuditEvent export failed; retried after the next audited call'));
  const api = createApiHandler({
    engine: deps.engine,
    bus: deps.bus,
    scheduler: deps.scheduler,
    ...(deps.tasks ? { tasks: deps.tasks } : {}),
    ...(auditExport ? { onAudited: exportAudit } : {}),
    keys: [credentials.operator, ...(credentials.readOnly ? [credentials.readOnly] : []), ...(credentials.service ? [credentials.service] : [])],
    ...(deps.log ? { log: deps.log } : {}),
  });
  const lifecycle = new ExecutionLifecycle(deps.engine, deps.log);
  const original = server.listeners('request') as Listener[];
  const handler: Listener = (req, res) => {
    if (api.handle(req, res)) return;
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics' && deps.renderMetrics) {
      const text = deps.renderMetrics() + lifecycle.render();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    for (const l of original) l.call(server, req, res);
  };
  server.removeAllListeners('request');
  server.on('request', handler);
  exportAudit();
  return {
    api,
    credentials,
    lifecycle,
    ...(auditExport ? { auditExport } : {}),
    detach() {
      lifecycle.close();
      server.off('request', handler);
      for (const l of original) server.on('request', l);
    },
  };
}
