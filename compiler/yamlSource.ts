import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export type PathSegment = string | number;

/** A parsed YAML file that can say where any value (or key) in it sits. */
export interface YamlSource {
  doc: Document.Parsed;
  value: unknown;
  lineCounter: LineCounter;
  /** 1-based line and column of the value at `path` (or of its key), or of its nearest existing ancestor. */
  position(path: readonly PathSegment[], at?: 'key' | 'value'): { line: number; col: number };
}

export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: false });
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
    position(path, at = 'value') {
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
