import type { WorkflowManifest } from '../../schemas/artifacts';

/** The union of the routing attributes the loaded workflows need (each manifest's `routingAttributes`), for TriggerConfig. */
export function mergeRoutingAttributes(manifests: readonly Pick<WorkflowManifest, 'routingAttributes'>[]): Record<string, string[]> {
  const merged = new Map<string, Set<string>>();
  for (const m of manifests) {
    for (const [type, attrs] of Object.entries(m.routingAttributes)) {
      let set = merged.get(type);
      if (!set) merged.set(type, (set = new Set()));
      for (const a of attrs) set.add(a);
    }
  }
  return Object.fromEntries([...merged.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, s]) => [t, [...s].sort()]));
}
