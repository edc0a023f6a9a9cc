import { Composer, isMap, isPair, isScalar, isSeq, LineCounter, Parser, visit, YAMLParseError, type CST, type Document, type Node, type Pair } from 'yaml';
import { SOURCE_LIMITS } from './limits';

export type PathSegment = string | number;

/** A parsed YAML file that can say where any value (or key) in it sits. */
export interface YamlSource {
  doc: Document.Parsed;
  /** The file as plain data; undefined when it could not be built (see `refused`). */
  value: unknown;
  lineCounter: LineCounter;
  /** Why the file was not turned into data: too deeply nested, an alias bomb, an unresolvable alias. */
  refused?: { code: 'nesting-depth' | 'alias-limit' | 'yaml'; message: string; offset: number };
  /** 1-based line and column of the value at `path` (or of its key), or of its nearest existing ancestor. */
  position(path: readonly PathSegment[], at?: 'key' | 'value', innerOffset?: number): { line: number; col: number };
}

/**
 * Where character `inner` of a scalar's value sits in the file: exact when the value appears
 * verbatim in its source (plain or quoted without escapes), otherwise the scalar's start.
 */
function innerPosition(text: string, node: unknown, inner: number): number | undefined {
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
  const raw = text.slice(node.range[0], node.range[1]);
  const at = raw.indexOf(node.value);
  return at < 0 ? undefined : node.range[0] + at + Math.max(0, Math.min(inner, node.value.length));
}

/** The first collection (map or list) nested deeper than `limit`, by its offset; walked without recursion. */
function tooDeep(tokens: readonly CST.Token[], limit: number): number | undefined {
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  while (stack.length) {
    const [token, depth] = stack.pop()!;
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth]);
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > limit) return token.offset;
      for (const item of token.items) {
        if (item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

/** The parsed document, as `parseDocument` builds it, but refusing deep nesting before composing (which recurses). */
function compose(text: string, lineCounter: LineCounter): { doc: Document.Parsed; deepAt?: number } {
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const deepAt = tooDeep(tokens, SOURCE_LIMITS.depth);
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true, merge: false, logLevel: 'error' });
  let doc: Document.Parsed | undefined;
  for (const d of composer.compose(deepAt === undefined ? tokens : [], true, text.length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  // compose(…, true) always ends with a document, if an empty one.
  return deepAt === undefined ? { doc: doc! } : { doc: doc!, deepAt };
}

/** Where an alias bomb shows: the first alias whose anchor holds aliases itself (the multiplication), else the first alias. */
function aliasOffset(doc: Document.Parsed): number {
  let first: number | undefined;
  let nested: number | undefined;
  visit(doc, {
    Alias(_, node) {
      first ??= node.range?.[0];
      const target = node.resolve(doc);
      let inner = false;
      if (target) visit(target, { Alias: () => ((inner = true), visit.BREAK) });
      if (inner) {
        nested = node.range?.[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return nested ?? first ?? 0;
}

export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const { doc, deepAt } = compose(text, lineCounter);
  let value: unknown;
  let refused: YamlSource['refused'];
  if (deepAt !== undefined) {
    refused = {
      code: 'nesting-depth',
      message: `YAML nested more than ${SOURCE_LIMITS.depth} levels deep (the limit for a workflow file): flatten it, or move the data into a FHIR resource the workflow reads`,
      offset: deepAt,
    };
  } else {
    try {
      value = doc.toJS({ maxAliasCount: SOURCE_LIMITS.aliases });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      refused = /Excessive alias count/.test(message)
        ? {
            code: 'alias-limit',
            message: `YAML aliases here expand past the limit of ${SOURCE_LIMITS.aliases} (an alias bomb, "billion laughs"): the file is refused; write the values out, or use fewer aliases`,
            offset: aliasOffset(doc),
          }
        : { code: 'yaml', message, offset: 0 };
    }
  }
  const toPos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  /** Each map's pairs by key, built on the first lookup: a path lookup costs its length, not the maps' sizes. */
  const pairsOf = new WeakMap<object, Map<string, Pair>>();
  const pairOf = (map: { items: unknown[] }, key: string): Pair | undefined => {
    let pairs = pairsOf.get(map);
    if (!pairs) {
      pairs = new Map();
      for (const p of map.items) if (isPair(p) && isScalar(p.key) && !pairs.has(String(p.key.value))) pairs.set(String(p.key.value), p);
      pairsOf.set(map, pairs);
    }
    return pairs.get(key);
  };
  return {
    doc,
    value,
    lineCounter,
    ...(refused ? { refused } : {}),
    position(path, at = 'value', innerOffset) {
      let node: unknown = doc.contents;
      let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
      let reached = true;
      for (let i = 0; i < path.length; i++) {
        const seg = path[i];
        if (isMap(node)) {
          const pair = pairOf(node, String(seg));
          if (!pair) {
            reached = false;
            break;
          }
          const last = i === path.length - 1;
          const keyNode = pair.key as Node | null;
          const valueNode = pair.value as Node | null;
          if (last && at === 'key' && keyNode?.range) return toPos(keyNode.range[0]);
          if (valueNode?.range) offset = valueNode.range[0];
          else if (keyNode?.range) offset = keyNode.range[0];
          node = valueNode;
        } else if (isSeq(node) && typeof seg === 'number') {
          const item = node.items[seg] as Node | undefined;
          if (!item?.range) {
            reached = false;
            break;
          }
          offset = item.range[0];
          node = item;
        } else {
          reached = false;
          break;
        }
      }
      if (innerOffset !== undefined && at === 'value' && reached) {
        const exact = innerPosition(text, node, innerOffset);
        if (exact !== undefined) return toPos(exact);
      }
      return toPos(offset);
    },
  };
}

/** `steps[2].with.reference` */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}
