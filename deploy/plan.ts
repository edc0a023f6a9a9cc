import type { DesiredResource, ResourceKind } from './desired';
import { KIND_ORDER } from './desired';
import { resourceOps } from './resources';
import type { DeployContext } from './resources/types';

export type PlannedChange =
  | { action: 'create'; kind: ResourceKind; name: string; resource: DesiredResource }
  | { action: 'update'; kind: ResourceKind; name: string; resource: DesiredResource; changes: string[] }
  | { action: 'delete'; kind: ResourceKind; name: string };

export interface Plan {
  changes: PlannedChange[];
  unchanged: number;
}

/** Reads what exists (Describe/Get/List calls only) and compares it with what should. */
export async function planChanges(desired: readonly DesiredResource[], ctx: DeployContext): Promise<Plan> {
  const changes: PlannedChange[] = [];
  let unchanged = 0;
  for (const d of desired) {
    const observed = await (resourceOps[d.kind] as ResourceOps).read(d, ctx);
    if (!observed.exists) changes.push({ action: 'create', kind: d.kind, name: d.name, resource: d });
    else if (observed.changes.length) changes.push({ action: 'update', kind: d.kind, name: d.name, resource: d, changes: observed.changes });
    else unchanged += 1;
  }
  changes.push(...(await orphans(desired, ctx)));
  return { changes, unchanged };
}

/** Every resource of the app and stage, to be deleted (destroy). */
export async function planDestroy(ctx: DeployContext): Promise<Plan> {
  return { changes: await orphans([], ctx), unchanged: 0 };
}

/** What `--dry-run` shows: the plan against an empty account, without calling AWS. */
export function planFromScratch(desired: readonly DesiredResource[]): Plan {
  return { changes: desired.map((d) => ({ action: 'create', kind: d.kind, name: d.name, resource: d })), unchanged: 0 };
}

async function orphans(desired: readonly DesiredResource[], ctx: DeployContext): Promise<PlannedChange[]> {
  const out: PlannedChange[] = [];
  for (const kind of [...KIND_ORDER].reverse()) {
    const wanted = new Set(desired.filter((d) => d.kind === kind).map((d) => d.name));
    for (const name of await resourceOps[kind].listOwned(ctx)) {
      if (!wanted.has(name)) out.push({ action: 'delete', kind, name });
    }
  }
  return out;
}

type ResourceOps = import('./resources/types').ResourceOps<ResourceKind>;

export function formatPlan(plan: Plan): string {
  const sign = { create: '+', update: '~', delete: '-' } as const;
  const lines = plan.changes.map((c) => `  ${sign[c.action]} ${c.action.padEnd(6)} ${c.kind.padEnd(13)} ${c.name}${c.action === 'update' ? `  (${c.changes.join(', ')})` : ''}`);
  const count = (a: PlannedChange['action']): number => plan.changes.filter((c) => c.action === a).length;
  lines.push(`Plan: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ${plan.unchanged} unchanged.`);
  return lines.join('\n');
}
