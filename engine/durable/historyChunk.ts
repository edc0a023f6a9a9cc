import type { HistoryEventDraft } from '../interpreter/contract';

/** One stored event: the interpreter's draft with its id filled in. */
export type StoredEvent = HistoryEventDraft & { id: number };

/**
 * The binary form of one step's history events (one `sfn_history` row). A step that runs a chain
 * of Pass states journals thousands of events whose names and payloads repeat: each distinct
 * string (event type, detail key, state name, payload JSON) is stored once, and each event is a few
 * varints pointing into that table. Encoding costs a map look-up per field instead of a
 * JSON.stringify that re-escapes every embedded payload, and no compression is needed for the
 * repetition to vanish.
 *
 * Layout: 'H', version, then varints: event count, first id, first timestamp; the templates (an
 * event type and its detail keys: type string, key count + 1 (0 = no details), keys); the string
 * count and each string's UTF-16 length; the events; then all strings' UTF-8 text. An event is a
 * header `template * 4 + (id delta other than 1 ? 1 : 0) + (timestamp changed ? 2 : 0)`, the id
 * delta and zig-zag timestamp delta when flagged, and one value tag per template key: `i * 4` for
 * string i, `i * 4 + 1` for JSON text i (any other JSON value), `n * 4 + 2` for a non-negative
 * integer n, `n * 4 + 3` for -n. A Pass state's event takes 4 bytes.
 */
export const CHUNK_MAGIC = 0x48; // 'H'
const VERSION = 3;
/** The string text is a JSON array (used when a string is not well-formed UTF-16). */
const VERSION_JSON_STRINGS = 4;

export function isHistoryChunk(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === CHUNK_MAGIC && (bytes[1] === VERSION || bytes[1] === VERSION_JSON_STRINGS);
}

/** A growable byte buffer of varints. */
class Writer {
  buf: Buffer;
  o = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 64));
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.o + n));
    this.buf.copy(bigger, 0, 0, this.o);
    this.buf = bigger;
  }

  put(n: number): void {
    if (this.o + 8 > this.buf.length) this.reserve(8);
    const buf = this.buf;
    while (n >= 128) {
      buf[this.o++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    buf[this.o++] = n;
  }
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);
const MAX_INLINE = 2 ** 50;

interface Template {
  index: number;
  /** undefined: the event has no details. */
  keys: string[] | undefined;
}

/** Finds (or adds) the template for an event: its type and the keys of its defined detail values. */
function templateOf(byType: Map<string, Template[]>, templates: Template[], type: string, d: Record<string, unknown> | undefined): Template {
  let list = byType.get(type);
  if (!list) byType.set(type, (list = []));
  for (let i = 0; i < list.length; i++) if (sameKeys(list[i]!.keys, d)) return list[i]!;
  let keys: string[] | undefined;
  if (d) {
    keys = [];
    for (const key in d) if (d[key] !== undefined) keys.push(key);
  }
  const t: Template = { index: templates.length, keys };
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

export function encodeHistoryChunk(events: readonly StoredEvent[]): Buffer {
  const index = new Map<string, number>();
  const strings: string[] = [];
  // The last two strings seen: a state's Exited event repeats its Entered event's name, and a
  // value that flows through unchanged repeats its payload. Comparing references is cheaper than hashing.
  let lastA = '';
  let lastAi = -1;
  let lastB = '';
  let lastBi = -1;
  const intern = (s: string): number => {
    if (s === lastA) return lastAi;
    if (s === lastB) return lastBi;
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    lastB = lastA;
    lastBi = lastAi;
    lastA = s;
    lastAi = i;
    return i;
  };
  const byType = new Map<string, Template[]>();
  const templates: Template[] = [];
  const types: string[] = [];
  const body = new Writer(events.length * 5 + 32);
  const first = events[0];
  const firstId = first?.id ?? 0;
  const firstTs = first?.timestamp ?? 0;
  let prevId = firstId;
  let prevTs = firstTs;
  for (const ev of events) {
    const d = ev.details;
    const t = templateOf(byType, templates, ev.type, d);
    if (t.index === types.length) types.push(ev.type);
    const idDelta = ev.id - prevId;
    const tsDelta = ev.timestamp - prevTs;
    prevId = ev.id;
    prevTs = ev.timestamp;
    // The first event's id and timestamp are in the header: its deltas are 0.
    const idFlag = idDelta === 1 || ev === first ? 0 : 1;
    body.put(t.index * 4 + idFlag + (tsDelta === 0 ? 0 : 2));
    if (idFlag) body.put(idDelta);
    if (tsDelta !== 0) body.put(zigzag(tsDelta));
    if (!t.keys || !d) continue;
    for (const key of t.keys) {
      const v = d[key];
      if (typeof v === 'string') body.put(intern(v) * 4);
      else if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < MAX_INLINE && !Object.is(v, -0)) body.put(v >= 0 ? v * 4 + 2 : -v * 4 + 3);
      else body.put(intern(JSON.stringify(v)) * 4 + 1);
    }
  }
  const head = new Writer(templates.length * 8 + strings.length * 2 + 64);
  head.buf[0] = CHUNK_MAGIC;
  head.o = 2;
  head.put(events.length);
  head.put(firstId);
  head.put(firstTs);
  head.put(templates.length);
  templates.forEach((t, i) => {
    head.put(intern(types[i]!));
    if (!t.keys) return head.put(0);
    head.put(t.keys.length + 1);
    for (const key of t.keys) head.put(intern(key));
  });
  let text = strings.join('');
  let version = VERSION;
  if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    // A lone surrogate would not survive UTF-8; JSON escapes it.
    text = JSON.stringify(strings);
    version = VERSION_JSON_STRINGS;
  }
  head.buf[1] = version;
  head.put(strings.length);
  if (version === VERSION) for (const s of strings) head.put(s.length);
  const textBytes = Buffer.byteLength(text, 'utf8');
  head.reserve(body.o + textBytes);
  body.buf.copy(head.buf, head.o, 0, body.o);
  head.o += body.o;
  head.buf.write(text, head.o, 'utf8');
  return head.buf.subarray(0, head.o + textBytes);
}

