import type { Change, CloudFormationClient, Parameter, Stack, StackEvent } from '@aws-sdk/client-cloudformation';
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { DeployError } from './errors';

/** What drives CloudFormation: the client, a sleep between polls, a progress line sink, and a clock. */
export interface CfnDeps {
  cfn: CloudFormationClient;
  sleep(ms: number): Promise<void>;
  progress(line: string): void;
  now(): Date;
}

export interface PlannedChange {
  action: string;
  logicalId: string;
  type: string;
  physicalId?: string;
  /** `True`, `False` or `Conditional` for a Modify: whether CloudFormation replaces the resource. */
  replacement?: string;
}

export interface ChangeSetResult {
  stackName: string;
  changeSetName: string;
  /** CREATE for a stack that does not exist yet, UPDATE otherwise. */
  type: 'CREATE' | 'UPDATE';
  changes: PlannedChange[];
  /** The stack's state before this change set (undefined: no stack). */
  stackStatus?: string;
}

export const POLL_MS = 5000;
/** CloudFormation's own default for a stack operation is unbounded; clinflow stops watching after this (the stack carries on). */
export const MAX_WAIT_MS = 90 * 60 * 1000;

/** DescribeStacks on a missing stack throws ValidationError "Stack with id X does not exist" (DescribeStacks API reference). */
export async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (err) {
    if (isMissingStack(err)) return undefined;
    throw err;
  }
}

const isMissingStack = (err: unknown): boolean => {
  const e = err as { name?: string; message?: string } | null;
  return e?.name === 'ValidationError' && /does not exist/.test(e.message ?? '');
};

/** "The submitted information didn't contain changes…" / "No updates are to be performed." (DescribeChangeSet StatusReason). */
const NO_CHANGES = /didn't contain changes|No updates are to be performed/;

const busy = (status: string): boolean => status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';

/**
 * Creates a change set for `stackName` (CREATE when the stack does not exist or only awaits review,
 * UPDATE otherwise), waits for it, and returns its changes; an empty change set is deleted and
 * returns no changes. A stack whose first create failed (ROLLBACK_COMPLETE) cannot take a change set:
 * with `replaceFailed` it is deleted first, otherwise this says so.
 */
export async function createChangeSet(
  deps: CfnDeps,
  input: { stackName: string; templateBody?: string; templateUrl?: string; parameters?: Parameter[]; tags?: Record<string, string>; description: string; replaceFailed: boolean },
): Promise<ChangeSetResult> {
  const { cfn } = deps;
  let stack = await describeStack(cfn, input.stackName);
  if (stack?.StackStatus && busy(stack.StackStatus)) {
    throw new DeployError(`stack ${input.stackName} is ${stack.StackStatus}: another operation is running; wait for it to finish and try again`);
  }
  if (stack?.StackStatus === 'ROLLBACK_COMPLETE' || stack?.StackStatus === 'ROLLBACK_FAILED') {
    if (!input.replaceFailed) {
      return { stackName: input.stackName, changeSetName: '', type: 'CREATE', changes: [], stackStatus: stack.StackStatus };
    }
    deps.progress(`stack ${input.stackName} is ${stack.StackStatus} (its first create failed and was rolled back): deleting it so it can be created again`);
    await deleteStack(deps, input.stackName);
    stack = undefined;
  }
  const type = !stack || stack.StackStatus === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE';
  const changeSetName = `clinflow-${deps
    .now()
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14)}`;
  await cfn.send(
    new CreateChangeSetCommand({
      StackName: input.stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: type,
      ...(input.templateUrl ? { TemplateURL: input.templateUrl } : { TemplateBody: input.templateBody }),
      Parameters: input.parameters ?? [],
      // The stage creates named roles and managed policies.
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Tags: Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      Description: input.description,
    }),
  );
  const changes: PlannedChange[] = [];
  for (let waited = 0; ; waited += POLL_MS) {
    const d = await cfn.send(new DescribeChangeSetCommand({ StackName: input.stackName, ChangeSetName: changeSetName }));
    if (d.Status === 'FAILED') {
      if (NO_CHANGES.test(d.StatusReason ?? '')) {
        await cfn.send(new DeleteChangeSetCommand({ StackName: input.stackName, ChangeSetName: changeSetName }));
        return { stackName: input.stackName, changeSetName, type, changes: [], ...(stack?.StackStatus ? { stackStatus: stack.StackStatus } : {}) };
      }
      throw new DeployError(`CloudFormation could not create the change set for ${input.stackName}: ${d.StatusReason ?? 'no reason given'}`);
    }
    if (d.Status === 'CREATE_COMPLETE') {
      // Changes are paged (NextToken); read them all.
      let page = d;
      for (;;) {
        changes.push(...(page.Changes ?? []).map(toPlanned));
        if (!page.NextToken) break;
        page = await cfn.send(new DescribeChangeSetCommand({ StackName: input.stackName, ChangeSetName: changeSetName, NextToken: page.NextToken }));
      }
      return { stackName: input.stackName, changeSetName, type, changes, ...(stack?.StackStatus ? { stackStatus: stack.StackStatus } : {}) };
    }
    if (waited >= MAX_WAIT_MS) throw new DeployError(`change set ${changeSetName} is still ${d.Status} after ${MAX_WAIT_MS / 60000} minutes`);
    await deps.sleep(POLL_MS);
  }
}

function toPlanned(c: Change): PlannedChange {
  const r = c.ResourceChange ?? {};
  return {
    action: r.Action ?? 'Unknown',
    logicalId: r.LogicalResourceId ?? '',
    type: r.ResourceType ?? '',
    ...(r.PhysicalResourceId ? { physicalId: r.PhysicalResourceId } : {}),
    ...(r.Replacement ? { replacement: r.Replacement } : {}),
  };
}

