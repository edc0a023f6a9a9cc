import type { CompiledWorkflow } from '../schemas/artifacts';
import { taskFunctionArn } from '../schemas/task';

/** A compiled workflow that calls `tasks` in order, started by a FHIR ServiceRequest rule: enough for deploy tests. */
export function taskChainWorkflow(name: string, tasks: string[]): CompiledWorkflow {
  return {
    name,
    stateMachineName: `clinflow-${name}`,
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: tasks[0]!,
      States: Object.fromEntries(tasks.map((t, i) => [t, { Type: 'Task', Resource: taskFunctionArn(t), ...(i + 1 < tasks.length ? { Next: tasks[i + 1] } : { End: true }) }])),
    },
    trigger: { kind: 'eventRule', name: `clinflow-${name}`, eventPattern: { source: ['clinflow.fhir'], detail: { resourceType: ['ServiceRequest'] } } },
    manifest: { workflow: name, version: 1, sourceHash: `hash-${name}`.padEnd(64, '0'), compilerVersion: '0.1.0', tasks: [...tasks].sort(), routingAttributes: {} },
  };
}
