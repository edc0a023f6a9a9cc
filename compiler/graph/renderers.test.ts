import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowSchema } from '../../schemas/workflow';
import { parseYamlSource } from '../yamlSource';
import { buildWorkflowGraph, graphFromSource, toDot, toMermaid, toSvg, type WorkflowGraph } from '.';

function shipped(name: string): WorkflowGraph {
  const file = join(__dirname, '..', '..', 'workflows', name);
  const r = graphFromSource(readFileSync(file, 'utf8'), file);
  if (!r.graph) throw new Error(`${name} did not compile`);
  return r.graph;
}

/** A workflow whose every text tries to break out of its quoting: `end` as a step id, quotes, markup, DOT escapes. */
const HOSTILE = buildWorkflowGraph(
  WorkflowSchema.parse(
    parseYamlSource(`
workflow: hostile
version: 1
description: 'a "quoted" <b>bold</b> & #amp; \\l'
steps:
  - id: end
    description: "</text><script>alert(1)</script> \\" ]] --> #quot; \\\\N \`md\`"
    if: "$event.a < 1 and $event.b > 2"
    then:
      - id: subgraph
        set: { x: 1 }
    else: end
`).value,
  ),
);

/**
 * XML well-formedness, checked without a DOM: tags balance, attributes are quoted, and text holds
 * no raw `<` or a bare `&` (the ways unescaped text breaks an SVG).
 */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = token.exec(xml))) {
    pos = token.lastIndex;
    if (m[5] !== undefined) {
      expect(m[5]).not.toMatch(/&(?!(amp|lt|gt|quot|#\d+);)/);
      continue;
    }
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]!);
  }
  expect(pos).toBe(xml.length);
  expect(stack).toEqual([]);
}

