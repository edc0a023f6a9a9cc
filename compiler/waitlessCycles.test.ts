import { formatDiagnostic, type Diagnostic } from '../schemas/diagnostic';
import { compile } from './compile';

const header = 'workflow: t\nversion: 1\n';
const lines = (ds: Diagnostic[]) => ds.map(formatDiagnostic);

describe('validate: loops with no wait, call or await', () => {
  it('warns about a loop through an if, at file:line:col of its first step', () => {
    const r = compile(`${header}steps:\n  - id: count\n    set: { n: 1 }\n  - id: again\n    if: "{% $n > 0 %}"\n    then: count\n    else: count\n`, 't.yaml');
    expect(lines(r.diagnostics)).toEqual([
      "t.yaml:4:9: warning: steps 'count', 'again' loop with no wait, call or await on the loop: unless a condition leaves it, the execution fails at AWS's 25 000 history events [steps[0].id]",
    ]);
    // A warning: the workflow still compiles (a loop with an exit condition is legitimate).
    expect(r.artifact).toBeDefined();
  });

  it('warns about an if that jumps to itself', () => {
    const r = compile(`${header}steps:\n  - id: spin\n    if: "{% true %}"\n    then: spin\n    else: [{ id: done, succeed: true }]\n`, 't.yaml');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['waitless-loop']);
  });

  it.each([
    ['a wait', '  - id: pause\n    wait: 1h\n'],
    ['a call', '  - id: read\n    call: fhir.read\n    with: { reference: "Patient/1" }\n'],
  ])('is quiet when the loop has %s on it', (_name, blocking) => {
    const r = compile(`${header}steps:\n  - id: count\n    set: { n: 1 }\n${blocking}  - id: again\n    if: "{% $n > 0 %}"\n    then: count\n    else: [{ id: done, succeed: true }]\n`, 't.yaml');
    expect(r.diagnostics.filter((d) => d.code === 'waitless-loop')).toEqual([]);
  });

  it("refuses a workflow whose state machine exceeds AWS's 1 MB definition quota", () => {
    const big = 'x'.repeat(1_100_000);
    const r = compile(`${header}steps:\n  - id: a\n    set: { blob: "${big}" }\n`, 't.yaml');
    expect(r.artifact).toBeUndefined();
    // At the step that makes it large (line 4: `- id: a`), naming the quota's value.
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'definition-size', line: 4, col: 5, path: 'steps[0]' })]);
    expect(r.diagnostics[0]?.message).toContain("over AWS's 1 MB definition quota (1048576 bytes); its largest part is step 'a'");
  });
});
