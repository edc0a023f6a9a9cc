// Size: the encoder and the decoder of one binary format: they must change together, and the layout
// comment below documents both.
import type { HistoryEventDraft, HistorySink } from '../interpreter/contract';
import { StateEnteredDetails, StateExitedDetails } from '../interpreter/historyDetails';
import { Kind, RECENT, StringTable } from './chunkStringTable';
import type { StateNameDictionary } from './stateNameDictionary';
import { unzigzag, VarintWriter, zigzag } from './varintWriter';

/** One stored event: the interpreter's draft with its id filled in. */
export type StoredEvent = HistoryEventDraft & { id: number };

/**
 * The binary form of one step's history events (one `sfn_history` row). A step that runs a chain
 * of Pass states journals thousands of events whose names and payloads repeat. Each event is a
 * template (its type and detail keys, stored once) and one small varint per detail value; repeated
 * strings are references, and a state that passes its input through exits with a one-byte event, so
 * a Pass state's two events take 4 bytes plus its name. Encoding does
 * no JSON escaping and no compression, which is what made the JSON-array form cost more than the
 * peer's whole run.
 *
 * Layout: 'H', version, then varints: event count, first id, first timestamp; the templates (type
 * string, key count + 1 (0 = no details), key strings; all as indexes into the string table); the
 * events; then the string count, each string's UTF-16 length and all strings' UTF-8 text. An event
 * is a header `template * 8 + (same values as the previous event ? 4 : 0) + (timestamp changed ? 2 : 0)
 * + (id delta other than 1 ? 1 : 0)`, the id delta and zig-zag timestamp delta when flagged, and
 * (unless the same) one value tag per template key, `n * 8 + kind`:
 *   0 string n · 1 JSON text n (any other JSON value) · 2 the integer n · 3 the integer -n ·
 *   4 the string at position n (0-3) of the recently-used list · 5 a new string (the next index) ·
 *   6 new JSON text (the next index) · 7 a state name of the revision's dictionary: n is the zig-zag
 *   difference from the previous state name's number (states mostly run in definition order: 1 byte).
 * The recently-used list holds the last four distinct string values referred to, most recent
 * first: a state's Exited event repeats its Entered event's name, a value that flows through
 * unchanged repeats its payload, and a small loop repeats its states' names. Strings missing from it
 * are looked up in a map only when long (payloads); a short name that recurs outside the list is
 * stored again, which costs a few bytes, where hashing every unique name of a 1000-state chain
 * would cost more than the rest of the encoding.
 */
export const CHUNK_MAGIC = 0x48; // 'H'
/** Most events in one chunk (a GetExecutionHistory page holds at most 1000). */
export const CHUNK_EVENTS = 1024;

/** One stored chunk: its events' ids `first`..`last` and its bytes. */
export interface EncodedChunk {
  first: number;
  last: number;
  bytes: Buffer;
}
const VERSION = 7;
/** The string text is a JSON array (used when a string is not well-formed UTF-16). */
const VERSION_JSON_STRINGS = 8;

export function isHistoryChunk(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === CHUNK_MAGIC && (bytes[1] === VERSION || bytes[1] === VERSION_JSON_STRINGS);
}

const MAX_INLINE = 2 ** 49;
interface Template {
  index: number;
  type: string;
  /** undefined: the event has no details. */
  keys: string[] | undefined;
  /** The two shapes most events have (a state's Entered and Exited events), which the sink's entered/exited reuse. */
  shape: 'nameInput' | 'nameOutput' | 'other';
}

/** Finds (or adds) the template for an event: its type and the keys of its defined detail values. */
function templateOf(list: Template[], templates: Template[], type: string, d: Record<string, unknown> | undefined): Template {
  for (let i = 0; i < list.length; i++) if (sameKeys(list[i]!.keys, d)) return list[i]!;
  let keys: string[] | undefined;
  if (d) {
    keys = [];
    for (const key in d) if (d[key] !== undefined) keys.push(key);
  }
  const joined = keys?.join(',');
  const t: Template = { index: templates.length, type, keys, shape: joined === 'name,input' ? 'nameInput' : joined === 'name,output' ? 'nameOutput' : 'other' };
  templates.push(t);
  list.push(t);
  return t;
}