describe('toMermaid', () => {
  it('draws ids, what steps do, conditions on branches and quiet catches', () => {
    const text = toMermaid(shipped('abnormal-lab.yaml'));
    expect(text.startsWith('flowchart TD\n')).toBe(true);
    expect(text).toContain("where: code.coding.where(system = 'http://loinc.org'");
    expect(text).toContain('s_acknowledge[/"acknowledge<br/>await a person: task accepted<br/>owner CareTeam/renal-care-team<br/>up to 1 hour<br/>A FHIR Task');
    expect(text).toMatch(/^ {2}s_acknowledge -\.->\|"HumanTask\.TimedOut, [^"]+"\| s_escalate$/m);
    expect(text).toMatch(/^ {2}linkStyle 3 stroke:/m);
    expect(text).not.toContain('$states');
    expect(text).not.toMatch(/\d{4,}s\b/);
  });

  it('never lets a step id or text become Mermaid syntax', () => {
    const text = toMermaid(HOSTILE);
    expect(text).toContain('s_end{"end<br/>if<br/>#lt;/text#gt;#lt;script#gt;alert(1)#lt;/script#gt; #quot; ]] --#gt; #35;quot; \\N #96;md#96;"}');
    expect(text).toContain('s_end -->|"$event.a #lt; 1 and $event.b #gt; 2"| s_subgraph');
    expect(text).toContain('s_end -->|"else"| s_end');
    // Every node line is one quoted label: no stray quote inside.
    for (const line of text.split('\n').filter((l) => /^ {2}s_\w+[[{(/>]/.test(l))) expect(line.match(/"/g)).toHaveLength(2);
  });
});

describe('toDot', () => {
  it('draws clusters and quiet dashed catches', () => {
    const text = toDot(shipped('nightly-overdue-tasks.yaml'));
    expect(text).toMatch(/subgraph cluster_g0 \{\n\s+label="for each task of remind";/);
    expect(text).toContain('s_remind -> s_partial [label="Notify.DeliveryFailed, Notify.InvalidRecipient", style=dashed, color=gray55, fontcolor=gray40];');
    expect(text).toContain('s_owned -> s_remindOwner [label="$exists($task.owner.reference)"];');
    expect(text.trimEnd().endsWith('}')).toBe(true);
  });

  it('escapes quotes and backslashes', () => {
    const text = toDot(HOSTILE);
    expect(text).toContain('\\" ]] --> #quot; \\\\N `md`');
    for (const line of text.split('\n').filter((l) => l.includes('label='))) expect(line.replace(/\\\\/g, '').replace(/\\"/g, '')).toMatch(/^[^"]*("[^"]*"[^"]*)*$/);
  });
});

describe('toSvg', () => {
  it('draws the where: line and the step descriptions, and no ASL internals', () => {
    const svg = toSvg(shipped('abnormal-lab.yaml'));
    assertWellFormedXml(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const text = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).join(' ');
    expect(text).toContain('where: code.coding.where(system =');
    expect(text).toContain('valueQuantity.value &gt; 6.0');
    expect(text).toContain('Nobody acknowledged in time; page the');
    expect(text).toContain('up to 1 hour');
    expect(svg).not.toMatch(/\$states|trigger\.read|trigger\.where|trigger\.match|172800|3600s/);
    for (const id of ['observation', 'acknowledge', 'escalate']) expect(svg).toContain(`data-step="${id}"`);
    expect(svg).toMatch(
      /<g class="cf-edge cf-edge-catch cf-quiet" data-from="acknowledge" data-to="escalate"><title>HumanTask\.TimedOut, HumanTask\.Rejected, HumanTask\.Cancelled, HumanTask\.Failed, HumanTask\.EnteredInError<\/title><path [^>]*stroke-dasharray/,
    );
  });

  it('shows each step status by colour and by words, with a legend', () => {
    const svg = toSvg(shipped('abnormal-lab.yaml'), { stepStatus: { observation: 'succeeded', acknowledge: 'failed', escalate: 'running' } });
    assertWellFormedXml(svg);
    const node = (id: string) => new RegExp(`<g class="([^"]*)" data-step="${id}"><title>([^<]*)</title>([\\s\\S]*?)</g>`).exec(svg);
    expect(node('acknowledge')?.[1]).toBe('cf-node cf-kind-human cf-status-failed');
    expect(node('acknowledge')?.[2]).toBe('acknowledge: await a person: task accepted (failed)');
    expect(node('acknowledge')?.[3]).toContain('>✗ failed</text>');
    expect(node('acknowledge')?.[3]).toContain('fill="#fee2e2" stroke="#b91c1c" stroke-width="3"');
    expect(node('escalate')?.[3]).toContain('>▶ running</text>');
    expect(node('observation')?.[3]).toContain('>✓ succeeded</text>');
    expect(svg).toContain('data-status="not-reached"');
    expect(toSvg(shipped('abnormal-lab.yaml'))).not.toContain('cf-legend');
  });

  it('escapes every text and stays small however long the text', () => {
    const svg = toSvg(HOSTILE);
    assertWellFormedXml(svg);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;/text&gt;&lt;script&gt;');
    const huge = structuredClone(HOSTILE);
    huge.nodes[1]!.description = 'very long words '.repeat(300_000);
    const big = toSvg(huge);
    assertWellFormedXml(big);
    expect(big.length).toBeLessThan(20_000);
    expect(big).toContain('…</text>');
  });

  it('lays out every node inside the picture, without overlaps, deterministically', () => {
    const g = shipped('appointment-reminders.yaml');
    const svg = toSvg(g);
    expect(toSvg(g)).toBe(svg);
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    const boxes = [...svg.matchAll(/data-step="[^"]+"><title>[^<]*<\/title><rect x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"/g)].map(
      (m) => m.slice(1).map(Number) as [number, number, number, number],
    );
    expect(boxes.length).toBeGreaterThan(8);
    for (const [x, y, bw, bh] of boxes) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x + bw).toBeLessThanOrEqual(w!);
      expect(y + bh).toBeLessThanOrEqual(h!);
    }
    boxes.forEach((a, i) =>
      boxes.slice(i + 1).forEach((b) => {
        const apart = a[0] + a[2] <= b[0] || b[0] + b[2] <= a[0] || a[1] + a[3] <= b[1] || b[1] + b[3] <= a[1];
        expect(apart).toBe(true);
      }),
    );
  });

  it('draws many long catches after the layout instead of through it, so a big workflow stays fast', () => {
    const n = 100;
    const steps = Array.from({ length: n }, (_, i) =>
      i === n - 1 ? { id: 'handler', fail: { error: 'Big.Failed' } } : { id: `s${i}`, call: 'fhir.read', with: { reference: 'Patient/1' }, catch: { on: ['FHIR.NotFound'], next: 'handler' } },
    );
    const g = buildWorkflowGraph(WorkflowSchema.parse({ workflow: 'big', version: 1, steps }));
    const started = Date.now();
    const svg = toSvg(g);
    // Laid out with all 99 long catch edges this took 19 s on this machine; without them about 1 s.
    expect(Date.now() - started).toBeLessThan(10_000);
    assertWellFormedXml(svg);
    const routed = [...svg.matchAll(/<g class="cf-edge cf-edge-catch cf-quiet cf-routed" data-from="(s\d+)" data-to="handler">/g)].map((m) => m[1]);
    const laidOut = [...svg.matchAll(/<g class="cf-edge cf-edge-catch cf-quiet" data-from="(s\d+)" data-to="handler">/g)].map((m) => m[1]);
    // Every catch is drawn once; the short ones (next to the handler) are laid out, the long ones routed.
    expect([...routed, ...laidOut].sort()).toEqual(
      steps
        .slice(0, n - 1)
        .map((s) => s.id)
        .sort(),
    );
    expect(laidOut).toContain('s98');
    expect(routed).toContain('s0');
    // One label per target and error list, not 99 overlapping ones.
    expect(svg.match(/>FHIR\.NotFound<\/text>/g)!.length).toBeLessThanOrEqual(laidOut.length + 1);
  });
});
