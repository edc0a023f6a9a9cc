/** Strings at least this long are deduplicated across the whole chunk, not only the recent list. */
export const LONG_STRING = 32;
/** Entries in the recently-used list. */
export const RECENT = 4;

/** The low three bits of a value tag (historyChunk.ts documents the layout). */
export enum Kind {
  String = 0,
  Json = 1,
  Int = 2,
  NegInt = 3,
  Recent = 4,
  NewString = 5,
  NewJson = 6,
  /** State name n of the revision's dictionary (stateNameDictionary). */
  StateName = 7,
}

/**
 * The encoder's string table. Detail values go through `tag`: the recently-used list (four entries
 * in locals, compared by reference first), then, for long strings, a map.
 */
export class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  private r0 = '';
  private r1 = '';
  private r2 = '';
  private r3 = '';
  private i0 = -1;
  private i1 = -1;
  private i2 = -1;
  private i3 = -1;
  private size = 0;

  /** A table entry for template strings and JSON text (always deduplicated). */
  intern(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  /** The value tag of a string detail value. */
  tag(s: string): number {
    if (this.size > 0 && s === this.r0) return Kind.Recent;
    if (this.size > 1 && s === this.r1) {
      this.toFront(1, s, this.i1);
      return 8 + Kind.Recent;
    }
    if (this.size > 2 && s === this.r2) {
      this.toFront(2, s, this.i2);
      return 16 + Kind.Recent;
    }
    if (this.size > 3 && s === this.r3) {
      this.toFront(3, s, this.i3);
      return 24 + Kind.Recent;
    }
    let i: number | undefined;
    let tag: number;
    if (s.length >= LONG_STRING && (i = this.index.get(s)) !== undefined) tag = i * 8 + Kind.String;
    else {
      i = this.strings.length;
      this.strings.push(s);
      if (s.length >= LONG_STRING) this.index.set(s, i);
      tag = Kind.NewString;
    }
    this.toFront(RECENT - 1, s, i);
    if (this.size < RECENT) this.size++;
    return tag;
  }

  /** The value tag of any other JSON value (objects, arrays, fractions, booleans, null). */
  jsonTag(text: string): number {
    const i = this.index.get(text);
    if (i !== undefined) return i * 8 + Kind.Json;
    this.index.set(text, this.strings.length);
    this.strings.push(text);
    return Kind.NewJson;
  }

  /** Moves entry `p` to the front (p = 3 on a miss: the last entry drops out), shifting the ones before it back. */
  private toFront(p: number, s: string, i: number): void {
    if (p >= 3) {
      this.r3 = this.r2;
      this.i3 = this.i2;
    }
    if (p >= 2) {
      this.r2 = this.r1;
      this.i2 = this.i1;
    }
    this.r1 = this.r0;
    this.i1 = this.i0;
    this.r0 = s;
    this.i0 = i;
  }
}