function sameKeys(keys: string[] | undefined, d: Record<string, unknown> | undefined): boolean {
  if (!keys || !d) return keys === undefined && d === undefined;
  let i = 0;
  for (const key in d) {
    if (d[key] === undefined) continue;
    if (keys[i] !== key) return false;
    i++;
  }
  return i === keys.length;
}

function putValue(body: VarintWriter, table: StringTable, v: unknown): void {
  if (typeof v === 'string') body.put(table.tag(v));
  else if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < MAX_INLINE && !Object.is(v, -0)) body.put(v >= 0 ? v * 8 + Kind.Int : -v * 8 + Kind.NegInt);
  else body.put(table.jsonTag(JSON.stringify(v)));
}

const NAME_INDEX = Symbol('stateNameIndex');
type NameIndexCache = { [NAME_INDEX]?: { dict: ReadonlyMap<string, number>; n: number | undefined } };

/**
 * A state's number in the dictionary, cached on the state's definition object (a revision's parsed
 * definition is reused by all its executions), so an entered state costs no map look-up.
 */
function nameIndex(dict: ReadonlyMap<string, number>, name: string, state: object | undefined): number | undefined {
  if (!state) return dict.get(name);
  const cached = (state as NameIndexCache)[NAME_INDEX];
  if (cached !== undefined && cached.dict === dict) return cached.n;
  const n = dict.get(name);
  // Not enumerable: definitions are compared and serialised elsewhere.
  Object.defineProperty(state, NAME_INDEX, { value: { dict, n }, writable: true, configurable: true });
  return n;
}

// Scratch space is pooled: allocating (and page-faulting in) fresh space per step cost more than
// the encoding. A builder holds its own buffers while a step runs (steps interleave at awaits) and
// returns them when it finishes; only the exact-size result is new.
const scratchPool: Buffer[] = [];
const acquire = (): Buffer => scratchPool.pop() ?? Buffer.allocUnsafeSlow(64 * 1024);
const release = (b: Buffer): void => {
  // Keep space for later steps, unless one huge step grew it past 1 MiB.
  if (b.length <= 1 << 20 && scratchPool.length < 8) scratchPool.push(b);
};

/**
 * Builds one step's chunk event by event. It is the interpreter's history sink in the engine (the
 * Entered/Exited events arrive as values, with no event or details objects made for them), and
 * `encodeHistoryChunk` feeds it drafts. A step longer than `CHUNK_EVENTS` events is cut into
 * several chunks (`finishAll`), each complete on its own, so a history page reads one or two of
 * them whatever the step's length.
 */
export class ChunkBuilder implements HistorySink {
  private readonly dict: ReadonlyMap<string, number> | undefined;
  private table = new StringTable();
  private byType = new Map<string, Template[]>();
  private templates: Template[] = [];
  private body = new VarintWriter(acquire());
  /** Events of the open chunk. */
  private count = 0;
  /** Events of the chunks already cut. */
  private sealedCount = 0;
  private readonly sealed: EncodedChunk[] = [];
  private stepFirst = 0;
  private first = 0;
  private firstTs = 0;
  private prevId = 0;
  private prevTs = 0;
  // The templates of the last two types, found by reference: event types are constant strings.
  private typeA = '';
  private listA: Template[] = [];
  private typeB = '';
  private listB: Template[] = [];
  private prevName: string | undefined;
  private prevValue: string | undefined;
  /** Number of the last state name written by reference (-1: none yet). */
  private prevState = -1;

  /** `maxEvents`: events per chunk before the step is cut (Infinity: one chunk, `finish`). */
  constructor(
    dictionary?: StateNameDictionary,
    private readonly maxEvents = CHUNK_EVENTS,
  ) {
    this.dict = dictionary?.index;
  }

  /** Number of events added. */
  get size(): number {
    return this.sealedCount + this.count;
  }

  /** Id of the first event added. */
  get firstId(): number {
    return this.sealedCount ? this.stepFirst : this.first;
  }

  /** Id of the last event added (0 when none). */
  get lastId(): number {
    return this.prevId;
  }

  entered(type: string, timestamp: number, id: number, name: string, input: string, state?: object): void {
    if (this.count === this.maxEvents) this.cut();
    this.known(this.knownTemplate(type, 'nameInput'), timestamp, id, name, input, state);
  }

  exited(type: string, timestamp: number, id: number, name: string, output: string): void {
    if (this.count === this.maxEvents) this.cut();
    this.known(this.knownTemplate(type, 'nameOutput'), timestamp, id, name, output, undefined);
  }

