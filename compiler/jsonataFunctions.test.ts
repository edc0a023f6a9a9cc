import jsonata from 'jsonata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateJsonata } from '../engine/interpreter/jsonataEval';
import { JSONATA_FUNCTIONS, JSONATA_LIBRARY_FUNCTIONS, STEP_FUNCTIONS_JSONATA_FUNCTIONS } from '../schemas/jsonataFunctions';
import { compile } from './compile';

const FIXTURE = 'compiler/fixtures/unknown-function.yaml';
const source = readFileSync(join(__dirname, '..', FIXTURE), 'utf8');
const env = { now: Date.UTC(2026, 2, 28, 12), random: () => 0.5 };

function workflow(expr: string): string {
  return ['workflow: fn-check', 'version: 1', 'steps:', '  - id: x', '    set:', `      v: "{% ${expr} %}"`, ''].join('\n');
}

describe('JSONata function set (AWS Step Functions: JSONata 2.0.6 without $eval, plus $partition $range $hash $random $uuid $parse)', () => {
  it('refuses an unknown function at file:line:col with what to use instead', () => {
    const { diagnostics, artifact } = compile(source, FIXTURE);
    expect(artifact).toBeUndefined();
    const unknown = diagnostics.find((d) => d.code === 'unknown-function');
    expect(unknown).toMatchObject({ severity: 'error', line: 9, col: 9, path: 'steps[1].if' });
    expect(unknown?.message).toContain('$startsWith');
    expect(unknown?.suggestion).toContain('$substring');
  });

  it("refuses an IANA zone as $fromMillis' offset argument (it renders NaN:NaN) and points at the zone", async () => {
    const { diagnostics } = compile(source, FIXTURE);
    const zone = diagnostics.find((d) => d.code === 'jsonata-timezone');
    expect(zone).toMatchObject({ severity: 'error', line: 15 });
    const line = source.split('\n')[14] ?? '';
    expect(line.slice((zone?.col ?? 0) - 1)).toMatch(/^'Europe\/Berlin'/);
    expect(zone?.suggestion).toContain('time.format');
    // The failure it prevents: jsonata itself renders NaN for a zone name.
    await expect(jsonata("$fromMillis(0, '[H01]:[m01]', 'Europe/Berlin')").evaluate({})).resolves.toBe('NaN:NaN');
  });

  it('suggests the closest function for a typo and $parse for $eval', () => {
    const typo = compile(workflow("$uppercse('a')"), 'w.yaml').diagnostics.find((d) => d.code === 'unknown-function');
    expect(typo?.suggestion).toBe('$uppercase');
    const evalCall = compile(workflow("$eval('[1]')"), 'w.yaml').diagnostics.find((d) => d.code === 'unknown-function');
    expect(evalCall?.message).toContain('not available');
    expect(evalCall?.suggestion).toBe('$parse');
  });

  it('accepts every function of the set, locally bound functions, and offsets as zones', () => {
    for (const expr of [
      "$hash('a', 'SHA-256') & $uuid() & $string($range(1, 3)) & $string($partition([1, 2], 1))",
      '($f := function($v) { $v + 1 }; $f(1))',
      "$fromMillis(0, '[H01]', '+0100')",
      '$map([1], $string)',
    ]) {
      const r = compile(workflow(expr), 'w.yaml');
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    }
  });

  it('the local engine offers exactly that set: each is a function, $eval fails, an unknown name fails', async () => {
    const states = { input: {}, context: {} };
    for (const name of JSONATA_FUNCTIONS) expect([name, await evaluateJsonata(`{% $type($${name}) %}`, states, {}, 'Output', env)]).toEqual([name, 'function']);
    await expect(evaluateJsonata("{% $eval('1') %}", states, {}, 'Output', env)).rejects.toMatchObject({ error: 'States.QueryEvaluationError' });
    await expect(evaluateJsonata("{% $startsWith('ab', 'a') %}", states, {}, 'Output', env)).rejects.toMatchObject({ error: 'States.QueryEvaluationError' });
    expect(JSONATA_FUNCTIONS.size).toBe(new Set([...JSONATA_LIBRARY_FUNCTIONS, ...STEP_FUNCTIONS_JSONATA_FUNCTIONS]).size);
  });

  it('the library list matches the jsonata package: every name is a function there', async () => {
    for (const name of JSONATA_LIBRARY_FUNCTIONS) expect([name, await jsonata(`$type($${name})`).evaluate({})]).toEqual([name, 'function']);
  });

  it('clinflow validate exits 1 on the unknown function and prints file:line:col with the suggestion', async () => {
    const { main } = await import('../cli/main');
    let stderr = '';
    const o = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
    try {
      expect(await main(['validate', FIXTURE])).toBe(1);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    expect(stderr).toContain(`${FIXTURE}:9:9: error: unknown JSONata function $startsWith`);
    expect(stderr).toContain('(did you mean $substring(text, 0, $length(prefix)) = prefix?)');
  });
});
