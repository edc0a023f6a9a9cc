import { compile } from './compile';
import { SOURCE_LIMITS } from './limits';
import { largeWorkflow } from './largeWorkflow.testkit';

const header = 'workflow: t\nversion: 1\n';
const only = (source: string) => {
  const r = compile(source, 't.yaml');
  expect(r.artifact).toBeUndefined();
  return r.diagnostics;
};

describe('limits: each refusal names its limit at file:line:col', () => {
  it('refuses a file over 4 MiB before parsing it, where it crosses the limit', () => {
    const source = `${header}description: ${'x'.repeat(5_000_000)}\nsteps:\n  - { id: a, set: { x: 1 } }\n`;
    expect(only(source)).toEqual([
      expect.objectContaining({
        code: 'file-size',
        line: 3,
        col: SOURCE_LIMITS.bytes - header.length + 1,
        message: expect.stringContaining(`over the limit of ${SOURCE_LIMITS.bytes} bytes (4 MiB)`) as string,
      }),
    ]);
  });

  it("refuses a 1.5 MB description as over AWS's 1 MB definition quota, at the description, not as a 1.5 MB ASL file", () => {
    const ds = only(`${header}description: ${'x'.repeat(1_500_000)}\nsteps:\n  - { id: a, set: { x: 1 } }\n`);
    expect(ds).toEqual([expect.objectContaining({ code: 'definition-size', line: 3, col: 14, path: 'description' })]);
    expect(ds[0]?.message).toMatch(/over AWS's 1 MB definition quota \(1048576 bytes\); its largest part is the description \(1500002 bytes\)/);
  });

  it('refuses nesting deeper than 100 levels at the first collection past it, without overflowing the stack', () => {
    const deep = only(`${header}steps:\n  - id: a\n    set: { x: ${'['.repeat(20_000)}1${']'.repeat(20_000)} }\n`);
    // Levels: the file's map, steps, the step, set, then the lists: the 97th list is the 101st level.
    expect(deep).toEqual([expect.objectContaining({ code: 'nesting-depth', line: 5, col: 15 + 96, message: expect.stringContaining('more than 100 levels') as string })]);
    const atLimit = compile(`${header}steps:\n  - id: a\n    set: { x: ${'['.repeat(96)}1${']'.repeat(96)} }\n`, 't.yaml');
    expect(atLimit.diagnostics).toEqual([]);
  });

  it('refuses step 10 001 at its position, and validates 10 000', () => {
    let source = `${header}steps:\n`;
    for (let i = 0; i <= SOURCE_LIMITS.steps; i++) source += `  - { id: s${i}, set: { v: ${i} } }\n`;
    expect(only(source)).toEqual([
      expect.objectContaining({ code: 'step-count', line: 4 + SOURCE_LIMITS.steps, col: 5, path: `steps[${SOURCE_LIMITS.steps}]`, message: expect.stringContaining('at most 10000 steps') as string }),
    ]);
    const atLimit = compile(largeWorkflow(SOURCE_LIMITS.steps), 'g.yaml').diagnostics;
    expect(atLimit.map((d) => d.code)).toEqual(['definition-size']);
  }, 120_000);

  it('refuses an alias bomb as such, at the first alias that multiplies (line 5: `c: &c [*b, …`)', () => {
    const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) {
      const [name, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const ds = only(`${header}${levels.join('\n')}\nsteps:\n  - { id: a, set: { x: *i } }\n`);
    expect(ds).toEqual([expect.objectContaining({ code: 'alias-limit', line: 5, col: 8, message: expect.stringContaining('alias bomb') as string })]);
    expect(ds[0]?.message).toContain('limit of 100');
    // Ordinary aliases still work.
    expect(compile(`${header}steps:\n  - { id: a, set: &s { x: 1 } }\n  - { id: b, set: *s }\n`, 't.yaml').diagnostics).toEqual([]);
  });

  it('runs a chain of 10 000 steps with no wait (the loop check used to overflow the stack)', () => {
    let source = `${header}steps:\n`;
    for (let i = 0; i < SOURCE_LIMITS.steps; i++) source += `  - { id: s${i}, set: { v: ${i} } }\n`;
    expect(compile(source, 't.yaml').diagnostics).toEqual([]);
  }, 120_000);
});