  event(type: string, timestamp: number, id: number, details: Record<string, unknown> | undefined): void {
    if (details instanceof StateEnteredDetails) return this.entered(type, timestamp, id, details.name, details.input, details.stateDefinition());
    if (details instanceof StateExitedDetails) return this.exited(type, timestamp, id, details.name, details.output);
    if (this.count === this.maxEvents) this.cut();
    const t = templateOf(this.listOf(type), this.templates, type, details);
    this.header(t, timestamp, id, 0);
    this.prevName = undefined;
    this.prevValue = undefined;
    if (!details) return;
    const keys = t.keys ?? [];
    for (let k = 0; k < keys.length; k++) putValue(this.body, this.table, details[keys[k]!]);
  }

  /**
   * Every chunk of the step, in order; the last one is written to `alloc(size)` (the others were
   * cut as the step ran). The builder is spent afterwards.
   */
  finishAll(alloc?: (size: number) => Buffer): EncodedChunk[] {
    const first = this.first;
    const last = this.prevId;
    return this.count ? [...this.sealed, { first, last, bytes: this.seal(alloc) }] : this.sealed;
  }

  /** The open chunk (the whole step when it was not cut), written to `alloc(size)`; the builder is spent afterwards. */
  finish(alloc?: (size: number) => Buffer): Buffer {
    if (this.sealed.length) throw new Error('the step was cut into several chunks: use finishAll');
    return this.seal(alloc);
  }

  private seal(alloc: (size: number) => Buffer = (size) => Buffer.allocUnsafe(size)): Buffer {
    const { table, body } = this;
    const head = new VarintWriter(acquire());
    head.buf[0] = CHUNK_MAGIC;
    head.o = 2;
    head.put(this.count);
    head.put(this.first);
    head.put(this.firstTs);
    head.put(this.templates.length);
    for (const t of this.templates) {
      head.put(table.intern(t.type));
      if (!t.keys) {
        head.put(0);
        continue;
      }
      head.put(t.keys.length + 1);
      for (const key of t.keys) head.put(table.intern(key));
    }
    const strings = table.strings;
    let text = strings.join('');
    let version = VERSION;
    if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      // A lone surrogate would not survive UTF-8; JSON escapes it.
      text = JSON.stringify(strings);
      version = VERSION_JSON_STRINGS;
    }
    head.buf[1] = version;
    // The string count and lengths follow the events.
    body.put(strings.length);
    if (version === VERSION) for (const str of strings) body.put(str.length);
    const textBytes = Buffer.byteLength(text, 'utf8');
    const out = alloc(head.o + body.o + textBytes);
    head.buf.copy(out, 0, 0, head.o);
    body.buf.copy(out, head.o, 0, body.o);
    out.write(text, head.o + body.o, 'utf8');
    release(head.buf);
    release(body.buf);
    return out;
  }

  /** Closes the open chunk and starts the next one with fresh tables (each chunk decodes alone). */
  private cut(): void {
    const first = this.first;
    const last = this.prevId;
    if (!this.sealedCount) this.stepFirst = first;
    this.sealedCount += this.count;
    this.sealed.push({ first, last, bytes: this.seal() });
    this.table = new StringTable();
    this.byType = new Map();
    this.templates = [];
    this.body = new VarintWriter(acquire());
    this.count = 0;
    this.typeA = this.typeB = '';
    this.listA = this.listB = [];
    this.prevName = this.prevValue = undefined;
    this.prevState = -1;
  }

  private known(t: Template, timestamp: number, id: number, name: string, value: string, state: object | undefined): void {
    // A state that passes its input through exits with the values it entered with: flag, no values.
    const same = name === this.prevName && value === this.prevValue ? 4 : 0;
    this.header(t, timestamp, id, same);
    this.prevName = name;
    this.prevValue = value;
    if (same) return;
    const dict = this.dict;
    const n = dict && (state ? nameIndex(dict, name, state) : dict.get(name));
    if (n === undefined) this.body.put(this.table.tag(name));
    else {
      this.body.put(zigzag(n - this.prevState) * 8 + Kind.StateName);
      this.prevState = n;
    }
    this.body.put(this.table.tag(value));
  }

  private header(t: Template, timestamp: number, id: number, same: number): void {
    if (this.count++ === 0) {
      // The first event's id and timestamp are in the chunk header: its deltas are 0.
      this.first = this.prevId = id;
      this.firstTs = this.prevTs = timestamp;
    }
    const idDelta = id - this.prevId;
    const tsDelta = timestamp - this.prevTs;
    this.prevId = id;
    this.prevTs = timestamp;
    const idFlag = idDelta === 1 || this.count === 1 ? 0 : 1;
    const body = this.body;
    body.put(t.index * 8 + same + (tsDelta === 0 ? 0 : 2) + idFlag);
    if (idFlag) body.put(idDelta);
    if (tsDelta !== 0) body.put(zigzag(tsDelta));
  }

  private listOf(type: string): Template[] {
    if (type === this.typeA) return this.listA;
    if (type === this.typeB) return this.listB;
    let list = this.byType.get(type);
    if (!list) this.byType.set(type, (list = []));
    this.typeB = this.typeA;
    this.listB = this.listA;
    this.typeA = type;
    this.listA = list;
    return list;
  }

  private knownTemplate(type: string, shape: 'nameInput' | 'nameOutput'): Template {
    const list = this.listOf(type);
    for (let i = 0; i < list.length; i++) if (list[i]!.shape === shape) return list[i]!;
    const t: Template = { index: this.templates.length, type, keys: shape === 'nameInput' ? ['name', 'input'] : ['name', 'output'], shape };
    this.templates.push(t);
    list.push(t);
    return t;
  }
}

