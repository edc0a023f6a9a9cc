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
function block(b: number): string {
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
      gone${b}: "{% $error ? $error.Error : 'inactive' %}"
  - id: next${b}
    set:
      last: "{% $done${b} %}"
`;
}

export const STEPS_PER_BLOCK = 13;

/** A workflow of at least `steps` steps (whole blocks of 13), about 120 bytes of YAML a step; `steps` is the exact count. */
export function largeWorkflow(steps: number): { source: string; steps: number } {
  const blocks = Math.max(1, Math.ceil(steps / STEPS_PER_BLOCK));
  const parts = [HEADER];
  for (let b = 0; b < blocks; b++) parts.push(block(b));
  return { source: parts.join(''), steps: blocks * STEPS_PER_BLOCK };
}
