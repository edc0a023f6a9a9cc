import type { IncomingMessage } from 'node:http';
import type { Role } from '../auth/consoleTokens';
import type { Session } from '../auth/sessions';
import type { TaskResult } from '../consoleBackend';
import { ARN, ERROR_NAME, HttpError, RETURN_PATH, wantsJson } from '../http/consoleRequest';
import { redirect, sendJson, type Reply } from '../http/respond';
import { plainError } from '../views/plainWords';
import type { ConsoleContext } from './consoleContext';

/**
 * The console's POSTs: sign-out, reveals and actions. The caller has checked the session and its
 * CSRF token; each action checks its role, and every attempt is audited with its outcome.
 */
export async function postAction(ctx: ConsoleContext, req: IncomingMessage, r: Reply, path: string, fields: Record<string, string>, session: Session): Promise<void> {
  const backend = ctx.backend;
  const json = wantsJson(req, path);
  const back = RETURN_PATH.test(fields.return ?? '') ? (fields.return as string) : '/console/executions';
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
      ctx.audit(req, session, action, resource, kind, 'ok', fields);
      return out;
    } catch (err) {
      if (err instanceof HttpError && err.code === 'AuditUnavailable') throw err;
      ctx.audit(req, session, action, resource, kind, (err as Error).name || 'Error', fields);
      throw err;
    }
  };
  const refuse = (role: Role, what: string, action: string, resource: string): void => {
    if (session.roles.has(role)) return;
    ctx.audit(req, session, action, resource, 'denied', 'Forbidden', fields);
    ctx.requireRole(session, role, what);
  };

  switch (path) {
    case '/console/signout':
      ctx.sessions.end(session.id);
      ctx.audit(req, session, 'SignOut', '', 'change', 'ok');
      if (json) return sendJson(r, 200, { ok: true }, { 'Set-Cookie': ctx.cookie('', 0) });
      return redirect(r, '/console/signin', { 'Set-Cookie': ctx.cookie('', 0) });
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
