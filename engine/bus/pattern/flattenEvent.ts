/**
 * Flattens an event into its scalar leaves, grouped by dotted path. Every array instance gets its
 * own id so the matcher can tell whether two leaves came from the same element of an array of
 * objects (event-ruler's array consistency). Empty arrays and objects contribute no leaf.
 * Only the subtrees on paths the loaded rules use (a PathTrie) are visited.
 */
import { makeLeaf, type Leaf, type Membership } from './atoms';

/** Leaves indexed by the PathTrie's path number. */
export type FlatEvent = (Leaf[] | undefined)[];

const NO_MEMBERSHIP: Membership = [];

/** The field paths rules use, split on '.', so that event keys `a.b` and `{a:{b}}` reach the same node. */
export class PathTrie {
  readonly children = new Map<string, PathTrie>();
  /** Set when some rule has a condition on exactly this path: its index in a FlatEvent. */
  pathId = -1;
  private count = 0;

  /** Registers a path and returns its number (the same number for the same path). */
  add(path: string): number {
    const node = path.split('.').reduce<PathTrie>((at, seg) => {
      let child = at.children.get(seg);
      if (!child) at.children.set(seg, (child = new PathTrie()));
      return child;
    }, this);
    if (node.pathId < 0) node.pathId = this.count++;
    return node.pathId;
  }

  child(key: string): PathTrie | undefined {
    const direct = this.children.get(key);
    if (direct || !key.includes('.')) return direct;
    return key.split('.').reduce<PathTrie | undefined>((at, seg) => at?.children.get(seg), this);
  }
}

interface FlattenState {
  out: FlatEvent;
  nextArrayId: number;
}

function walk(st: FlattenState, value: unknown, node: PathTrie, membership: Membership): void {
  if (value !== null && typeof value === 'object') {
    if (Array.isArray(value)) {
      const arrayId = st.nextArrayId++;
      for (let i = 0; i < value.length; i++) walk(st, value[i], node, [...membership, arrayId, i]);
      return;
    }
    if (node.children.size === 0) return;
    for (const key in value as Record<string, unknown>) {
      const child = node.child(key);
      if (child) walk(st, (value as Record<string, unknown>)[key], child, membership);
    }
    return;
  }
  if (node.pathId >= 0 && isScalar(value)) {
    const leaf = makeLeaf(value, membership);
    const list = st.out[node.pathId];
    if (list) list.push(leaf);
    else st.out[node.pathId] = [leaf];
  }
}

/** The leaves of `event` on the paths registered in `trie`. */
export function flattenEvent(event: unknown, trie: PathTrie): FlatEvent {
  const st: FlattenState = { out: [], nextArrayId: 0 };
  if (event !== null && typeof event === 'object' && !Array.isArray(event)) walk(st, event, trie, NO_MEMBERSHIP);
  return st.out;
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** True when no array is entered at different elements by `a` and `b`. */
export function consistent(a: Membership, b: Membership): boolean {
  if (a.length === 0 || b.length === 0) return true;
  for (let i = 0; i < a.length; i += 2) {
    for (let j = 0; j < b.length; j += 2) {
      if (a[i] === b[j] && a[i + 1] !== b[j + 1]) return false;
    }
  }
  return true;
}

/** The union of two consistent memberships. */
export function mergeMembership(a: Membership, b: Membership): Membership {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = [...a];
  for (let j = 0; j < b.length; j += 2) {
    let seen = false;
    for (let i = 0; i < a.length; i += 2) if (a[i] === b[j]) seen = true;
    if (!seen) out.push(b[j] as number, b[j + 1] as number);
  }
  return out;
}
