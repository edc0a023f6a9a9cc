type State = Record<string, unknown>;

/** States that end a step of the engine (a timer, a task or a callback): a loop through one paces itself. */
const BLOCKING = new Set(['Wait', 'Task', 'Map', 'Parallel']);

/**
 * Loops with no Wait, Task (call or await), Map or Parallel state on them, in every scope: each is a
 * set of state names (a strongly connected component of the non-blocking states). Such a loop runs
 * until the execution fails at the history quota, unless a Choice on it leaves.
 * Self-loops through `Next` are left out: checkSteps reports those already.
 */
export function waitlessCycles(def: { StartAt?: unknown; States?: unknown }): string[][] {
  const out: string[][] = [];
  const visitScope = (states: unknown): void => {
    if (typeof states !== 'object' || states === null) return;
    const map = states as Record<string, State>;
    const edges = new Map<string, string[]>();
    for (const [name, s] of Object.entries(map)) {
      if (BLOCKING.has(String(s.Type))) continue;
      const targets: unknown[] = [s.Next, s.Default];
      for (const c of (s.Choices as State[] | undefined) ?? []) targets.push(c.Next);
      edges.set(
        name,
        targets.filter((t): t is string => typeof t === 'string' && t in map && !BLOCKING.has(String(map[t]?.Type))),
      );
    }
    for (const scc of stronglyConnected(edges)) {
      const only = scc[0] ?? '';
      if (scc.length > 1 || (map[only]?.Type === 'Choice' && edges.get(only)?.includes(only))) out.push(scc);
    }
    for (const s of Object.values(map)) {
      const proc = (s.ItemProcessor ?? s.Iterator) as State | undefined;
      if (proc) visitScope(proc.States);
      for (const b of (s.Branches as State[] | undefined) ?? []) visitScope(b.States);
    }
  };
  visitScope(def.States);
  return out;
}

/**
 * Tarjan's algorithm with an explicit stack: a chain of 10 000 `set:` steps is 10 000 states deep,
 * past what recursion on the call stack survives.
 */
function stronglyConnected(edges: ReadonlyMap<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    // Each frame: a state and how many of its edges have been followed.
    const frames: { v: string; next: number }[] = [];
    const enter = (v: string): void => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      frames.push({ v, next: 0 });
    };
    enter(root);
    while (frames.length) {
      const frame = frames[frames.length - 1]!;
      const targets = edges.get(frame.v) ?? [];
      if (frame.next < targets.length) {
        const w = targets[frame.next++]!;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      const v = frame.v;
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(v)!));
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string | undefined;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        out.push(scc);
      }
    }
  }
  return out;
}
