/**
 * Matches an event against every loaded rule at once. Like event-ruler, rules are compiled into
 * one automaton: each rule alternative is a chain of field conditions in path order, chains share
 * their common prefixes, and each state indexes its outgoing conditions by value (hash maps for
 * exact and case-folded values, per-length maps for prefixes and suffixes), so an event walks only
 * the states its own values lead to, whatever the number of rules.
 */
import { LeafKind, atomMatchesLeaf, leafLower, type Atom, type Leaf, type Membership } from './atoms';
import { compilePattern, type CompiledPattern } from './compilePattern';
import { consistent, flattenEvent, mergeMembership, type FlatEvent } from './flattenEvent';

class AffixIndex {
  readonly byValue = new Map<string, State[]>();
  lengths: number[] = [];

  add(value: string, next: State): void {
    pushUnique(this.byValue, value, next);
    if (!this.lengths.includes(value.length)) this.lengths.push(value.length);
  }

  collect(text: string, fromEnd: boolean, out: State[]): void {
    for (const len of this.lengths) {
      if (len > text.length) continue;
      const hit = this.byValue.get(fromEnd ? text.slice(text.length - len) : text.slice(0, len));
      if (hit) addAll(out, hit);
    }
  }
}

function pushUnique(map: Map<string, State[]>, key: string, next: State): void {
  const list = map.get(key);
  if (!list) map.set(key, [next]);
  else if (!list.includes(next)) list.push(next);
}

function addAll(out: State[], states: readonly State[]): void {
  for (const s of states) if (!out.includes(s)) out.push(s);
}

/** The outgoing conditions of one state on one field path. */
class FieldTransitions {
  readonly byCondition = new Map<string, State>();
  readonly exact = new Map<string, State[]>();
  readonly ignoreCase = new Map<string, State[]>();
  readonly prefix = new AffixIndex();
  readonly prefixIgnoreCase = new AffixIndex();
  readonly suffix = new AffixIndex();
  readonly suffixIgnoreCase = new AffixIndex();
  /** Operators that need a per-value test: numeric, wildcard, cidr, anything-but. */
  readonly scanned: { atom: Atom; next: State }[] = [];
  readonly exists: State[] = [];
  readonly absent: State[] = [];

  add(atoms: readonly Atom[], next: State): void {
    for (const atom of atoms) {
      switch (atom.kind) {
        case 'exact':
          pushUnique(this.exact, atom.key, next);
          break;
        case 'equalsIgnoreCase':
          pushUnique(this.ignoreCase, atom.value, next);
          break;
        case 'prefix':
          (atom.ignoreCase ? this.prefixIgnoreCase : this.prefix).add(atom.value, next);
          break;
        case 'suffix':
          (atom.ignoreCase ? this.suffixIgnoreCase : this.suffix).add(atom.value, next);
          break;
        case 'exists':
          if (!this.exists.includes(next)) this.exists.push(next);
          break;
        case 'absent':
          if (!this.absent.includes(next)) this.absent.push(next);
          break;
        default:
          this.scanned.push({ atom, next });
      }
    }
  }

  /** The next states one leaf leads to. */
  collect(leaf: Leaf, out: State[]): void {
    const exact = this.exact.get(leaf.key);
    if (exact) addAll(out, exact);
    if (leaf.kind === LeafKind.String) {
      if (this.ignoreCase.size) {
        const hit = this.ignoreCase.get(leafLower(leaf));
        if (hit) addAll(out, hit);
      }
      if (this.prefix.lengths.length) this.prefix.collect(leaf.str, false, out);
      if (this.suffix.lengths.length) this.suffix.collect(leaf.str, true, out);
      if (this.prefixIgnoreCase.lengths.length) this.prefixIgnoreCase.collect(leafLower(leaf), false, out);
      if (this.suffixIgnoreCase.lengths.length) this.suffixIgnoreCase.collect(leafLower(leaf), true, out);
    }
    for (const { atom, next } of this.scanned) if (!out.includes(next) && atomMatchesLeaf(atom, leaf)) out.push(next);
    if (this.exists.length) addAll(out, this.exists);
  }
}

class State {
  readonly rules = new Set<string>();
  readonly fields = new Map<string, FieldTransitions>();
}

const NONE: Membership = [];

export class PatternMatcher {
  private readonly rules = new Map<string, CompiledPattern>();
  private root = new State();
  private stale = false;

  /** Adds or replaces a rule. Throws InvalidEventPatternException for a bad pattern. */
  addRule(ruleId: string, pattern: string | object): void {
    const compiled = compilePattern(pattern);
    if (this.rules.has(ruleId)) this.stale = true;
    this.rules.set(ruleId, compiled);
    if (!this.stale) this.insert(ruleId, compiled);
  }

  removeRule(ruleId: string): boolean {
    const had = this.rules.delete(ruleId);
    if (had) this.stale = true;
    return had;
  }

  hasRule(ruleId: string): boolean {
    return this.rules.has(ruleId);
  }

  get size(): number {
    return this.rules.size;
  }

  /** The ids of every rule the event matches (each once, in no particular order). */
  matches(event: unknown): string[] {
    return this.matchesFlat(flattenEvent(event));
  }

  matchesFlat(flat: FlatEvent): string[] {
    if (this.stale) this.rebuild();
    const found = new Set<string>();
    this.visit(this.root, flat, NONE, found);
    return [...found];
  }

  private rebuild(): void {
    this.root = new State();
    this.stale = false;
    for (const [id, compiled] of this.rules) this.insert(id, compiled);
  }

  private insert(ruleId: string, compiled: CompiledPattern): void {
    for (const alternative of compiled.alternatives) {
      let state = this.root;
      for (const cond of alternative) {
        let ft = state.fields.get(cond.path);
        if (!ft) state.fields.set(cond.path, (ft = new FieldTransitions()));
        let next = ft.byCondition.get(cond.id);
        if (!next) {
          next = new State();
          ft.byCondition.set(cond.id, next);
          ft.add(cond.atoms, next);
        }
        state = next;
      }
      state.rules.add(ruleId);
    }
  }

  private visit(state: State, flat: FlatEvent, membership: Membership, found: Set<string>): void {
    for (const id of state.rules) found.add(id);
    for (const [path, ft] of state.fields) {
      const leaves = flat.get(path);
      if (ft.absent.length && !(leaves && leaves.some((l) => consistent(l.membership, membership)))) {
        for (const next of ft.absent) this.visit(next, flat, membership, found);
      }
      if (!leaves) continue;
      for (const leaf of leaves) {
        if (leaf.membership.length && !consistent(leaf.membership, membership)) continue;
        const nexts: State[] = [];
        ft.collect(leaf, nexts);
        if (nexts.length === 0) continue;
        const merged = mergeMembership(membership, leaf.membership);
        for (const next of nexts) this.visit(next, flat, merged, found);
      }
    }
  }
}

/** Does one pattern match one event? (A single-rule matcher; use PatternMatcher for many rules.) */
export function matchesPattern(pattern: string | object, event: unknown): boolean {
  const m = new PatternMatcher();
  m.addRule('rule', pattern);
  return m.matches(event).length > 0;
}
