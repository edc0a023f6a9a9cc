import type { Engine } from '../../engine/durable/engine';
import type { CompiledWorkflow } from '../../schemas/artifacts';
import type { TaskContext } from '../../schemas/ports';
import type { Attribution } from '../../tasks/fhir/withProvenance';

const REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/** The resource an execution runs for: a FHIR change event's reference, or a reminder slot's order. */
function triggerOf(input: unknown): string | undefined {
  let v: unknown = input;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  const o = (v ?? {}) as { detail?: { reference?: unknown }; order?: unknown };
  const ref = o.detail?.reference ?? o.order;
  return typeof ref === 'string' && REFERENCE.test(ref) ? ref : undefined;
}

/**
 * Attribution of a task's writes on the local runtime: the execution's state machine names the
 * workflow (its loaded version and description), its input names the triggering resource.
 */
export function executionAttribution(engine: Engine, workflows: () => readonly CompiledWorkflow[]): (ctx: TaskContext) => Attribution | undefined {
  return (ctx) => {
    let described: Record<string, unknown>;
    try {
      described = engine.describeExecution({ executionArn: ctx.executionArn });
    } catch {
      return undefined;
    }
    const machine = typeof described.stateMachineArn === 'string' ? described.stateMachineArn.split(':').at(-1) : undefined;
    const wf = workflows().find((w) => w.stateMachineName === machine);
    if (!wf) return undefined;
    return { workflow: wf.name, version: String(wf.manifest.version), reason: wf.description, trigger: triggerOf(described.input) };
  };
}
