/**
 * The compiled building blocks of a pattern: one Atom per element of a field's match list, and
 * one Leaf per scalar value of an event. Strings, numbers, booleans and null are distinct kinds:
 * `["300"]` never matches the number 300, and string operators never match a number.
 */
import { cidrContains, parseIpAddress, type CidrRange } from './ipAddress';

export const enum LeafKind {
  String = 0,
  Number = 1,
  Boolean = 2,
  Null = 3,
}

/** Array membership: pairs of (array instance id, element index) from the event root down. */
export type Membership = readonly number[];

export interface Leaf {
  kind: LeafKind;
  /** Typed exact-match key, see `valueKey`. */
  key: string;
  str: string;
  num: number;
  membership: Membership;
  lower: string | undefined;
  ip: Uint8Array | null | undefined;
}

export function numberKey(n: number): string {
  return `n:${n === 0 ? 0 : n}`;
}

export function stringKey(s: string): string {
  return `s:${s}`;
}

export function makeLeaf(value: unknown, membership: Membership): Leaf {
  if (typeof value === 'string') return { kind: LeafKind.String, key: stringKey(value), str: value, num: NaN, membership, lower: undefined, ip: undefined };
  if (typeof value === 'number') return { kind: LeafKind.Number, key: numberKey(value), str: '', num: value, membership, lower: undefined, ip: undefined };
  if (typeof value === 'boolean') return { kind: LeafKind.Boolean, key: value ? 't' : 'f', str: '', num: NaN, membership, lower: undefined, ip: undefined };
  return { kind: LeafKind.Null, key: 'z', str: '', num: NaN, membership, lower: undefined, ip: undefined };
}

export function leafLower(leaf: Leaf): string {
  return (leaf.lower ??= leaf.str.toLowerCase());
}

export function leafIp(leaf: Leaf): Uint8Array | null {
  if (leaf.ip === undefined) leaf.ip = parseIpAddress(leaf.str);
  return leaf.ip;
}

export interface NumericRange {
  lo: number;
  loInclusive: boolean;
  hi: number;
  hiInclusive: boolean;
}

export type Atom =
  | { kind: 'exact'; id: string; key: string }
  | { kind: 'prefix' | 'suffix'; id: string; value: string; ignoreCase: boolean }
  | { kind: 'equalsIgnoreCase'; id: string; value: string }
  | { kind: 'wildcard'; id: string; regex: RegExp }
  | { kind: 'numeric'; id: string; range: NumericRange }
  | { kind: 'cidr'; id: string; range: CidrRange }
  | { kind: 'exists'; id: string }
  | { kind: 'absent'; id: string }
  | { kind: 'anythingBut'; id: string; excludes: (leaf: Leaf) => boolean };

export function inRange(r: NumericRange, n: number): boolean {
  return (r.loInclusive ? n >= r.lo : n > r.lo) && (r.hiInclusive ? n <= r.hi : n < r.hi);
}

/** Does one leaf satisfy one atom? (`absent` is decided per field, not per leaf.) */
export function atomMatchesLeaf(atom: Atom, leaf: Leaf): boolean {
  switch (atom.kind) {
    case 'exact':
      return atom.key === leaf.key;
    case 'prefix':
      if (leaf.kind !== LeafKind.String) return false;
      return (atom.ignoreCase ? leafLower(leaf) : leaf.str).startsWith(atom.value);
    case 'suffix':
      if (leaf.kind !== LeafKind.String) return false;
      return (atom.ignoreCase ? leafLower(leaf) : leaf.str).endsWith(atom.value);
    case 'equalsIgnoreCase':
      return leaf.kind === LeafKind.String && leafLower(leaf) === atom.value;
    case 'wildcard':
      return leaf.kind === LeafKind.String && atom.regex.test(leaf.str);
    case 'numeric':
      return leaf.kind === LeafKind.Number && inRange(atom.range, leaf.num);
    case 'cidr': {
      if (leaf.kind !== LeafKind.String) return false;
      const ip = leafIp(leaf);
      return ip !== null && cidrContains(atom.range, ip);
    }
    case 'exists':
      return true;
    case 'absent':
      return false;
    case 'anythingBut':
      return !atom.excludes(leaf);
  }
}
