import type { ResourceKind } from './desired';
import type { PlannedChange, Plan } from './plan';
import { resourceOps } from './resources';
import type { DeployContext, ResourceOps } from './resources/types';
import { DeployError, explainAwsError } from './errors';

/**
 * Makes exactly the planned changes, in dependency order (creates and updates first, deletes last
 * in reverse order). It stops at the first failure and says what was done and what was not, so a
 * plan is never half-applied silently; running apply again re-reads the account and converges.
 */
export async function applyPlan(plan: Plan, ctx: DeployContext, onChange: (c: PlannedChange) => void = () => undefined): Promise<void> {
  const done: PlannedChange[] = [];
  for (const change of plan.changes) {
    const ops = resourceOps[change.kind] as ResourceOps<ResourceKind>;
    try {
      if (change.action === 'create') await ops.create(change.resource, ctx);
      else if (change.action === 'update') await ops.update(change.resource, ctx, change.changes);
      else await ops.remove(change.name, ctx);
    } catch (err) {
      const remaining = plan.changes.slice(done.length);
      throw new DeployError(
        `${change.action} ${change.kind} ${change.name} failed: ${explainAwsError(err)}\n` +
          `${done.length} of ${plan.changes.length} changes were applied; ${remaining.length} were not ` +
          `(${remaining.map((c) => `${c.action} ${c.kind} ${c.name}`).join('; ')}). Fix the cause and run apply again: it converges.`,
        { cause: err },
      );
    }
    done.push(change);
    onChange(change);
  }
}
