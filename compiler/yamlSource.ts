import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export type PathSegment = string | number;

/** A parsed YAML file that can say where any value (or key) in it sits. */
export interface YamlSource {
  doc: Document.Parsed;
  value: unknown;
  lineCounter: LineCounter;
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

export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: false, logLevel: 'error' });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch {
    value = undefined;
  }
  const toPos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  return {
    doc,
    value,
    lineCounter,
    position(path, at = 'value', innerOffset) {
      let node: unknown = doc.contents;
      let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
      for (let i = 0; i < path.length; i++) {
        const seg = path[i];
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
          if (!pair) break;
          const last = i === path.length - 1;
          const keyNode = pair.key as Node | null;
          const valueNode = pair.value as Node | null;
          if (last && at === 'key' && keyNode?.range) return toPos(keyNode.range[0]);
          if (valueNode?.range) offset = valueNode.range[0];
          else if (keyNode?.range) offset = keyNode.range[0];
          node = valueNode;
        } else if (isSeq(node) && typeof seg === 'number') {
          const item = node.items[seg] as Node | undefined;
          if (!item?.range) break;
          offset = item.range[0];
          node = item;
        } else break;
      }
      if (innerOffset !== undefined && at === 'value') {
        const exact = innerPosition(text, node, innerOffset);
        if (exact !== undefined && valueAtPathReached(node, doc, path)) return toPos(exact);
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

/** True when the walk reached the node the path names (not an ancestor it stopped at). */
function valueAtPathReached(node: unknown, doc: Document.Parsed, path: readonly PathSegment[]): boolean {
  return doc.getIn(path, true) === node;
}
