import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The runaways of issue 11, as authors could write them, each started by its own event source. */
export const RUNAWAYS: Record<string, { source: string; yaml: string }> = {
  'runaway-loop': {
    source: 'adv.loop',
    yaml: `steps:
  - id: count
    set: { n: 1 }
  - id: again
    if: "{% $n > 0 %}"
    then: count
    else: count
`,
  },
  'runaway-tail-recursion': {
    source: 'adv.tail',
    yaml: `steps:
  - id: recurse
    set: { r: "{% ($f := function($n){ $f($n + 1) }; $f(0)) %}" }
`,
  },
  'runaway-regex': {
    source: 'adv.regex',
    yaml: `steps:
  - id: match
    set: { m: "{% $contains($pad('', 100, 'a') & 'b', /^(a+)+$/) %}" }
`,
  },
  'runaway-range': {
    source: 'adv.range',
    yaml: `steps:
  - id: huge
    set: { c: "{% $count([1..1e7]) %}" }
`,
  },
  'runaway-foreach': {
    source: 'adv.foreach',
    yaml: `steps:
  - id: each
    forEach: "{% [1..1e7] %}"
    do:
      - id: touch
        set: { seen: true }
`,
  },
  healthy: {
    source: 'adv.healthy',
    yaml: `steps:
  - id: done
    set: { ok: true }
`,
  },
};

export function writeWorkflow(dir: string, name: string): void {
  const w = RUNAWAYS[name]!;
  writeFileSync(join(dir, `${name}.yaml`), `workflow: ${name}\nversion: 1\ndescription: adversarial ${name}\ntrigger:\n  event:\n    source: [${w.source}]\n${w.yaml}`);
}
