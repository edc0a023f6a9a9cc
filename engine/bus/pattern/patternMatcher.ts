/**
 * Matches an event against every loaded rule at once. Like event-ruler, rules are compiled into
 * one automaton: each rule alternative is a chain of field conditions in path order, chains share
 * their common prefixes, and each state indexes its outgoing conditions by value (hash maps for
 * exact and case-folded values, per-length maps for prefixes and suffixes), so an event walks only
 * the states its own values lead to, whatever the number of rules.
 */
import { LeafKind, atomMatchesLeaf, leafLower, type Atom, type Leaf, type Membership } from './atoms';
import { compilePattern, type CompiledPattern, type FieldCondition } from './compilePattern';
import { PathTrie, consistent, flattenEvent, mergeMembership, type FlatEvent } from './flattenEvent';

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

function pushUnique<K>(map: Map<K, State[]>, key: K, next: State): void {
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
  readonly exactString = new Map<string, State[]>();
  readonly exactNumber = new Map<number, State[]>();
  readonly exactLiteral = new Map<string, State[]>();
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
      if (atom.kind !== 'exact') this.exactOnly = false;
      switch (atom.kind) {
        case 'exact':
          if (atom.valueKind === LeafKind.String) pushUnique(this.exactString, atom.str, next);
          else if (atom.valueKind === LeafKind.Number) pushUnique(this.exactNumber, atom.num, next);
          else pushUnique(this.exactLiteral, atom.valueKind === LeafKind.Null ? 'null' : atom.str, next);
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
  /** True while every condition here is an exact value: then `exactHits` alone answers. */
  exactOnly = true;

  exactHits(leaf: Leaf): State[] | undefined {
    const kind = leaf.kind;
    return kind === LeafKind.String ? this.exactString.get(leaf.str) : kind === LeafKind.Number ? this.exactNumber.get(leaf.num) : this.exactLiteral.get(kind === LeafKind.Null ? 'null' : leaf.str);
  }

  collect(leaf: Leaf, out: State[]): void {
    const kind = leaf.kind;
    const exact = this.exactHits(leaf);
    if (exact) addAll(out, exact);
    if (kind === LeafKind.String) {
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

/** A rule id plus the number of the last match call that reported it (dedupe without a Set). */
class RuleRef {
  seen = 0;
  constructor(readonly id: string) {}
}

class State {
  readonly rules: RuleRef[] = [];
  readonly fields = new Map<string, FieldTransitions>();
  /** `fields` as an array, for the hot loop. */
  readonly fieldList: { pathId: number; ft: FieldTransitions }[] = [];
}

const NONE: Membership = [];

export class PatternMatcher {
  private readonly rules = new Map<string, CompiledPattern>();
  private root = new State();
  private paths = new PathTrie();
  private stale = false;
  private generation = 0;
  /** The order in which chains test fields (a total order shared by all rules); see `rebuild`. */
  private rank = new Map<string, number>();

  /** Adds or replaces a rule. Throws InvalidEventPatternException for a bad pattern. */
  addRule(ruleId: string, pattern: string | object): void {
    const compiled = compilePattern(pattern);
    // A replaced rule, or a field no rule used before, calls for a rebuild (on the next match).
    if (this.rules.has(ruleId) || compiled.alternatives.some((alt) => alt.some((c) => !this.rank.has(c.path)))) this.stale = true;
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
    if (this.stale) this.rebuild();
    const flat = flattenEvent(event, this.paths);
    const found: string[] = [];
    this.generation++;
    this.visit(this.root, flat, NONE, found);
    return found;
  }

  /**
   * Rebuilds the automaton. Fields are tested most selective first: fields whose conditions are
   * exact values, with the most distinct values across rules, split the rule set earliest, so an
   * event walks few states. Fields with `exists: false` go last, after the fields that fix which
   * array element a match is in.
   */
  private rebuild(): void {
    const stats = new Map<string, { values: Set<string>; absent: boolean }>();
    for (const compiled of this.rules.values()) {
      for (const alt of compiled.alternatives) {
        for (const c of alt) {
          let st = stats.get(c.path);
          if (!st) stats.set(c.path, (st = { values: new Set(), absent: false }));
          if (c.hasAbsent) st.absent = true;
          for (const a of c.atoms) if (a.kind === 'exact') st.values.add(a.id);
        }
      }
    }
    const order = [...stats.entries()].sort(([pa, a], [pb, b]) => Number(a.absent) - Number(b.absent) || b.values.size - a.values.size || (pa < pb ? -1 : pa > pb ? 1 : 0));
    this.rank = new Map(order.map(([path], i) => [path, i]));
    this.root = new State();
    this.paths = new PathTrie();
    this.stale = false;
    for (const [id, compiled] of this.rules) this.insert(id, compiled);
  }

  private insert(ruleId: string, compiled: CompiledPattern): void {
    const rankOf = (c: FieldCondition) => this.rank.get(c.path) ?? this.rank.size;
    for (const alternative of compiled.alternatives) {
      let state = this.root;
      const conds = [...alternative].sort((a, b) => rankOf(a) - rankOf(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const cond of conds) {
        let ft = state.fields.get(cond.path);
        if (!ft) {
          state.fields.set(cond.path, (ft = new FieldTransitions()));
          state.fieldList.push({ pathId: this.paths.add(cond.path), ft });
        }
        let next = ft.byCondition.get(cond.id);
        if (!next) {
          next = new State();
          ft.byCondition.set(cond.id, next);
          ft.add(cond.atoms, next);
        }
        state = next;
      }
      if (!state.rules.some((r) => r.id === ruleId)) state.rules.push(new RuleRef(ruleId));
    }
  }

  private visit(state: State, flat: FlatEvent, membership: Membership, found: string[]): void {
    for (const r of state.rules) {
      if (r.seen !== this.generation) {
        r.seen = this.generation;
        found.push(r.id);
      }
    }
    for (const { pathId, ft } of state.fieldList) {
      const leaves = flat[pathId];
      if (ft.absent.length && !(leaves && leaves.some((l) => consistent(l.membership, membership)))) {
        for (const next of ft.absent) this.visit(next, flat, membership, found);
      }
      if (!leaves) continue;
      for (const leaf of leaves) {
        if (leaf.membership.length && !consistent(leaf.membership, membership)) continue;
        let nexts: State[] | undefined;
        if (ft.exactOnly) nexts = ft.exactHits(leaf);
        else ft.collect(leaf, (nexts = []));
        if (nexts === undefined || nexts.length === 0) continue;
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
