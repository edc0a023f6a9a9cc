import type { FhirPort } from '../schemas/fhirPort';
import type { ExecutionPort, Logger, NotifyPort, TaskContext, TaskPorts } from '../schemas/ports';

const unavailable = (name: string) => new Proxy({}, { get: (_t, prop) => () => Promise.reject(new Error(`${name}.${String(prop)} is not wired in this test`)) });

/** A TaskContext for calling task handlers directly in tests (ports not given reject when used). */
export function testTaskContext(parts: {
  fhir?: FhirPort;
  notify?: NotifyPort;
  executions?: ExecutionPort;
  log: Logger;
  idempotencyKey?: string;
  taskToken?: string;
  now?: () => number;
}): TaskContext {
  const ports: TaskPorts = {
    fhir: parts.fhir ?? (unavailable('fhir') as FhirPort),
    notify: parts.notify ?? (unavailable('notify') as NotifyPort),
    executions: parts.executions ?? (unavailable('executions') as ExecutionPort),
    scheduler: unavailable('scheduler') as TaskPorts['scheduler'],
    bus: unavailable('bus') as TaskPorts['bus'],
  };
  return {
    idempotencyKey: parts.idempotencyKey ?? 'arn:aws:states:us-east-1:000000000000:execution:test:run-1|step|1',
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:test:run-1',
    stateName: 'step',
    ...(parts.taskToken !== undefined ? { taskToken: parts.taskToken } : {}),
    clock: { now: parts.now ?? Date.now },
    ports,
    log: parts.log,
  };
}
