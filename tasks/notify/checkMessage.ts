import { WorkflowError } from '../../schemas/errors';

/**
 * What a template leaves behind when a value did not render: JavaScript's and JSONata's words for
 * "no value", an object printed as text, an expression that was never evaluated, luxon's and
 * Date's invalid dates. Case-sensitive whole words, so "Nan" (a name) or "nullify" pass.
 */
const LEFTOVERS: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /\bNaN\b/, what: "'NaN' (a number or time that did not render)" },
  { pattern: /\bundefined\b/, what: "'undefined' (a value that was missing)" },
  { pattern: /\bnull\b/, what: "'null' (a value that was missing)" },
  { pattern: /\[object Object\]/, what: "'[object Object]' (a record printed as text)" },
  { pattern: /\{%|%\}/, what: "'{% %}' (an expression that was not evaluated)" },
  { pattern: /\bInvalid (?:Date|DateTime)\b/, what: "'Invalid Date' (a time that did not render)" },
  { pattern: /\bInfinity\b/, what: "'Infinity' (a calculation that did not render)" },
];

/** The first rendering problem in one field, or undefined when the text is fit to send. */
export function messageProblem(text: string | undefined, required: boolean): string | undefined {
  if (text === undefined || text.trim() === '') return required ? 'is empty' : undefined;
  for (const l of LEFTOVERS) if (l.pattern.test(text)) return `contains ${l.what}`;
  return undefined;
}

/**
 * Refuses a patient- or clinician-facing message whose text did not render, before anything is
 * recorded or delivered: `Notify.InvalidMessage`, with a cause that names the field and the
 * problem but never quotes the text (it is PHI), so it is safe to show a clinician or log.
 */
export function assertMessageRenders(fields: Readonly<Record<string, string | undefined>>, required: readonly string[]): void {
  const problems: string[] = [];
  for (const [name, text] of Object.entries(fields)) {
    const problem = messageProblem(text, required.includes(name));
    if (problem) problems.push(`${name} ${problem}`);
  }
  for (const name of required) if (!(name in fields)) problems.push(`${name} is empty`);
  if (problems.length) {
    throw new WorkflowError('Notify.InvalidMessage', `The message was not sent: its ${problems.join('; ')}. Nothing was delivered; the workflow's message template needs fixing.`);
  }
}
