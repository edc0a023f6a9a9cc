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

export class Leaf {
  lower: string | undefined = undefined;
  ip: Uint8Array | null | undefined = undefined;
  constructor(
    readonly kind: LeafKind,
    /** The string value; `true`/`false` for booleans, '' otherwise. */
    readonly str: string,
    readonly num: number,
    readonly membership: Membership,
  ) {}
}

export function makeLeaf(value: unknown, membership: Membership): Leaf {
  if (typeof value === 'string') return new Leaf(LeafKind.String, value, NaN, membership);
  if (typeof value === 'number') return new Leaf(LeafKind.Number, '', value, membership);
  if (typeof value === 'boolean') return new Leaf(LeafKind.Boolean, value ? 'true' : 'false', NaN, membership);
  return new Leaf(LeafKind.Null, '', NaN, membership);
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
  | { kind: 'exact'; id: string; valueKind: LeafKind; str: string; num: number }
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
      return atom.valueKind === leaf.kind && (leaf.kind === LeafKind.Number ? atom.num === leaf.num : atom.str === leaf.str);
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

/** Exact-value atoms; numbers compare by value, as event-ruler does. */
export function exactAtom(value: string | number | boolean | null): Atom {
  if (typeof value === 'string') return { kind: 'exact', id: `s:${value}`, valueKind: LeafKind.String, str: value, num: NaN };
  if (typeof value === 'number') return { kind: 'exact', id: `n:${value === 0 ? 0 : value}`, valueKind: LeafKind.Number, str: '', num: value === 0 ? 0 : value };
  if (typeof value === 'boolean') return { kind: 'exact', id: String(value), valueKind: LeafKind.Boolean, str: String(value), num: NaN };
  return { kind: 'exact', id: 'null', valueKind: LeafKind.Null, str: '', num: NaN };
}