export function decodeHistoryChunk(buf: Uint8Array): StoredEvent[] {
  if (!isHistoryChunk(buf)) throw new Error('not a history chunk');
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
  const nStrings = get();
  const lengths: number[] = [];
  const utf16 = buf[1] === VERSION;
  if (utf16) for (let i = 0; i < nStrings; i++) lengths.push(get());
  // The events come before the text: read their numbers first, resolve strings after.
  const raw: number[] = [];
  const shapes: number[] = [];
  for (let i = 0; i < nEvents; i++) {
    const h = get();
    const t = templates[Math.floor(h / 4)];
    if (!t) throw new Error('corrupt history chunk');
    if (i > 0) id += h & 1 ? get() : 1;
    if (h & 2) ts += unzigzag(get());
    shapes.push(Math.floor(h / 4));
    raw.push(id, ts);
    if (t.keys) for (let k = 0; k < t.keys.length; k++) raw.push(get());
  }
  const text = Buffer.from(buf.buffer, buf.byteOffset + o, buf.length - o).toString('utf8');
  let strings: string[];
  if (utf16) {
    strings = new Array<string>(nStrings);
    let at = 0;
    for (let i = 0; i < nStrings; i++) {
      const len = lengths[i]!;
      strings[i] = text.slice(at, at + len);
      at += len;
    }
  } else strings = JSON.parse(text) as string[];
  const str = (i: number): string => {
    const s = strings[i];
    if (s === undefined) throw new Error('corrupt history chunk');
    return s;
  };
  const events: StoredEvent[] = [];
  let r = 0;
  for (const shape of shapes) {
    const t = templates[shape]!;
    const ev: StoredEvent = { type: str(t.type), timestamp: raw[r + 1]!, id: raw[r]! };
    r += 2;
    if (t.keys) {
      const details: Record<string, unknown> = {};
      for (const k of t.keys) {
        const key = str(k);
        const tag = raw[r++]!;
        const n = Math.floor(tag / 4);
        const kind = tag % 4;
        const value = kind === 0 ? str(n) : kind === 1 ? (JSON.parse(str(n)) as unknown) : kind === 2 ? n : -n;
        if (key === '__proto__') Object.defineProperty(details, key, { value, enumerable: true, writable: true, configurable: true });
        else details[key] = value;
      }
      ev.details = details;
    }
    events.push(ev);
  }
  return events;
}
