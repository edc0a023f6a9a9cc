/**
 * Flattens an event into its scalar leaves, grouped by dotted path. Every array instance gets its
 * own id so the matcher can tell whether two leaves came from the same element of an array of
 * objects (event-ruler's array consistency). Empty arrays and objects contribute no leaf.
 */
import { makeLeaf, type Leaf, type Membership } from './atoms';

export type FlatEvent = Map<string, Leaf[]>;

const NO_MEMBERSHIP: Membership = [];

export function flattenEvent(event: unknown): FlatEvent {
  const out: FlatEvent = new Map();
  let nextArrayId = 0;
  const add = (path: string, leaf: Leaf): void => {
    const list = out.get(path);
    if (list) list.push(leaf);
    else out.set(path, [leaf]);
  };
  const walk = (value: unknown, path: string, membership: Membership): void => {
    if (value !== null && typeof value === 'object') {
      if (Array.isArray(value)) {
        const arrayId = nextArrayId++;
        for (let i = 0; i < value.length; i++) walk(value[i], path, [...membership, arrayId, i]);
        return;
      }
      for (const key in value as Record<string, unknown>) {
        walk((value as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`, membership);
      }
      return;
    }
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return;
    add(path, makeLeaf(value, membership));
  };
  if (event !== null && typeof event === 'object' && !Array.isArray(event)) walk(event, '', NO_MEMBERSHIP);
  return out;
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
