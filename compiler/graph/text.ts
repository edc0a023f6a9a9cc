/** Text helpers for the renderers: clipping, XML escaping, width estimates without a browser. */

/** At most `max` characters, with an ellipsis when cut (a 5 MB description must not become a 5 MB picture). */
export function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

/** Safe in XML text and in double- or single-quoted attributes. */
export function escapeXml(s: string): string {
  // Characters XML 1.0 forbids even escaped (controls other than tab/newline/CR, lone surrogates) are dropped.
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const NARROW = new Set([...`iIl.,:;'|!()[]{}ftrj `]);
const WIDE = new Set([...'mwMWOQGDHNU@%&']);

/**
 * Estimated width in px of `s` in a sans-serif font: no browser measures it, so it is an average
 * per character class (Helvetica/Arial/DejaVu proportions), erring wide so text stays inside its box.
 */
export function textWidth(s: string, fontSize: number): number {
  let em = 0;
  for (const c of s) {
    if (NARROW.has(c)) em += 0.32;
    else if (WIDE.has(c)) em += 0.86;
    else if (c >= 'A' && c <= 'Z') em += 0.68;
    else if (c.codePointAt(0)! > 0x2e80)
      em += 1; // CJK and other full-width scripts
    else em += 0.58;
  }
  return Math.ceil(em * fontSize);
}

/** Lines of at most `maxWidth` px (words broken when longer than a line), at most `maxLines` (the last one ending in … when cut). */
export function wrap(s: string, maxWidth: number, fontSize: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  // Only what can show is wrapped: a long text costs no more than a short one.
  for (const word of clip(s, maxLines * 200)
    .split(/\s+/)
    .filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (textWidth(candidate, fontSize) <= maxWidth) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    let rest = word;
    while (textWidth(rest, fontSize) > maxWidth) {
      let n = rest.length;
      while (n > 1 && textWidth(rest.slice(0, n), fontSize) > maxWidth) n--;
      lines.push(rest.slice(0, n));
      rest = rest.slice(n);
    }
    line = rest;
    if (lines.length > maxLines) break;
  }
  if (line) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  let last = kept.pop() ?? '';
  while (last.length > 0 && textWidth(`${last}…`, fontSize) > maxWidth) last = last.slice(0, -1);
  kept.push(`${last.trimEnd()}…`);
  return kept;
}
