import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowSchema } from '../../schemas/workflow';
import { parseYamlSource } from '../yamlSource';
import { buildWorkflowGraph, END_NODE, graphFromSource, humanDuration, TRIGGER_NODE, type WorkflowGraph } from '.';

function shipped(name: string): WorkflowGraph {
  const file = join(__dirname, '..', '..', 'workflows', name);
  const r = graphFromSource(readFileSync(file, 'utf8'), file);
  if (!r.graph) throw new Error(`${name} did not compile: ${JSON.stringify(r.diagnostics)}`);
  return r.graph;
}

function inline(yaml: string): WorkflowGraph {
  return buildWorkflowGraph(WorkflowSchema.parse(parseYamlSource(yaml).value));
}

const edge = (g: WorkflowGraph, from: string, to: string) => g.edges.filter((e) => e.from === from && e.to === to);

describe('buildWorkflowGraph', () => {
  it('keys nodes by YAML step id, shows the trigger as written and none of the states the compiler adds', () => {
    const g = shipped('abnormal-lab.yaml');
    expect(g.nodes.map((n) => n.id)).toEqual([TRIGGER_NODE, 'observation', 'acknowledge', 'escalate', END_NODE]);
    const trigger = g.nodes[0]!;
    expect(trigger.summary).toBe('FHIR Observation: create, update');
    expect(trigger.details).toContain("where: code.coding.where(system = 'http://loinc.org' and (code = '2823-3' or code = '6298-4')).exists() and valueQuantity.value > 6.0");
    const ack = g.nodes.find((n) => n.id === 'acknowledge')!;
    expect(ack).toMatchObject({ kind: 'human', summary: 'await a person: task accepted', description: 'A FHIR Task for the care team; the execution waits until it is accepted (or later).' });
    expect(ack.details).toEqual(['owner CareTeam/renal-care-team', 'up to 1 hour']);
    expect(g.nodes.find((n) => n.id === 'observation')?.retry).toBe('retry FHIR.Unavailable, FHIR.TooManyRequests: up to 5 times');
    expect(JSON.stringify(g)).not.toMatch(/\$states|trigger\.(read|where|match)|expire|workflow\.end/);
  });

  it('labels catches with their errors and marks them quiet; the flow is not quiet', () => {
    const g = shipped('abnormal-lab.yaml');
    expect(edge(g, 'acknowledge', 'escalate')).toEqual([
      { from: 'acknowledge', to: 'escalate', kind: 'catch', label: 'HumanTask.TimedOut, HumanTask.Rejected, HumanTask.Cancelled, HumanTask.Failed, HumanTask.EnteredInError', quiet: true },
    ]);
    expect(edge(g, TRIGGER_NODE, 'observation')).toEqual([{ from: TRIGGER_NODE, to: 'observation', kind: 'next', quiet: false }]);
    expect(edge(g, 'acknowledge', END_NODE)).toHaveLength(1);
    expect(edge(g, 'escalate', END_NODE)).toHaveLength(1);
  });

  it('writes durations for people and labels branches with their conditions as written', () => {
    const g = shipped('discharge-follow-up.yaml');
    expect(g.nodes.find((n) => n.id === 'pause')).toMatchObject({ kind: 'wait', summary: 'wait 2 days', description: 'Follow up two days after discharge.' });
    expect(edge(g, 'reachable', 'message')).toEqual([
      { from: 'reachable', to: 'message', kind: 'branch', label: "$exists($encounter.subject.reference) and $encounter.status = 'finished'", quiet: false },
    ]);
    expect(edge(g, 'reachable', 'callTask')[0]).toMatchObject({ kind: 'otherwise', label: 'else' });
    // `end: true` on the if ends both branches; the catch target is reached only by the catch.
    expect(edge(g, 'message', END_NODE)).toHaveLength(1);
    expect(edge(g, 'callTask', END_NODE)).toHaveLength(1);
    expect(g.edges.filter((e) => e.to === 'gone').map((e) => e.kind)).toEqual(['catch']);
    expect(g.edges.filter((e) => e.from === 'gone')).toEqual([]);
  });

  it('draws a forEach body as a group entered by an "each item" edge', () => {
    const g = shipped('nightly-overdue-tasks.yaml');
    expect(g.groups).toEqual([{ id: 'remind#each', step: 'remind', label: 'for each task of remind' }]);
    expect(g.nodes.filter((n) => n.group === 'remind#each').map((n) => n.id)).toEqual(['owned', 'remindOwner', 'remindCoordinators']);
    expect(edge(g, 'remind', 'owned')[0]).toMatchObject({ kind: 'body', label: 'each item' });
    expect(g.nodes.find((n) => n.id === 'remind')).toMatchObject({ kind: 'map', summary: 'for each of $overdue', details: ['as task', '5 at a time'] });
    // The end of a body goes back to the loop, not to the workflow's end.
    expect(edge(g, 'remindOwner', END_NODE)).toEqual([]);
    expect(g.nodes[0]).toMatchObject({ summary: 'schedule: cron 0 2 * * ? *', details: ['time zone Europe/London', 'the whole run times out after 2 hours'] });
    expect(g.nodes.find((n) => n.id === 'partial')).toMatchObject({ kind: 'fail', summary: 'fail: Notify.DeliveryFailed' });
    expect(g.nodes.some((n) => n.id === END_NODE)).toBe(false);
  });

  it('follows next:, choose, otherwise, parallel branches and nested groups like the compiler', () => {
    const g = inline(`
workflow: shapes
version: 1
steps:
  - id: pick
    choose:
      - when: "$event.n > 1"
        then: big
      - when: "{% $event.n = 1 %}"
        then:
          - id: one
            set: { x: 1 }
    otherwise:
      - id: none
        wait: { until: "{% $event.at %}" }
    next: both
  - id: big
    wait: 90
  - id: both
    parallel:
      - name: left
        steps:
          - id: each
            forEach: [1, 2]
            do:
              - id: inner
                wait: 1h30m
      - steps:
          - id: right
            call: time.format
            with: { instant: "2026-01-01T00:00:00Z" }
            timeout: PT2M
    catch: { next: oops }
    end: true
  - id: oops
    fail: { error: Shapes.Failed }
`);
    expect(edge(g, 'pick', 'big')[0]).toMatchObject({ kind: 'branch', label: '$event.n > 1' });
    expect(edge(g, 'pick', 'one')[0]).toMatchObject({ kind: 'branch', label: '$event.n = 1' });
    expect(edge(g, 'pick', 'none')[0]).toMatchObject({ kind: 'otherwise', label: 'otherwise' });
    // The branches continue at the choose step's `next:`, not at the following step.
    expect(edge(g, 'one', 'both')).toHaveLength(1);
    expect(edge(g, 'none', 'both')).toHaveLength(1);
    expect(edge(g, 'big', 'both')).toHaveLength(1);
    expect(g.nodes.find((n) => n.id === 'big')?.summary).toBe('wait 1 minute 30 seconds');
    expect(g.nodes.find((n) => n.id === 'none')?.summary).toBe('wait until $event.at');
    expect(g.groups).toEqual([
      { id: 'both#branch1', step: 'both', label: 'both: left' },
      { id: 'each#each', step: 'each', label: 'for each item of each', parent: 'both#branch1' },
      { id: 'both#branch2', step: 'both', label: 'both: branch 2' },
    ]);
    expect(edge(g, 'both', 'each')[0]).toMatchObject({ kind: 'body', label: 'left' });
    expect(edge(g, 'both', 'right')[0]).toMatchObject({ kind: 'body', label: 'branch 2' });
    expect(g.nodes.find((n) => n.id === 'inner')).toMatchObject({ group: 'each#each', summary: 'wait 1 hour 30 minutes' });
    expect(g.nodes.find((n) => n.id === 'right')).toMatchObject({ group: 'both#branch2', details: ['time limit 2 minutes'] });
    expect(g.nodes.find((n) => n.id === 'each')?.summary).toBe('for each of 2 listed items');
    expect(edge(g, 'both', 'oops')[0]).toMatchObject({ kind: 'catch', label: 'any error', quiet: true });
    expect(edge(g, 'both', END_NODE)).toHaveLength(1);
    expect(g.nodes[0]?.summary).toBe('started by another workflow or the API');
  });
});

describe('humanDuration', () => {
  it.each([
    ['P2D', '2 days'],
    ['PT2H', '2 hours'],
    ['1h30m', '1 hour 30 minutes'],
    [90, '1 minute 30 seconds'],
    ['1d1s', '1 day 1 second'],
    // Months have no fixed length: shown as written.
    ['P1M', 'P1M'],
  ])('%s → %s', (input, out) => expect(humanDuration(input)).toBe(out));
});
