type State = Record<string, unknown>;

/** Names of states no path from StartAt reaches, in every scope (root, Map processors, Parallel branches). */
export function unreachableStates(def: { StartAt?: unknown; States?: unknown }): string[] {
  const out: string[] = [];
  const visitScope = (startAt: unknown, states: unknown): void => {
    if (typeof states !== 'object' || states === null) return;
    const map = states as Record<string, State>;
    const seen = new Set<string>();
    const queue = typeof startAt === 'string' ? [startAt] : [];
    for (let head = 0; head < queue.length; head++) {
      const name = queue[head] as string;
      if (seen.has(name) || !(name in map)) continue;
      seen.add(name);
      const s = map[name] ?? {};
      const targets: unknown[] = [s.Next, s.Default];
      for (const c of (s.Choices as State[] | undefined) ?? []) targets.push(c.Next);
      for (const c of (s.Catch as State[] | undefined) ?? []) targets.push(c.Next);
      for (const t of targets) if (typeof t === 'string') queue.push(t);
    }
    for (const [name, s] of Object.entries(map)) {
      if (!seen.has(name)) out.push(name);
      const proc = s.ItemProcessor as State | undefined;
      if (proc) visitScope(proc.StartAt, proc.States);
      for (const b of (s.Branches as State[] | undefined) ?? []) visitScope(b.StartAt, b.States);
    }
  };
  visitScope(def.StartAt, def.States);
  return out;
}
