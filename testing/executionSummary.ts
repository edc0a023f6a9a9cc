import type { Engine } from '../engine/durable/engine';

/** What one execution did, in the workflow's own terms (step ids, not ASL internals). */
export interface ExecutionSummary {
  workflow: string;
  name: string;
  executionArn: string;
  status: string;
  /** Step ids entered, in order. Compiler-made states (`trigger.where`, `correlation.claim`, `x.expire`) are left out. */
  path: string[];
  /** Step id → its last output. */
  outputs: Record<string, unknown>;
  output?: unknown;
  /** Why it failed: the step it failed in, the error name and cause. */
  error?: { step?: string; error?: string; cause?: string };
  /** The compiler-made state it ended in, when it ended in one (`trigger.skipped`, `correlation.done`). */
  internalEnd?: string;
  startedAt: string;
  stoppedAt?: string;
}

/** Compiler-made states carry a dot; step ids cannot (they are identifiers). */
export function isStepId(stateName: string): boolean {
  return !stateName.includes('.');
}

function parse(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function summarizeExecution(engine: Engine, executionArn: string, workflow: string): ExecutionSummary {
  const d = engine.describeExecution({ executionArn });
  const path: string[] = [];
  const outputs: Record<string, unknown> = {};
  let lastEntered: string | undefined;
  let lastExited: string | undefined;
  let failure: { error?: string; cause?: string } | undefined;
  let nextToken: string | undefined;
  do {
    const page = engine.getExecutionHistory({ executionArn, maxResults: 1000, includeExecutionData: true, ...(nextToken ? { nextToken } : {}) });
    for (const e of page.events as unknown as Record<string, unknown>[]) {
      const type = String(e.type);
      const entered = e.stateEnteredEventDetails as { name?: string } | undefined;
      const exited = e.stateExitedEventDetails as { name?: string; output?: string } | undefined;
      if (entered?.name) {
        lastEntered = entered.name;
        if (isStepId(entered.name)) path.push(entered.name);
      }
      if (exited?.name) {
        lastExited = exited.name;
        if (isStepId(exited.name)) outputs[exited.name] = parse(exited.output);
      }
      if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
        const f = (e.executionFailedEventDetails ?? e.executionTimedOutEventDetails ?? e.executionAbortedEventDetails) as { error?: string; cause?: string } | undefined;
        failure = { ...(f?.error ? { error: f.error } : {}), ...(f?.cause ? { cause: f.cause } : {}) };
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  const status = String(d.status);
  const error = failure ?? (typeof d.error === 'string' ? { error: d.error, ...(typeof d.cause === 'string' ? { cause: d.cause } : {}) } : undefined);
  const last = lastExited ?? lastEntered;
  return {
    workflow,
    name: String(d.name),
    executionArn,
    status,
    path,
    outputs,
    ...(d.output !== undefined ? { output: parse(d.output) } : {}),
    ...(error && status !== 'SUCCEEDED' ? { error: { ...(lastEntered ? { step: lastEntered } : {}), ...error } } : {}),
    ...(last && !isStepId(last) && status !== 'RUNNING' ? { internalEnd: last } : {}),
    startedAt: d.startDate.toISOString(),
    ...(d.stopDate instanceof Date ? { stoppedAt: d.stopDate.toISOString() } : {}),
  };
}
