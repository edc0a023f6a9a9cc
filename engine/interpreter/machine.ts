/** Locating a frame's state machine (root, Parallel branch, Map item processor) inside a definition. */

export interface StateDef {
  Type: string;
  QueryLanguage?: 'JSONPath' | 'JSONata';
  Next?: string;
  End?: boolean;
  [field: string]: unknown;
}

export interface MachineDef {
  StartAt: string;
  States: Record<string, StateDef>;
  QueryLanguage?: 'JSONPath' | 'JSONata';
}

const cache = new WeakMap<object, Map<string, MachineDef>>();

export function machineAt(definition: object, path: readonly (string | number)[]): MachineDef {
  if (path.length === 0) return definition as MachineDef;
  let byPath = cache.get(definition);
  if (!byPath) cache.set(definition, (byPath = new Map()));
  const key = path.join('\u0000');
  const hit = byPath.get(key);
  if (hit) return hit;
  let m = definition as MachineDef;
  for (let i = 0; i < path.length; i++) {
    const st = m.States[String(path[i])];
    if (!st) throw new Error(`No state ${String(path[i])} in definition`);
    if (st.Type === 'Parallel') {
      i += 1;
      const branches = st.Branches as MachineDef[];
      const b = branches[Number(path[i])];
      if (!b) throw new Error(`No branch ${String(path[i])} in ${String(path[i - 1])}`);
      m = b;
    } else {
      m = (st.ItemProcessor ?? st.Iterator) as MachineDef;
    }
  }
  byPath.set(key, m);
  return m;
}
