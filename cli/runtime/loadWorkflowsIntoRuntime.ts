import type { CompiledWorkflow } from '../../schemas/artifacts';
import type { LocalEventBus } from '../../engine/bus/localEventBus';
import type { Engine } from '../../engine/durable/engine';
import type { LocalScheduler } from '../../engine/scheduler/localScheduler';

/** The local counterpart of `clinflow deploy apply`: the same artifacts on the local engine, bus and scheduler. */
export const WORKFLOW_SCHEDULE_GROUP = 'clinflow-workflows';
const TARGET_ID = 'workflow';

export interface LocalDeployment {
  workflow: string;
  stateMachineArn: string;
  trigger: CompiledWorkflow['trigger']['kind'];
  changed: boolean;
}

export interface LocalTargets {
  engine: Engine;
  bus: LocalEventBus;
  scheduler: LocalScheduler;
}

export interface LoadFailure {
  workflow: string;
  /** The engine's refusal (e.g. `InvalidDefinition: … no terminal state`). */
  message: string;
}

/**
 * Creates or updates each workflow's state machine and its rule or schedule, and removes the rules
 * and schedules of the `removed` workflows (their state machines stay, so running executions finish).
 * A workflow the engine refuses is reported to `failed` and skipped: its previous version (or none)
 * stays in place, rule and schedule included, and the other workflows still load.
 */
export async function loadWorkflowsIntoRuntime(
  workflows: readonly CompiledWorkflow[],
  removed: ReadonlySet<string>,
  t: LocalTargets,
  failed: (f: LoadFailure) => void = (f) => {
    throw new Error(`${f.workflow}: ${f.message}`);
  },
): Promise<LocalDeployment[]> {
  const out: LocalDeployment[] = [];
  await ensureGroup(t.scheduler);
  for (const w of workflows) {
    try {
      out.push(await loadOne(w, t));
    } catch (err) {
      failed({ workflow: w.name, message: err instanceof Error ? err.message : String(err) });
    }
  }
  for (const gone of removed) {
    const name = `clinflow-${gone}`;
    try {
      t.bus.removeTargets({ Rule: name, Ids: [TARGET_ID] });
      t.bus.deleteRule({ Name: name });
    } catch {
      // It had no rule.
    }
    await t.scheduler.deleteSchedule({ Name: name, GroupName: WORKFLOW_SCHEDULE_GROUP }).catch(() => undefined);
  }
  return out;
}

interface ScheduleView {
  ScheduleExpression?: string | undefined;
  ScheduleExpressionTimezone?: string | undefined;
  StartDate?: Date | undefined;
  EndDate?: Date | undefined;
  FlexibleTimeWindow?: { Mode?: string | undefined; MaximumWindowInMinutes?: number | undefined } | undefined;
  State?: string | undefined;
  Target?: { Arn?: string | undefined; RoleArn?: string | undefined; Input?: string | undefined } | undefined;
}

/** The fields a workflow's schedule trigger sets, as one comparable string. */
function scheduleKey(s: ScheduleView): string {
  const w = s.FlexibleTimeWindow;
  return JSON.stringify([
    s.ScheduleExpression,
    s.ScheduleExpressionTimezone ?? 'UTC',
    s.StartDate?.getTime() ?? null,
    s.EndDate?.getTime() ?? null,
    w?.Mode ?? 'OFF',
    w?.Mode === 'FLEXIBLE' ? (w.MaximumWindowInMinutes ?? null) : null,
    s.State ?? 'ENABLED',
    s.Target?.Arn,
    s.Target?.RoleArn,
    s.Target?.Input ?? null,
  ]);
}

async function ensureGroup(scheduler: LocalScheduler): Promise<void> {
  await scheduler.createScheduleGroup({ Name: WORKFLOW_SCHEDULE_GROUP }).catch((err: { name?: string }) => {
    if (err.name !== 'ConflictException') throw err;
  });
}

async function loadOne(w: CompiledWorkflow, t: LocalTargets): Promise<LocalDeployment> {
  const definition = JSON.stringify(w.definition);
  const arn = `arn:aws:states:us-east-1:000000000000:stateMachine:${w.stateMachineName}`;
  let changed = true;
  let existing: { definition?: unknown } | undefined;
  try {
    existing = t.engine.describeStateMachine({ stateMachineArn: arn });
  } catch {
    existing = undefined;
  }
  if (!existing) t.engine.createStateMachine({ name: w.stateMachineName, definition, ...(w.description ? { description: w.description } : {}) });
  else if (existing.definition !== definition) t.engine.updateStateMachine({ stateMachineArn: arn, definition });
  else changed = false;

  const trig = w.trigger;
  if (trig.kind === 'eventRule') {
    t.bus.putRule({ Name: trig.name, EventPattern: JSON.stringify(trig.eventPattern), State: 'ENABLED', ...(trig.description ? { Description: trig.description.slice(0, 512) } : {}) });
    t.bus.putTargets({ Rule: trig.name, Targets: [{ Id: TARGET_ID, Arn: arn, ...(trig.inputPath ? { InputPath: trig.inputPath } : {}) }] });
  } else if (trig.kind === 'schedule') {
    const input = {
      Name: trig.name,
      GroupName: WORKFLOW_SCHEDULE_GROUP,
      ScheduleExpression: trig.scheduleExpression,
      ScheduleExpressionTimezone: trig.scheduleExpressionTimezone,
      ...(trig.startDate ? { StartDate: new Date(trig.startDate) } : {}),
      ...(trig.endDate ? { EndDate: new Date(trig.endDate) } : {}),
      FlexibleTimeWindow:
        trig.flexibleTimeWindow.mode === 'FLEXIBLE' ? { Mode: 'FLEXIBLE' as const, MaximumWindowInMinutes: trig.flexibleTimeWindow.maximumWindowInMinutes ?? 15 } : { Mode: 'OFF' as const },
      State: trig.state,
      Target: { Arn: arn, RoleArn: 'arn:aws:iam::000000000000:role/clinflow-scheduler', Input: JSON.stringify(trig.input ?? {}) },
    };
    const existing = await t.scheduler.getSchedule({ Name: trig.name, GroupName: WORKFLOW_SCHEDULE_GROUP }).catch(() => undefined);
    // UpdateSchedule recomputes the next fire from now (a rate() schedule would fire again on every
    // save): a reload that leaves the schedule as it is must not touch it, so it keeps its next fire time.
    if (!existing) await t.scheduler.createSchedule(input);
    else if (scheduleKey(existing) !== scheduleKey(input)) await t.scheduler.updateSchedule(input);
  }
  return { workflow: w.name, stateMachineArn: arn, trigger: trig.kind, changed };
}
