import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalEventBus } from '../engine/bus/localEventBus';
import type { Engine } from '../engine/durable/engine';
import type { LocalScheduler } from '../engine/scheduler/localScheduler';
import type { TaskPort } from '../schemas/taskPort';
import { ApiError, WorkflowError } from '../schemas/errors';
import type { Logger } from '../schemas/ports';
import { AuditLog, hashRequest } from './audit/auditLog';
import { verifySigV4, type AccessKey, type VerifiedCaller } from './auth/sigv4';
import { AwsError, restStatus } from './protocol/awsError';
import { parseJsonBody, readRawBody, sendAwsError, sendAwsJson } from './protocol/wire';
import { eventBridgeOperations } from './services/eventBridge';
import { str, type AuditNote, type OperationTable } from './services/operation';
import { schedulerRoute } from './services/scheduler';
import { stepFunctionsOperations } from './services/stepFunctions';

export interface ApiDeps {
  engine: Engine;
  bus?: LocalEventBus;
  scheduler?: LocalScheduler;
  /** The keys requests may be signed with (operator and read-only). */
  keys: readonly AccessKey[];
  /** Wall-clock ms for signature skew checks (never the simulated engine clock). */
  now?: () => number;
  log?: Logger;
  /** The runtime's task functions (TestState of a Task state without a mock). */
  tasks?: TaskPort;
  /** Where the audit trail goes; default: the engine's database. */
  audit?: AuditLog;
  /** Called after each audit row is written (the optional AuditEvent export follows the trail). */
  onAudited?: () => void;
}

