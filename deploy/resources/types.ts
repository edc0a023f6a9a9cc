import type { AwsClients } from '../aws/clients';
import type { DesiredResource, ResourceKind } from '../desired';
import type { Target } from '../names';

export interface DeployContext {
  aws: AwsClients;
  target: Target;
  /** Bundles a function entry (task name or `fhir-endpoint`) into a Lambda zip. */
  bundle(entry: string): Promise<Uint8Array>;
  /** Waits between polls of a resource that is not ready yet; default a real timer (tests pass an instant one). */
  sleep?: (ms: number) => Promise<void>;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What exists for one desired resource: absent, or present with the fields that differ. */
export type Observed = { exists: false } | { exists: true; changes: string[] };

/** How one kind of resource is read, created, updated, listed and removed. */
export interface ResourceOps<K extends ResourceKind> {
  read(d: Extract<DesiredResource, { kind: K }>, ctx: DeployContext): Promise<Observed>;
  create(d: Extract<DesiredResource, { kind: K }>, ctx: DeployContext): Promise<void>;
  update(d: Extract<DesiredResource, { kind: K }>, ctx: DeployContext, changes: string[]): Promise<void>;
  /** Names of this kind that belong to the app and stage (by namespace and tags), whatever the workflows say. */
  listOwned(ctx: DeployContext): Promise<string[]>;
  remove(name: string, ctx: DeployContext): Promise<void>;
}

export function diffFields(pairs: Record<string, [unknown, unknown]>): string[] {
  return Object.entries(pairs)
    .filter(([, [have, want]]) => JSON.stringify(have ?? null) !== JSON.stringify(want ?? null))
    .map(([field]) => field);
}

export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function ownedBy(tags: Record<string, string | undefined> | undefined, target: Target): boolean {
  return tags?.['clinflow:app'] === 'clinflow' && tags['clinflow:stage'] === target.stage;
}

export function tagsFromList(list: { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}
