import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const aslValidator = createRequire(__filename)('asl-validator') as (def: unknown) => { isValid: boolean };

const ROOT = join(__dirname, '..', '..');

function clinflow(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/clinflow.js'), ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** In-process run of the same entry point (spawning tsx costs seconds per call on a busy machine). */
async function inProcess(...args: string[]) {
  const { main } = await import('../main');
  let stdout = '';
  let stderr = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('clinflow validate / compile / graph / schema', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'clinflow-cli-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('validate: exit 0 on the shipped workflows', () => {
    const r = clinflow('validate', 'workflows');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+ workflow files checked: 0 errors, 0 warnings\n$/);
    expect(r.code).toBe(0);
  });

  it('validate: exit 1 with file:line:col diagnostics, no colour when not a terminal; --json lists them', async () => {
    const r = clinflow('validate', 'compiler/fixtures/unknown-task.yaml', 'compiler/fixtures/misspelled-key.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("compiler/fixtures/unknown-task.yaml:5:11: error: unknown task 'reminders.plna' [steps[0].call] (did you mean reminders.plan?)");
    expect(r.stderr).toContain("compiler/fixtures/misspelled-key.yaml:10:5: error: unknown key 'wiht' [steps[0].wiht] (did you mean with?)");
    expect(r.stderr).not.toContain('\x1b[');
    const j = await inProcess('validate', '--json', 'compiler/fixtures/unknown-task.yaml');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual([
      {
        file: 'compiler/fixtures/unknown-task.yaml',
        ok: false,
        diagnostics: [expect.objectContaining({ line: 5, col: 11, severity: 'error', path: 'steps[0].call', suggestion: 'reminders.plan', code: 'unknown-task' })],
      },
    ]);
  });

  it('exit 2 on usage errors: a missing path, a missing --out, an unknown format', async () => {
    expect(clinflow('validate', 'no/such/dir').code).toBe(2);
    expect((await inProcess('compile', 'workflows')).code).toBe(2);
    expect((await inProcess('graph', 'workflows/abnormal-lab.yaml', '--format', 'png')).code).toBe(2);
  });

  it('compile --out writes asl, trigger and manifest per workflow; every ASL passes asl-validator', () => {
    const r = clinflow('compile', 'workflows', '--out', out, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { written: string[] };
    const workflows = readdirSync(join(ROOT, 'workflows')).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'));
    expect(report.written).toHaveLength(workflows.length * 3);
    const asl = readdirSync(out).filter((f) => f.endsWith('.asl.json'));
    expect(asl).toHaveLength(workflows.length);
    for (const f of asl) expect(aslValidator(JSON.parse(readFileSync(join(out, f), 'utf8')))).toMatchObject({ isValid: true });
    const manifest = JSON.parse(readFileSync(join(out, 'medication-reminders.manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ workflow: 'medication-reminders', stateMachineName: 'clinflow-medication-reminders', routingAttributes: { MedicationRequest: ['intent', 'status'] } });
    expect(JSON.parse(readFileSync(join(out, 'nightly-overdue-tasks.trigger.json'), 'utf8'))).toMatchObject({ kind: 'schedule' });
  });

  it('compile refuses a broken workflow with exit 1 and writes nothing for it', async () => {
    const bad = join(out, 'broken');
    rmSync(bad, { recursive: true, force: true });
    writeFileSync(join(out, 'broken.yaml'), 'workflow: broken\nversion: 1\nsteps:\n  - id: a\n    call: nope.nope\n');
    const r = await inProcess('compile', join(out, 'broken.yaml'), '--out', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.yaml:5:11: error: unknown task 'nope\.nope'/);
    expect(() => readdirSync(bad)).toThrow();
  });

  it('graph prints Mermaid and DOT; schema prints the editor JSON Schema; --help works everywhere', async () => {
    const m = await inProcess('graph', 'workflows/discharge-follow-up.yaml');
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/^flowchart TD\n/);
    expect(m.stdout).toContain('s_reachable{"reachable<br/>if"}');
    const d = await inProcess('graph', 'workflows/discharge-follow-up.yaml', '--format', 'dot');
    expect(d.stdout).toMatch(/^digraph "discharge-follow-up" \{/);
    const s = await inProcess('schema');
    expect(s.code).toBe(0);
    expect(s.stdout).toBe(readFileSync(join(ROOT, 'schemas/workflow.schema.json'), 'utf8'));
    const target = join(out, 'workflow.schema.json');
    expect((await inProcess('schema', '--out', target, '--check')).code).toBe(1);
    expect((await inProcess('schema', '--out', target)).code).toBe(0);
    expect((await inProcess('schema', '--out', target, '--check')).code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe(s.stdout);
    for (const cmd of ['validate', 'compile', 'graph', 'schema']) {
      const h = await inProcess(cmd, '--help');
      expect(h.code).toBe(0);
      expect(h.stdout).toContain(`Usage: clinflow ${cmd}`);
    }
  });
});

/** The text a person sees in each SVG node (its <text> lines joined, XML unescaped), by data-step. */
function svgNodeTexts(svg: string): Map<string, string> {
  const unescape = (t: string) =>
    t
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  return new Map(
    [...svg.matchAll(/<g class="cf-node[^"]*" data-step="([^"]+)">([\s\S]*?)<\/g>/g)].map((m) => [
      unescape(m[1]!),
      [...m[2]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => unescape(t[1]!)).join(' '),
    ]),
  );
}

describe('clinflow graph', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'clinflow-graph-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('--format svg draws the where: line and the step descriptions, and no $states internals', () => {
    // The command as the "done when" types it, through the real entry point.
    const r = clinflow('graph', 'workflows/abnormal-lab.yaml', '--format', 'svg');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
    expect(r.stdout.trimEnd().endsWith('</svg>')).toBe(true);
    const texts = svgNodeTexts(r.stdout);
    const source = readFileSync(join(ROOT, 'workflows/abnormal-lab.yaml'), 'utf8');
    const where = /^\s+where: "(.*)"$/m.exec(source)?.[1];
    expect(where).toBeDefined();
    expect(texts.get('#trigger')).toContain(`where: ${where!}`);
    const described = [...source.matchAll(/^ {2}- id: (\w+)\n {4}description: (.+)$/gm)];
    expect(described.map((m) => m[1])).toEqual(['acknowledge', 'escalate']);
    for (const [, id, description] of described) expect(texts.get(id!)).toContain(description);
    expect(texts.get('acknowledge')).toContain('up to 1 hour');
    expect(r.stdout).not.toMatch(/\$states|trigger\.(read|where|match)|\.expire|3600/);
  });

  it('takes a workflow name, writes --out, and refuses what it cannot draw', async () => {
    const target = join(out, 'nested', 'd.dot');
    const w = await inProcess('graph', 'discharge-follow-up', '--format', 'dot', '--out', target);
    expect(w).toMatchObject({ code: 0, stdout: `wrote ${target}\n` });
    expect(readFileSync(target, 'utf8')).toMatch(/^digraph "discharge-follow-up" \{\n/);
    expect(readFileSync(target, 'utf8')).toContain('s_pause [label="pause\\nwait 2 days\\nFollow up two days after discharge."');
    const j = await inProcess('graph', 'nightly-overdue-tasks', '--json');
    expect(JSON.parse(j.stdout)).toMatchObject({ file: 'workflows/nightly-overdue-tasks.yaml', format: 'mermaid', graph: expect.stringMatching(/^flowchart TD\n/) });
    const unknown = await inProcess('graph', 'no-such-workflow');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no workflow named no-such-workflow in workflows/');
    expect((await inProcess('graph', 'workflows')).code).toBe(2);
    const broken = await inProcess('graph', 'compiler/fixtures/unknown-task.yaml');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("compiler/fixtures/unknown-task.yaml:5:11: error: unknown task 'reminders.plna'");
    expect(broken.stdout).toBe('');
  });
});

describe('clinflow tasks describe', () => {
  it('prints a task of the catalogue: inputs with types and defaults, output, errors, idempotency, FHIR interactions', async () => {
    const r = await inProcess('tasks', 'describe', 'fhir.search');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fhir.search: Search a resource type, following Bundle.link[next] up to maxPages pages.');
    expect(r.stdout).toMatch(/^ {2}resourceType +string \(required\)$/m);
    expect(r.stdout).toMatch(/^ {2}maxPages +integer 1–100 \(default 10\)$/m);
    expect(r.stdout).toMatch(/^ {2}resources +object \{resourceType, id\?, …\}\[\] \(required\)$/m);
    expect(r.stdout).toContain('Errors: FHIR.NotFound, FHIR.Gone, FHIR.Conflict');
    expect(r.stdout).toContain('Idempotent: yes: a search changes nothing');
    expect(r.stdout).toContain('  - search-type: GET [type]?params');
    const j = await inProcess('tasks', 'describe', 'notify.send', '--json');
    expect(JSON.parse(j.stdout)).toMatchObject({ name: 'notify.send', idempotent: { safe: true }, errors: expect.arrayContaining(['Notify.InvalidMessage']) });
  });

  it('refuses an unknown task with exit 2 and a suggestion', async () => {
    const r = await inProcess('tasks', 'describe', 'fhir.raed');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no task named fhir.raed (did you mean fhir.read?)');
  });
});

describe('colour', () => {
  const d = { file: 'w.yaml', line: 3, col: 5, severity: 'error' as const, path: 'steps[0].call', message: "unknown task 'x'", code: 'unknown-task' };
  it('paints severities only when asked, and keeps the text otherwise identical', async () => {
    const { renderDiagnostic, useColour } = await import('./validate');
    expect(renderDiagnostic(d, false)).toBe("w.yaml:3:5: error: unknown task 'x' [steps[0].call]");
    const painted = renderDiagnostic(d, true);
    expect(painted).toContain('\x1b[31merror\x1b[0m');
    expect(
      painted
        .split('\x1b[')
        .map((p, i) => (i === 0 ? p : p.replace(/^\d+m/, '')))
        .join(''),
    ).toBe(renderDiagnostic(d, false));
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      expect(useColour(tty)).toBe(true);
      expect(useColour({ isTTY: false } as NodeJS.WriteStream)).toBe(false);
      process.env.NO_COLOR = '1';
      expect(useColour(tty)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });
});
