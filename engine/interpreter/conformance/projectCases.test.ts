/**
 * The project's own ASL conformance cases (projectCases.jsonl, the shared corpus's format), run by
 * the same runner as the shared suite, so they need no `../shared`. One case per class the shared
 * corpus does not cover; each case's `source` names the AWS page (or the AWS measurement) its
 * expected outcome comes from:
 *
 * - execution-level TimeoutSeconds: TIMED_OUT, no error/cause in DescribeExecution, one
 *   ExecutionTimedOut event (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionTimedOutEventDetails.html;
 *   AWS's answers measured in https://github.com/floci-io/floci/issues/2733);
 * - task timeouts (Lambda, lambda:invoke, .waitForTaskToken, .sync, heartbeat): States.Timeout with no
 *   cause when uncaught, `"Cause": ""` in a Catch's error output
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html);
 * - intrinsic functions at the edges of their inputs
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html);
 * - JSONata values ASL cannot use (a function, undefined) in every field that takes one, named the
 *   way AWS names the field (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html);
 * - Map and Parallel states whose Catch/Retry are present but empty.
 */
import path from 'node:path';
import { readCases, runAslCase } from './runAslConformance';

const cases = readCases(path.join(__dirname, 'projectCases.jsonl'));

describe('project ASL conformance cases', () => {
  it('covers every class with several cases', () => {
    const prefixes = new Set(cases.map((c) => c.id.split('/')[0]));
    expect([...prefixes].sort()).toEqual(['empty-catch', 'execution-timeout', 'intrinsic-edges', 'jsonata-unusable', 'task-timeout']);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) expect(typeof (c as { source?: unknown }).source).toBe('string');
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const r = await runAslCase(c);
    expect(r.reason).toBeUndefined();
    expect(r.passed).toBe(true);
    // Where a case records the history AWS journals, the event types must be exactly those.
    if (c.historyTypes) expect(r.actual?.historyTypes).toEqual(c.historyTypes);
  });
});
