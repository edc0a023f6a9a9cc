import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from './compile';
import { renderGraph } from './graph';

function artifact(name: string) {
  const r = compile(readFileSync(join(__dirname, '..', 'workflows', name), 'utf8'), name);
  if (!r.artifact) throw new Error('did not compile');
  return r.artifact;
}

describe('clinflow graph', () => {
  it('draws the trigger, every state, the branches and the catches in Mermaid', () => {
    const text = renderGraph(artifact('abnormal-lab.yaml'), 'mermaid');
    expect(text.startsWith('flowchart TD\n')).toBe(true);
    expect(text).toContain('wf_trigger>"FHIR Observation create/update');
    for (const state of ['trigger.read', 'trigger.where', 'trigger.match', 'observation', 'acknowledge', 'escalate']) expect(text).toContain(`"${state}`);
    expect(text).toMatch(/-\.->\|"States\.Timeout, States\.HeartbeatTimeout"\| n\d+/);
    expect(text).toMatch(/-\.->\|"HumanTask\.TimedOut, HumanTask\.Rejected, HumanTask\.Cancelled, HumanTask\.Failed, HumanTask\.EnteredInError"\| n\d+/);
    expect(text).toMatch(/\|"otherwise"\|/);
    // `end` is a Mermaid keyword and must not be a node id.
    expect(text).not.toMatch(/^\s*end\b.*\(/m);
  });

  it('draws forEach bodies as clusters in DOT', () => {
    const text = renderGraph(artifact('nightly-overdue-tasks.yaml'), 'dot');
    expect(text.startsWith('digraph "nightly-overdue-tasks" {')).toBe(true);
    expect(text).toContain('label="schedule cron(0 2 * * ? *) Europe/London"');
    expect(text).toMatch(/subgraph cluster_c_n\d+ \{\n\s+label="for each item of remind";/);
    expect(text).toMatch(/n\d+ -> n\d+ \[label="Notify.DeliveryFailed, Notify.InvalidRecipient", style=dashed\];/);
    expect(text.trimEnd().endsWith('}')).toBe(true);
  });

  it('is deterministic', () => {
    const a = artifact('discharge-follow-up.yaml');
    expect(renderGraph(a, 'mermaid')).toBe(renderGraph(artifact('discharge-follow-up.yaml'), 'mermaid'));
  });
});
