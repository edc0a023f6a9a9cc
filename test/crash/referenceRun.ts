import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { Engine } from '../../engine/durable/engine';
import { LocalTaskPort } from '../../tasks/localTaskPort';
import { approvalFor, executionInput, registerHandlers, workflows, type EffectStore } from './workload';

export interface Outcome {
  status: string;
  output?: string;
  error?: string;
}

/** Runs the workload without crashes: in memory, on a simulated clock. */
export async function referenceRun(total: number): Promise<{ outcomes: Map<string, Outcome>; effectKeys: Set<string> }> {
  const effects = new Map<string, { logical: string; value: number }>();
  const firstByLogical = new Map<string, string>();
  const parked: Array<{ token: string; n: number }> = [];
  const store: EffectStore = {
    delivered: () => undefined,
    apply(key, logical, value) {
      if (!effects.has(key)) effects.set(key, { logical, value });
      if (!firstByLogical.has(logical)) firstByLogical.set(logical, key);
      return firstByLogical.get(logical) === key;
    },
    parkToken: (token, _key, n) => void parked.push({ token, n }),
  };
  const clock = new SimulatedClock(Date.UTC(2025, 0, 1));
  const tasks = new LocalTaskPort({ clock });
  registerHandlers(tasks, store);
  const engine = new Engine({ database: ':memory:', clock, tasks, ids: sequentialIds() });
  const arns: Record<string, string> = {};
  for (const [name, def] of Object.entries(workflows)) arns[name] = engine.createStateMachine({ name, definition: JSON.stringify(def) }).stateMachineArn;
  for (let i = 0; i < total; i++) {
    const e = executionInput(i);
    await engine.startExecution({ stateMachineArn: arns[e.workflow], name: e.name, input: e.input });
  }
  for (let guard = 0; guard < 10_000; guard++) {
    await engine.runUntilIdle();
    const cbs = parked.splice(0);
    for (const cb of cbs) await engine.sendTaskSuccess({ taskToken: cb.token, output: approvalFor(cb.n) });
    const next = engine.store.nextTimerAt();
    if (next === undefined && cbs.length === 0) break;
    if (next !== undefined) await engine.advanceTo(Math.max(next, clock.now()));
  }
  const outcomes = new Map<string, Outcome>();
  for (let i = 0; i < total; i++) {
    const e = executionInput(i);
    outcomes.set(e.name, pickOutcome(engine.describeExecution({ executionArn: arns[e.workflow]!.replace(':stateMachine:', ':execution:') + `:${e.name}` })));
  }
  await engine.close();
  return { outcomes, effectKeys: new Set(effects.keys()) };
}

export function pickOutcome(d: Record<string, unknown>): Outcome {
  const o: Outcome = { status: String(d.status) };
  if (typeof d.output === 'string') o.output = d.output;
  if (typeof d.error === 'string') o.error = d.error;
  return o;
}