export function formatChangeSet(r: ChangeSetResult): string {
  if (r.stackStatus === 'ROLLBACK_COMPLETE' && !r.changeSetName) {
    return `Stack ${r.stackName} is ROLLBACK_COMPLETE (its first create failed). apply deletes it and creates it again.`;
  }
  if (!r.changes.length) return `Stack ${r.stackName}: no changes.`;
  const sign: Record<string, string> = { Add: '+', Modify: '~', Remove: '-', Import: '>', Dynamic: '?' };
  const lines = r.changes.map(
    (c) =>
      `  ${sign[c.action] ?? '?'} ${c.action.padEnd(6)} ${c.type.padEnd(40)} ${c.logicalId}${c.replacement === 'True' ? '  (REPLACED)' : c.replacement === 'Conditional' ? '  (may be replaced)' : ''}`,
  );
  const count = (a: string): number => r.changes.filter((c) => c.action === a).length;
  lines.unshift(`Change set ${r.changeSetName} (${r.type}) for stack ${r.stackName}:`);
  lines.push(`Plan: ${count('Add')} to add, ${count('Modify')} to modify, ${count('Remove')} to remove.`);
  return lines.join('\n');
}

const DONE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
const ROLLED_BACK = new Set(['ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

/**
 * Executes the change set and follows the stack's events until it settles. CloudFormation rolls a
 * failed create or update back by itself; this reports why (the first failed resources) and fails.
 */
export async function executeChangeSet(deps: CfnDeps, r: ChangeSetResult): Promise<void> {
  const started = deps.now();
  await deps.cfn.send(new ExecuteChangeSetCommand({ StackName: r.stackName, ChangeSetName: r.changeSetName }));
  const status = await follow(deps, r.stackName, started, (s) => !s || !busy(s));
  if (status && DONE.has(status)) return;
  const failures = await failedEvents(deps.cfn, r.stackName, started);
  const why = failures.map((e) => `${e.LogicalResourceId} (${e.ResourceType}): ${e.ResourceStatusReason}`).join('\n  ');
  if (status && ROLLED_BACK.has(status)) throw new DeployError(`the change failed and CloudFormation rolled it back (${status}):\n  ${why || 'no failed resource reported'}`);
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    throw new DeployError(
      `the change failed and so did its rollback (UPDATE_ROLLBACK_FAILED):\n  ${why}\nFix the cause, then run \`aws cloudformation continue-update-rollback --stack-name ${r.stackName}\`.`,
    );
  }
  throw new DeployError(`stack ${r.stackName} ended ${status ?? 'deleted'}:\n  ${why}`);
}

/** Deletes the stack and waits until DescribeStacks no longer finds it (or reports DELETE_COMPLETE). */
export async function deleteStack(deps: CfnDeps, stackName: string): Promise<void> {
  const started = deps.now();
  await deps.cfn.send(new DeleteStackCommand({ StackName: stackName }));
  const status = await follow(deps, stackName, started, (s) => !s || s === 'DELETE_COMPLETE' || s === 'DELETE_FAILED');
  if (status === 'DELETE_FAILED') {
    const why = (await failedEvents(deps.cfn, stackName, started)).map((e) => `${e.LogicalResourceId}: ${e.ResourceStatusReason}`).join('\n  ');
    throw new DeployError(`deleting stack ${stackName} failed (DELETE_FAILED):\n  ${why}`);
  }
}

/** Polls the stack, printing each new event once, oldest first, until `settled`. */
async function follow(deps: CfnDeps, stackName: string, since: Date, settled: (status: string | undefined) => boolean): Promise<string | undefined> {
  const seen = new Set<string>();
  for (let waited = 0; ; waited += POLL_MS) {
    const stack = await describeStack(deps.cfn, stackName);
    const status = stack?.StackStatus;
    if (stack) {
      for (const e of await recentEvents(deps.cfn, stackName, since)) {
        if (!e.EventId || seen.has(e.EventId)) continue;
        seen.add(e.EventId);
        deps.progress(`  ${e.ResourceStatus ?? ''} ${e.ResourceType ?? ''} ${e.LogicalResourceId ?? ''}${e.ResourceStatusReason ? `: ${e.ResourceStatusReason}` : ''}`);
      }
    }
    if (settled(status)) return status;
    if (waited >= MAX_WAIT_MS) throw new DeployError(`stack ${stackName} is still ${status} after ${MAX_WAIT_MS / 60000} minutes; follow it in the CloudFormation console`);
    await deps.sleep(POLL_MS);
  }
}

/** The stack's events since `since`, oldest first (DescribeStackEvents returns newest first, paged). */
async function recentEvents(cfn: CloudFormationClient, stackName: string, since: Date): Promise<StackEvent[]> {
  const out: StackEvent[] = [];
  let NextToken: string | undefined;
  try {
    do {
      const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName, ...(NextToken ? { NextToken } : {}) }));
      const events = page.StackEvents ?? [];
      const fresh = events.filter((e) => e.Timestamp && e.Timestamp.getTime() >= since.getTime());
      out.push(...fresh);
      NextToken = fresh.length === events.length ? page.NextToken : undefined;
    } while (NextToken);
  } catch (err) {
    if (!isMissingStack(err)) throw err;
  }
  return out.reverse();
}

async function failedEvents(cfn: CloudFormationClient, stackName: string, since: Date): Promise<StackEvent[]> {
  return (await recentEvents(cfn, stackName, since)).filter((e) => /FAILED$/.test(e.ResourceStatus ?? '') && e.ResourceStatusReason && !/cancelled/i.test(e.ResourceStatusReason));
}
