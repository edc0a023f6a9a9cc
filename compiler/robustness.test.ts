import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from './compile';

const WORKFLOWS = join(__dirname, '..', 'workflows');
const sources = readdirSync(WORKFLOWS)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))
  .sort()
  .map((f) => [f, readFileSync(join(WORKFLOWS, f), 'utf8')] as const);

/** Damaged variants of a file: each line deleted, and each `key: value` given a value of the wrong shape. */
function* mutants(text: string): Generator<string> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.trim() || lines[i]!.trim().startsWith('#')) continue;
    yield [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n');
    const m = /^(\s*(?:- )?[A-Za-z]+:) .+$/.exec(lines[i]!);
    if (m) for (const v of ['[]', '"{% ) %}"']) yield [...lines.slice(0, i), `${m[1]} ${v}`, ...lines.slice(i + 1)].join('\n');
  }
}

describe('the compiler on damaged input', () => {
  it.each(sources)('%s: never throws; an artifact exactly when there is no error; every diagnostic has a position', (name, text) => {
    let count = 0;
    let rejected = 0;
    const lineCount = text.split('\n').length + 1;
    for (const variant of mutants(text)) {
      count++;
      const r = compile(variant, name);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      expect(r.artifact === undefined).toBe(errors.length > 0);
      if (errors.length) rejected++;
      for (const d of r.diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.line).toBeLessThanOrEqual(lineCount);
        expect(d.col).toBeGreaterThanOrEqual(1);
        expect(d.message.length).toBeGreaterThan(0);
      }
    }
    expect(count).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(count / 3);
  });
});
