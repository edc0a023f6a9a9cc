/**
 * Edit distance for "did you mean" suggestions: Levenshtein plus adjacent transpositions (optimal
 * string alignment), case-insensitive, since `wiht` for `with` is the commonest typo.
 */
export function levenshtein(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= x.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      row[j] = v;
    }
  }
  return at(x.length, y.length);
}

/** The closest candidate within a distance that scales with the word's length; ties go to the first. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const d = levenshtein(word, c);
    if (d < bestDistance && d <= limit) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Above this many candidates, a full scan per question would make a file's many mistakes quadratic. */
export const SCAN_LIMIT = 500;

/** `word` with each single character deleted (lower case), for the one-edit index. */
function deletions(word: string): string[] {
  const w = word.toLowerCase();
  const out = [w];
  for (let i = 0; i < w.length; i++) out.push(w.slice(0, i) + w.slice(i + 1));
  return out;
}

/**
 * "Did you mean" over a candidate list asked many times (step ids, variable names). Up to
 * SCAN_LIMIT candidates it answers exactly as `suggest`; over it, from a symmetric-deletion index
 * (two words within one edit — a substitution, an insertion, a deletion or a transposition — share
 * a one-deletion variant), so each question costs the word's length, not the file's size. Only
 * one-edit suggestions are offered then.
 */
export class SuggestionIndex {
  private readonly words: string[];
  private index: Map<string, number[]> | undefined;

  constructor(candidates: Iterable<string>) {
    this.words = [...new Set(candidates)];
  }

  /** The closest candidate that `accept` allows (all by default); ties go to the earliest candidate. */
  suggest(word: string, accept: (candidate: string) => boolean = () => true): string | undefined {
    if (this.words.length <= SCAN_LIMIT) return suggest(word, this.words.filter(accept));
    const index = (this.index ??= this.build());
    const seen = new Set<number>();
    for (const key of deletions(word)) for (const i of index.get(key) ?? []) seen.add(i);
    const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
    let best: number | undefined;
    let bestDistance = Infinity;
    for (const i of seen) {
      const c = this.words[i] as string;
      if (c === word || !accept(c)) continue;
      const d = levenshtein(word, c);
      if (d <= limit && (d < bestDistance || (d === bestDistance && i < (best ?? Infinity)))) {
        best = i;
        bestDistance = d;
      }
    }
    return best === undefined ? undefined : this.words[best];
  }

  private build(): Map<string, number[]> {
    const index = new Map<string, number[]>();
    this.words.forEach((w, i) => {
      for (const key of new Set(deletions(w))) {
        const list = index.get(key);
        if (list) list.push(i);
        else index.set(key, [i]);
      }
    });
    return index;
  }
}
