/**
 * A generated workflow of any size, written the way authors write them (block YAML, expressions that
 * read earlier steps, branches, jumps, catches, a forEach, waits and human tasks), for the compiler
 * benchmark and the complexity-shape test. Every block of 13 steps (10 in the list, 3 nested) is clean,
 * so the file compiles.
 */
const HEADER = `workflow: generated
version: 1
description: A generated workflow for measuring the compiler.
trigger:
  fhir:
    resource: MedicationRequest
    on: [create, update]
    where: "status = 'active'"
steps:
`;

/** 13 steps, ids suffixed with the block number `b`; the last goes on to block `b + 1` by falling through. */
function block(b: number, mistakes: boolean): string {
  return `  - id: read${b}
    description: Read the order again (block ${b}).
    call: fhir.read
    with:
      reference: "{% $event.detail.reference %}"
    retry:
      on: [FHIR.Unavailable, FHIR.TooManyRequests]
      attempts: 5
    catch:
      - on: [FHIR.NotFound]
        next: gone${b}
  - id: check${b}
    if: "$read${b}.status = 'active'"
    then:
      - id: note${b}
        set:
          count${b}: "{% $exists($read${b}.id) ? 1 : 0 %}"
          label${b}: "Order {% $read${b}.id %} in block ${b}"
    else: gone${b}
  - id: each${b}
    forEach: "{% $read${b}.dosageInstruction %}"
    as: dose${b}
    do:
      - id: inner${b}
        set:
          text${b}: "{% $dose${b}.text %}"
  - id: pause${b}
    wait: 1h
  - id: tell${b}
    call: notify.send
    with:
      recipient: "{% $read${b}.subject.reference %}"
      subject: Reminder
      body: "Take {% $read${b}.medicationCodeableConcept.text %} now."
  - id: ask${b}
    await:
      description: "Review order {% $read${b}.id %}"
      owner: CareTeam/renal-care-team
      for: "{% $read${b}.subject.reference %}"
    timeout: 2h
    catch:
      - on: [HumanTask.TimedOut]
        next: gone${b}
  - id: route${b}
    choose:
      - when: "$ask${b}.status = 'completed'"
        then: done${b}
      - when: "$ask${b}.status = 'accepted'"
        then:
          - id: accepted${b}
            set:
              accepted${b}: true
    otherwise: gone${b}
  - id: done${b}
    set:
      done${b}: "{% $exists($tell${b}) %}"
    next: next${b}
  - id: gone${b}
    set:
      gone${b}: "{% $error ? $error.Error : 'inactive' %}"${mistakes ? `\n      typo${b}: "{% $raed${b}.id %}"\n    next: nxet${b}` : ''}
  - id: next${b}
    set:
      last: "{% $done${b} %}"
`;
}

const STEPS_PER_BLOCK = 13;

/**
 * A workflow of exactly `steps` steps (at least 13): whole blocks, then `set:` steps; about 120
 * bytes of YAML a step. With `mistakes`, each block also reads a misspelt variable and jumps to a
 * misspelt step id (a warning and an error with a suggestion each), as a file being written does.
 */
export function largeWorkflow(steps: number, opts: { mistakes?: boolean } = {}): string {
  const blocks = Math.max(1, Math.floor(steps / STEPS_PER_BLOCK));
  const parts = [HEADER];
  for (let b = 0; b < blocks; b++) parts.push(block(b, opts.mistakes ?? false));
  for (let i = blocks * STEPS_PER_BLOCK; i < steps; i++) parts.push(`  - id: tail${i}\n    set:\n      tail${i}: ${i}\n`);
  return parts.join('');
}