export interface ApiHandler {
  /** Handles the request when it is an AWS API call (by X-Amz-Target or a Scheduler path); false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  audit: AuditLog;
  inFlight(): number;
}

type Protocol = { service: 'states' | 'events' | 'scheduler'; contentType: string; rest: boolean };

const SFN: Protocol = { service: 'states', contentType: 'application/x-amz-json-1.0', rest: false };
const EVENTS: Protocol = { service: 'events', contentType: 'application/x-amz-json-1.1', rest: false };
const SCHEDULER: Protocol = { service: 'scheduler', contentType: 'application/json', rest: true };

function protocolOf(req: IncomingMessage, path: string): { protocol: Protocol; operation?: string } | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && req.method === 'POST') {
    if (target.startsWith('AWSStepFunctions.')) return { protocol: SFN, operation: target.slice('AWSStepFunctions.'.length) };
    if (target.startsWith('AWSEvents.')) return { protocol: EVENTS, operation: target.slice('AWSEvents.'.length) };
  }
  if (/^\/(schedules|schedule-groups)(\/|$)/.test(path)) return { protocol: SCHEDULER };
  return undefined;
}

/** An engine or API error as AWS sends it; anything unexpected is a 500 InternalFailure (details logged, not sent). */
function toAwsError(err: unknown, protocol: Protocol): AwsError {
  if (err instanceof AwsError) return protocol.rest && err.status === 400 ? new AwsError(err.code, err.message, restStatus(err.code)) : err;
  if (err instanceof WorkflowError || err instanceof ApiError) {
    const code = err.error.startsWith('States.') ? 'InternalFailure' : err.error;
    const status = protocol.rest ? restStatus(code) : code === 'InternalFailure' ? 500 : 400;
    return new AwsError(code, err.causeText ?? err.message, status);
  }
  return new AwsError(protocol.rest ? 'InternalServerException' : 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
}

/**
 * The AWS-compatible API over the local engine, bus and scheduler: Step Functions (awsJson1_0),
 * EventBridge (awsJson1_1) and EventBridge Scheduler (restJson1), SigV4-verified, with every call
 * that returns execution data or changes something (and every refused call) in the audit trail.
 */
export function createApiHandler(deps: ApiDeps): ApiHandler {
  const keys = new Map(deps.keys.map((k) => [k.accessKeyId, k]));
  const now = deps.now ?? Date.now;
  const audit = deps.audit ?? new AuditLog(deps.engine.db);
  const sfn = stepFunctionsOperations({ engine: deps.engine, now, ...(deps.tasks ? { tasks: deps.tasks } : {}) });
  const events: OperationTable = deps.bus ? eventBridgeOperations(deps.bus) : {};
  let inFlight = 0;

  async function serve(req: IncomingMessage, res: ServerResponse, protocol: Protocol, operation: string | undefined, path: string): Promise<void> {
    const sourceIp = req.socket.remoteAddress ?? '';
    const body = await readRawBody(req);
    const requestHash = hashRequest(body);
    let caller: VerifiedCaller | undefined;
    let action = operation ?? `${req.method ?? 'GET'} ${path}`;
    let note: AuditNote | undefined;
    // A change is answered only once its audit row is fsynced; every row is in the WAL (safe from kill -9) before any answer.
    let mustSync = false;
    const record = (kind: 'data' | 'change' | 'denied', outcome: string, resource: string): void => {
      audit.append({ atMs: now(), accessKey: caller?.accessKeyId ?? accessKeyOf(req), sourceIp, service: protocol.service, action, resource, kind, outcome, requestHash });
      if (kind === 'change') mustSync = true;
      deps.onAudited?.();
    };
    try {
      try {
        caller = verifySigV4({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body }, keys, now());
      } catch (err) {
        record('denied', err instanceof AwsError ? err.code : 'InvalidSignatureException', '');
        throw err;
      }
      const verified = caller;
      const input = parseJsonBody(body);
      let run: () => unknown;
      let write: boolean;
      let auditOf: ((output: unknown) => AuditNote | undefined) | undefined;
      if (protocol.rest) {
        if (!deps.scheduler) throw new AwsError('UnknownOperationException', 'the Scheduler API is not served here', 404);
        const url = new URL(req.url ?? '/', 'http://localhost');
        const route = schedulerRoute(deps.scheduler, { method: req.method ?? 'GET', path, query: url.searchParams, body: input });
        if (!route) throw new AwsError('UnknownOperationException', `no Scheduler operation at ${path}`, 404);
        action = route.operation;
        run = () => route.run();
        write = route.write;
        auditOf = route.audit ? () => route.audit : undefined;
      } else {
        const table = protocol === SFN ? sfn : events;
        const op = operation === undefined ? undefined : table[operation];
        if (!op) throw new AwsError('UnknownOperationException', `Operation ${String(operation).slice(0, 64)} is not supported by the local ${protocol.service} API`);
        run = () => op.run(input, { caller: verified, sourceIp });
        write = op.write;
        auditOf = op.audit ? (output) => op.audit?.(input, output) : undefined;
      }
      if (write && verified.readOnly) {
        record('denied', 'AccessDeniedException', resourceOf(input));
        throw new AwsError('AccessDeniedException', `User: ${verified.accessKeyId} is not authorized to perform: ${protocol.service}:${action} (read-only key)`, protocol.rest ? 403 : 400);
      }
      let output: unknown;
      try {
        output = await run();
      } catch (err) {
        if (auditOf) {
          const kind = write ? 'change' : 'data';
          record(kind, toAwsError(err, protocol).code, resourceOf(input));
        }
        throw err;
      }
      note = auditOf?.(output);
      if (note) record(note.kind, 'ok', note.resource ?? resourceOf(input));
      if (mustSync) await audit.sync();
      sendAwsJson(res, 200, output ?? {}, protocol.contentType);
    } catch (err) {
      const e = toAwsError(err, protocol);
      if (e.status >= 500) deps.log?.error({ action, error: err instanceof Error ? err.message : String(err) }, 'API call failed');
      if (mustSync) await audit.sync().catch((syncErr: unknown) => deps.log?.error({ action, error: syncErr instanceof Error ? syncErr.message : String(syncErr) }, 'audit flush failed'));
      sendAwsError(res, e, protocol.contentType);
    }
  }

  return {
    audit,
    inFlight: () => inFlight,
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const found = protocolOf(req, path);
      if (!found) return false;
      (res as ServerResponse & { requestId?: string }).requestId = randomUUID();
      inFlight += 1;
      serve(req, res, found.protocol, found.operation, path)
        .catch((err: unknown) => {
          deps.log?.error({ error: err instanceof Error ? err.message : String(err) }, 'API request failed');
          if (!res.headersSent) sendAwsError(res, toAwsError(err, found.protocol), found.protocol.contentType);
        })
        .finally(() => {
          inFlight -= 1;
        });
      return true;
    },
  };
}

/** The access key id a request claims (for refused calls), never its signature. */
function accessKeyOf(req: IncomingMessage): string {
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /Credential=([A-Za-z0-9]{1,128})\//.exec(auth) : null;
  return m?.[1] ?? '-';
}

function resourceOf(input: Record<string, unknown>): string {
  return str(input.executionArn) ?? str(input.stateMachineArn) ?? str(input.resourceArn) ?? '';
}
