/**
 * The shell commands a reader of the README (or a docs/ page) is told to type: every line of a
 * fenced `sh`/`bash`/`shell`/`console` block, and every table row whose first cell is an `npm …` or
 * `npx …` code span. Driven by the documents themselves, so a command someone adds is picked up and
 * must be given an expectation (docCommandExpectations.ts) before the suite passes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface DocCommand {
  /** Repository-relative file, e.g. `README.md`. */
  file: string;
  /** 1-based line the command is on. */
  line: number;
  /** The command as typed, whitespace collapsed, comment removed; `a && b` gives two commands. */
  text: string;
}

const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

/** Collapses runs of whitespace, so alignment padding in the docs does not change a command's key. */
export const normalizeCommand = (text: string): string => text.trim().replace(/\s+/g, ' ');

/** Drops a trailing ` # comment` that is outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i);
  }
  return line;
}

function split(text: string, file: string, line: number): DocCommand[] {
  return text
    .split(/\s&&\s/)
    .map(normalizeCommand)
    .filter((t) => t !== '')
    .map((t) => ({ file, line, text: t }));
}

export function extractCommands(markdown: string, file: string): DocCommand[] {
  const out: DocCommand[] = [];
  let fence: { marker: string; shell: boolean } | undefined;
  let pending: { text: string; line: number } | undefined;
  markdown.split('\n').forEach((raw, i) => {
    const open = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(raw);
    if (fence) {
      if (open && open[1]!.startsWith(fence.marker) && open[2] === '') {
        fence = undefined;
        return;
      }
      if (!fence.shell) return;
      const body = raw.replace(/^\s*\$\s+/, '');
      if (pending === undefined && /^\s*(#|$)/.test(body)) return;
      const code = stripComment(body).trimEnd();
      const continued = code.endsWith('\\');
      const text = `${pending?.text ?? ''} ${continued ? code.slice(0, -1) : code}`;
      const line = pending?.line ?? i + 1;
      if (continued) pending = { text, line };
      else {
        pending = undefined;
        out.push(...split(text, file, line));
      }
      return;
    }
    if (open) {
      fence = { marker: open[1]!, shell: SHELL_LANGS.has(open[2]!.toLowerCase()) };
      return;
    }
    const row = /^\|\s*`((?:npm|npx)\s[^`]*)`\s*\|/.exec(raw);
    if (row) out.push(...split(row[1]!.replace(/\\\|/g, '|'), file, i + 1));
  });
  return out;
}

/** README.md and every Markdown page under docs/, in that order. */
export function commandsInDocs(root: string): DocCommand[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) files.push(rel);
    }
  };
  walk('docs');
  return files.flatMap((f) => extractCommands(readFileSync(path.join(root, f), 'utf8'), f));
}