/**
 * Encodes a step's events. `alloc` gives the buffer the result is written to (default: a new one);
 * a caller that only hands the bytes on (SQLite copies them) can pass reusable space.
 */
export function encodeHistoryChunk(events: readonly StoredEvent[], alloc?: (size: number) => Buffer, dictionary?: StateNameDictionary): Buffer {
  const builder = new ChunkBuilder(dictionary, Infinity);
  for (const ev of events) builder.event(ev.type, ev.timestamp, ev.id, ev.details);
  return builder.finish(alloc);
}

/**
 * Which events of a chunk `decodeHistoryChunk` builds: those with `from <= id <= to`, at most `take`
 * of them (the first ones, or the last ones with `fromEnd`), leaving out the detail values named in
 * `skipKeys` (a history page without execution data needs no payload decoded). The whole chunk is
 * still scanned (its string table follows the events), but only the chosen events are built.
 */
export interface ChunkSelection {
  from?: number;
  to?: number;
  take?: number;
  fromEnd?: boolean;
  skipKeys?: ReadonlySet<string>;
}

/** Decodes a chunk; `stateNames` is the dictionary of the execution's revision (needed when the chunk refers to it). */
export function decodeHistoryChunk(buf: Uint8Array, stateNames?: readonly string[], select: ChunkSelection = {}): StoredEvent[] {
  if (!isHistoryChunk(buf)) throw new Error('not a history chunk');
  const from = select.from ?? -Infinity;
  const to = select.to ?? Infinity;
  const take = select.take ?? Infinity;
  // Taking the first `take` events, recording stops once they are found; taking the last ones, every
  // event in range is recorded (as a few integers) and only the last `take` are built.
  const stopAfter = select.fromEnd ? Infinity : take;
  const skip = select.skipKeys;
  let o = 2;
  const get = (): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = buf[o++];
      if (b === undefined) throw new Error('truncated history chunk');
      n += (b & 127) * scale;
      if (b < 128) return n;
      scale *= 128;
    }
  };
  const nEvents = get();
  let id = get();
  let ts = get();
  const nTemplates = get();
  const templates: Array<{ type: number; keys: number[] | undefined }> = [];
  for (let i = 0; i < nTemplates; i++) {
    const type = get();
    const count = get();
    let keys: number[] | undefined;
    if (count > 0) {
      keys = [];
      for (let k = 1; k < count; k++) keys.push(get());
    }
    templates.push({ type, keys });
  }
  // Events come before the strings: resolve every value to a string index (or an integer) first,
  // replaying the encoder's recently-used list and its count of new strings. Only the selected
  // events' values are recorded (`raw`, from `starts`); the previous event's are kept for the
  // "same values" flag.
  const raw: number[] = [];
  const starts: number[] = [];
  const shapes: number[] = [];
  const recent: number[] = [];
  const toFront = (p: number, i: number): void => {
    for (let k = p; k > 0; k--) recent[k] = recent[k - 1]!;
    recent[0] = i;
  };
  let next = 0;
  let prevValues: number[] = [];
  let values: number[] = [];
  let prevState = -1;
  for (let i = 0; i < nEvents; i++) {
    const h = get();
    const shape = Math.floor(h / 8);
    const t = templates[shape];
    if (!t) throw new Error('corrupt history chunk');
    if (i > 0) id += h & 1 ? get() : 1;
    if (h & 2) ts += unzigzag(get());
    const keep = id >= from && id <= to && starts.length < stopAfter;
    if (keep) {
      starts.push(raw.length);
      shapes.push(shape);
      raw.push(id, ts);
    }
    if (!t.keys) {
      prevValues.length = 0;
      continue;
    }
    if (h & 4) {
      // The same values as the previous event.
      if (prevValues.length !== t.keys.length) throw new Error('corrupt history chunk');
      if (keep) for (const v of prevValues) raw.push(v);
      continue;
    }
    values.length = 0;
    for (let k = 0; k < t.keys.length; k++) {
      const tag = get();
      const n = Math.floor(tag / 8);
      const kind = (tag % 8) as Kind;
      let out: number;
      switch (kind) {
        case Kind.String:
          out = n * 8;
          toFront(Math.min(recent.length, RECENT - 1), n);
          break;
        case Kind.Recent: {
          const value = recent[n];
          if (value === undefined) throw new Error('corrupt history chunk');
          out = value * 8;
          toFront(n, value);
          break;
        }
        case Kind.NewString: {
          const value = next++;
          out = value * 8;
          toFront(Math.min(recent.length, RECENT - 1), value);
          break;
        }
        case Kind.Json:
          out = n * 8 + 1;
          break;
        case Kind.NewJson:
          out = next++ * 8 + 1;
          break;
        case Kind.Int:
          out = n * 8 + 2;
          break;
        case Kind.NegInt:
          out = n * 8 + 3;
          break;
        case Kind.StateName:
          prevState += unzigzag(n);
          if (prevState < 0) throw new Error('corrupt history chunk');
          out = prevState * 8 + 4;
          break;
        default:
          throw new Error('corrupt history chunk');
      }
      values.push(out);
      if (keep) raw.push(out);
    }
    [prevValues, values] = [values, prevValues];
  }
  const nStrings = get();
  const utf16 = buf[1] === VERSION;
  // Strings are cut from the text only when a built event refers to them.
  const offsets: number[] = [];
  if (utf16) {
    let at = 0;
    for (let i = 0; i < nStrings; i++) {
      offsets.push(at);
      at += get();
    }
    offsets.push(at);
  }
  const text = Buffer.from(buf.buffer, buf.byteOffset + o, buf.length - o).toString('utf8');
  const parsed = utf16 ? undefined : (JSON.parse(text) as string[]);
  const str = (i: number): string => {
    const s = parsed ? parsed[i] : i < nStrings ? text.slice(offsets[i], offsets[i + 1]) : undefined;
    if (s === undefined) throw new Error('corrupt history chunk');
    return s;
  };
  const stateName = (i: number): string => {
    if (!stateNames) throw new Error('history chunk refers to state names: the revision dictionary is needed');
    const s = stateNames[i];
    if (s === undefined) throw new Error('history chunk refers to a state name its revision does not have');
    return s;
  };
  const events: StoredEvent[] = [];
  const typeNames = new Map<number, string>();
  const first = Math.max(0, starts.length - take);
  for (let e = first; e < starts.length; e++) {
    const t = templates[shapes[e]!]!;
    let r = starts[e]!;
    let type = typeNames.get(t.type);
    if (type === undefined) typeNames.set(t.type, (type = str(t.type)));
    const ev: StoredEvent = { type, timestamp: raw[r + 1]!, id: raw[r]! };
    r += 2;
    if (t.keys) {
      const details: Record<string, unknown> = {};
      for (const k of t.keys) {
        const key = str(k);
        const v = raw[r++]!;
        if (skip?.has(key)) continue;
        const n = Math.floor(v / 8);
        const kind = v % 8;
        const value = kind === 0 ? str(n) : kind === 1 ? (JSON.parse(str(n)) as unknown) : kind === 2 ? n : kind === 3 ? -n : stateName(n);
        if (key === '__proto__') Object.defineProperty(details, key, { value, enumerable: true, writable: true, configurable: true });
        else details[key] = value;
      }
      ev.details = details;
    }
    events.push(ev);
  }
  return events;
}
