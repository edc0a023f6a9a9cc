import type * as z from 'zod';
import type { TaskContext } from './ports';

/**
 * The contract of one task a workflow may `call`: its name, what it does, its zod input and output,
 * and the error names it can raise (so the compiler can warn about retry/catch on impossible errors).
 */
export interface TaskSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: I;
  output: O;
  errors: readonly string[];
  /** True when the task parks the execution on a callback token (`await:` steps, `.waitForTaskToken`). */
  callback?: boolean;
  /**
   * A stricter schema for inputs written literally in YAML (the compiler's check). The run-time
   * `input` may be looser so the handler can refuse a value with a named error (`Notify.InvalidMessage`).
   */
  literalInput?: z.ZodType;
  /**
   * Whether calling it again with the same input (a retry, a re-delivered invocation) has the effect
   * of one call, and how; docs/tasks.md and `clinflow tasks describe` show it.
   */
  idempotent?: { safe: boolean; how: string };
  /** The FHIR REST interactions it makes, in words (`read the reference`, `create Communication`); empty when none. */
  fhirInteractions?: readonly string[];
  /** Added by the compiler (the trigger guard, await steps, correlation); a workflow does not `call:` it. */
  compilerOnly?: boolean;
}

export type TaskHandler<S extends TaskSpec> = (input: z.infer<S['input']>, ctx: TaskContext) => Promise<z.infer<S['output']>>;

/** `fhir.read` → `clinflow-fhir-read`: the Lambda function name, locally and on AWS (deploy adds the stage). */
export function taskFunctionName(taskName: string): string {
  return `clinflow-${taskName.replace(/\./g, '-')}`;
}

/** Account and region of compiled artifacts; deploy/ rewrites them to the target account and stage. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export function taskFunctionArn(taskName: string, region = LOCAL_REGION, account = LOCAL_ACCOUNT): string {
  return `arn:aws:lambda:${region}:${account}:function:${taskFunctionName(taskName)}`;
}

/** Inverse of taskFunctionArn / taskFunctionName; undefined when the ARN names no clinflow task. */
export function taskNameFromResource(resource: string): string | undefined {
  const fn = resource.startsWith('arn:') ? resource.split(':').slice(6).join(':').split(':')[0] : resource;
  const m = /^clinflow-(?:[a-z0-9]+--)?([a-z0-9]+)-([a-z0-9-]+)$/.exec(fn ?? '');
  if (!m) return undefined;
  return `${m[1]}.${(m[2] ?? '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}`;
}
