/**
 * The state names of one state machine revision, numbered: history chunks refer to a state name by
 * its number here instead of storing its text in every step of every execution. Derived from the
 * revision's definition alone (depth first, in key order, nested branches and item processors
 * included), so the journal stores nothing extra and a reader rebuilds the same numbering.
 */
export interface StateNameDictionary {
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}

export function stateNameDictionary(definition: unknown): StateNameDictionary {
  const names: string[] = [];
  const index = new Map<string, number>();
  const visit = (machine: unknown): void => {
    const states = (machine as { States?: unknown } | null)?.States;
    if (!states || typeof states !== 'object') return;
    for (const [name, st] of Object.entries(states as Record<string, unknown>)) {
      if (!index.has(name)) {
        index.set(name, names.length);
        names.push(name);
      }
      const s = st as { Branches?: unknown; ItemProcessor?: unknown; Iterator?: unknown } | null;
      if (Array.isArray(s?.Branches)) for (const b of s.Branches) visit(b);
      visit(s?.ItemProcessor ?? s?.Iterator);
    }
  };
  visit(definition);
  return { names, index };
}
