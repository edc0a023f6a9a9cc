/**
 * The console's server side over real HTTP, on the real runtime (engine, bus, scheduler, FHIR
 * sandbox over HTTP, SQLite in a temp dir, simulated clock): sign-in, sessions, CSRF, CSP, roles,
 * paging and filters, server-sent events, reveals and actions in the audit trail.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../api/audit/auditLog';
import { SimulatedClock } from '../core/clock/simulatedClock';
import { createRuntime, type Runtime } from '../cli/runtime/createRuntime';
import { startLocalConsole } from '../cli/console/startLocalConsole';
import { CONTENT_SECURITY_POLICY } from './http/respond';

const START = Date.UTC(2030, 2, 3, 14, 0, 0);
const TOKENS = { viewer: 'viewer-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef', clinician: 'clinician-token-0123456789abcdef' };

const FAILING = `workflow: console-fail
version: 1
description: Reads the order the event names; the tests name one that does not exist, so the read fails.
steps:
  - id: readOrder
    description: Read the order.
    call: fhir.read
    with:
      reference: "{% $event.order %}"
    end: true
`;
const REVIEW = `workflow: console-review
version: 1
description: A person reviews the order.
steps:
  - id: review
    description: The care team reviews the order.
    await:
      until: completed
      description: Review the order
      focus: "{% $event.order %}"
      for: "{% $event.patient %}"
    timeout: 1h
    end: true
`;

let runtime: Runtime;
let clock: SimulatedClock;
let dir: string;
let base: string;
let consoleUi: { detach(): void };
let audit: AuditLog;
const failedArns: string[] = [];

const smArn = (w: string): string => `arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-${w}`;

async function start(workflow: string, name: string, input: Record<string, unknown>): Promise<string> {
  const out = await runtime.engine.startExecution({ stateMachineArn: smArn(workflow), name, input: JSON.stringify(input) });
  return out.executionArn;
}

interface Client {
  cookie: string;
  csrf: string;
}

async function signIn(token: string): Promise<Client> {
  const res = await fetch(`${base}/console/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base },
    body: new URLSearchParams({ token, next: '/console/executions' }),
  });
  expect(res.status).toBe(303);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const s = (await (await fetch(`${base}/console/api/session`, { headers: { cookie } })).json()) as { csrfToken: string };
  return { cookie, csrf: s.csrfToken };
}

const get = (c: Client | undefined, path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { redirect: 'manual', headers: { ...(c ? { cookie: c.cookie } : {}), ...headers } });

const post = (c: Client | undefined, path: string, body: Record<string, string | string[]>, opts: { csrf?: string | null; origin?: string; json?: boolean } = {}) => {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
  const csrf = opts.csrf === undefined ? c?.csrf : opts.csrf;
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Origin: opts.origin ?? base,
      ...(c ? { cookie: c.cookie } : {}),
      ...(csrf ? { 'X-CSRF-Token': csrf } : {}),
      ...(opts.json === false ? {} : { Accept: 'application/json' }),
    },
    body: form,
  });
};

const describe_ = (arn: string) => runtime.engine.describeExecution({ executionArn: arn });
const auditRows = (resource: string) => audit.list({ resource, limit: 50 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-console-'));
  const workflows = join(dir, 'workflows');
  mkdirSync(workflows);
  writeFileSync(join(workflows, 'console-fail.yaml'), FAILING);
  writeFileSync(join(workflows, 'console-review.yaml'), REVIEW);
  runtime = await createRuntime({ dataDir: join(dir, 'data'), workflowsDir: workflows, clock: (clock = new SimulatedClock(START)), sandbox: { seed: { seed: 3, patients: 1, at: START } } });
  audit = new AuditLog(runtime.engine.db);
  consoleUi = startLocalConsole(runtime.triggers.server, {
    engine: runtime.engine,
    scheduler: runtime.scheduler,
    dataDir: join(dir, 'data'),
    workflowsDir: workflows,
    fhirBase: runtime.urls.fhir,
    now: () => clock.now(),
    readiness: () => ({ workflows: runtime.workflowsReady() }),
    renderMetrics: () => runtime.triggers.router.metrics.render(),
    audit,
    env: { CLINFLOW_CONSOLE_TOKENS: `vera:viewer:${TOKENS.viewer},otto:operator:${TOKENS.operator},clara:clinician:${TOKENS.clinician}` },
  });
  base = runtime.urls.triggers;
  for (let i = 0; i < 60; i++) failedArns.push(await start('console-fail', `fail-${String(i).padStart(3, '0')}`, { order: `MedicationRequest/missing-${i}`, patient: 'Patient/p-console' }));
  await runtime.settle();
}, 120_000);

afterAll(async () => {
  consoleUi?.detach();
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('no session, no answer', () => {
  it('refuses every console API call with 401 JSON and sends pages to the sign-in page', async () => {
    for (const path of [
      '/console/api/executions',
      `/console/api/executions/${encodeURIComponent(failedArns[0] ?? '')}`,
      '/console/api/tasks',
      '/console/api/stream',
      '/console/api/health',
      '/console/api/session',
    ]) {
      const res = await get(undefined, path);
      expect([path, res.status]).toEqual([path, 401]);
      expect(((await res.json()) as { error: string }).error).toBe('Unauthorized');
    }
    const page = await get(undefined, '/console/executions?status=FAILED');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/signin?next=%2Fconsole%2Fexecutions%3Fstatus%3DFAILED');
    const action = await post(undefined, '/console/actions/redrive', { arn: failedArns[0] ?? '' }, { csrf: null });
    expect(action.status).toBe(401);
    // A forged cookie is no session either.
    expect((await get({ cookie: 'clinflow_console=forged', csrf: '' }, '/console/api/executions')).status).toBe(401);
  });

  it('serves the sign-in page with a password field, a strict CSP and no inline script or style', async () => {
    const res = await get(undefined, '/console/signin');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const text = await res.text();
    expect(text).toMatch(/<input id="token" name="token" type="password"/);
    expect(text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(text).not.toMatch(/\sstyle=|<style/);
    expect(text).not.toMatch(/https?:\/\//); // no CDN: every asset is same-origin
  });

  it('serves the bundled script and styles from this origin', async () => {
    const js = await get(undefined, '/console/assets/console.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const body = await js.text();
    expect(body).toMatch(/EventSource/);
    expect(body.length).toBeLessThan(300 * 1024);
    const css = await get(undefined, '/console/assets/console.css');
    expect(css.status).toBe(200);
    expect(await css.text()).toMatch(/:focus-visible/);
  });
});

describe('sign-in', () => {
  it('refuses a wrong token (audited, no PHI or token in the row), and accepts the right one with a strict cookie', async () => {
    const before = audit.list({ limit: 1 })[0]?.seq ?? 0;
    const bad = await fetch(`${base}/console/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'not-the-token-at-all-000' }),
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(await bad.text()).toMatch(/That token is not valid/);
    const denied = audit.list({ limit: 5 }).filter((r) => r.seq > before);
    expect(denied.map((r) => [r.action, r.kind, r.outcome])).toEqual([['SignIn', 'denied', 'InvalidToken']]);
    expect(JSON.stringify(denied)).not.toMatch(/not-the-token/);

    const ok = await fetch(`${base}/console/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKENS.viewer, next: '/console/workflows' }),
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/console/workflows');
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^clinflow_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP on localhost; Secure when TLS
  });

  it('does not redirect off-site after sign-in', async () => {
    const res = await fetch(`${base}/console/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKENS.viewer, next: '//evil.example/console/' }),
    });
    expect(res.headers.get('location')).toBe('/console/executions');
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await fetch(`${base}/console/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://evil.example' },
      body: new URLSearchParams({ token: TOKENS.operator }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('signs out: the session no longer answers', async () => {
    const c = await signIn(TOKENS.viewer);
    expect((await get(c, '/console/api/session')).status).toBe(200);
    const out = await post(c, '/console/signout', {});
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await get(c, '/console/api/session')).status).toBe(401);
  });
});

describe('executions list', () => {
  it('pages newest first by keyset, without overlap, to the end', async () => {
    const c = await signIn(TOKENS.viewer);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await get(c, `/console/api/executions?workflow=console-fail&limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: { executionArn: string; name: string; status: string; startMs: number }[]; nextCursor?: string };
      seen.push(...body.items.map((i) => i.executionArn));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(60);
    expect(seen).toEqual([...failedArns].reverse());
  });

  it('filters by status, by FHIR reference in the input and by time range', async () => {
    const c = await signIn(TOKENS.viewer);
    const failed = (await (await get(c, '/console/api/executions?status=FAILED&limit=200')).json()) as { items: { status: string }[] };
    expect(failed.items.length).toBeGreaterThanOrEqual(60);
    expect(failed.items.every((i) => i.status === 'FAILED')).toBe(true);
    const byRef = (await (await get(c, `/console/api/executions?key=${encodeURIComponent('MedicationRequest/missing-7')}`)).json()) as { items: { name: string }[] };
    expect(byRef.items.map((i) => i.name)).toEqual(['fail-007']);
    const future = (await (await get(c, `/console/api/executions?since=${new Date(START + 3_600_000).toISOString()}`)).json()) as { items: unknown[] };
    expect(future.items).toEqual([]);
    const past = (await (await get(c, `/console/api/executions?until=${new Date(START - 1).toISOString()}`)).json()) as { items: unknown[] };
    expect(past.items).toEqual([]);
    const bad = await get(c, '/console/api/executions?status=BROKEN');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/status must be one of RUNNING/);
  });

  it('renders the page with rows, filters, a next-page link and an empty state that says what to do', async () => {
    const c = await signIn(TOKENS.viewer);
    const res = await get(c, '/console/executions?workflow=console-fail');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const text = await res.text();
    expect(text.match(/data-testid="execution-row"/g)).toHaveLength(50);
    expect(text).toMatch(/id="next-page"/);
    expect(text).toMatch(/<meta name="csrf-token" content="[A-Za-z0-9_-]{43}">/);
    expect(text).not.toMatch(/id="bulk-redrive-form"/); // a viewer cannot act
    const empty = await (await get(c, `/console/executions?key=${encodeURIComponent('MedicationRequest/nobody')}`)).text();
    expect(empty).toMatch(/id="empty-state"[^>]*>No execution matches these filters\. Widen the time range/);
    const badFilter = await get(c, '/console/executions?since=yesterday-ish');
    expect(badFilter.status).toBe(400);
    expect(await badFilter.text()).toMatch(/id="filter-error"[^>]*>started from: not a date and time/);
  });
});

describe('one execution', () => {
  it('shows the failed step as failed, the error in plain words, and no input to a viewer', async () => {
    const c = await signIn(TOKENS.viewer);
    const arn = failedArns[3] ?? '';
    const text = await (await get(c, `/console/executions/${encodeURIComponent(arn)}`)).text();
    expect(text).toMatch(/<li data-step="readOrder" data-status="failed"/);
    // The graph, drawn from the YAML steps, marks the same step failed (in colour and in words).
    expect(text).toMatch(/<figure id="graph" class="graph"><svg [^>]*role="img"/);
    expect(text).toMatch(/<g class="cf-node cf-kind-task cf-status-failed" data-step="readOrder">/);
    expect(text).toMatch(/id="execution-status"><span class="badge status-failed" data-status="FAILED">/);
    expect(text).toMatch(/id="execution-error"/);
    expect(text).not.toMatch(/missing-3/); // the input (PHI) is nowhere in the page
    expect(text).not.toMatch(/id="redrive-form"|class="reveal/);
    expect(text).toMatch(/id="no-reveal"/);
  });
});

describe('workflows', () => {
  it('lists each workflow with its trigger as written, and draws its steps', async () => {
    const c = await signIn(TOKENS.viewer);
    const list = await (await get(c, '/console/workflows')).text();
    expect(list).toMatch(/data-workflow="console-fail"/);
    expect(list).toMatch(/data-count-status="FAILED"><span class="badge status-failed" data-status="FAILED">failed<\/span> \d+/);
    const one = await (await get(c, '/console/workflows/console-review')).text();
    expect(one).toMatch(/<li data-step="review" class="step depth-0"><strong>review<\/strong> <span class="muted">a person: until completed · timeout 1h<\/span>/);
    expect(one).toMatch(/<svg [^>]*role="img"/);
    expect((await get(c, '/console/workflows/nope')).status).toBe(404);
  });
});

describe('CSRF and roles', () => {
  it('refuses an action without the CSRF token, or from another origin, and does nothing (audited)', async () => {
    const c = await signIn(TOKENS.operator);
    const arn = failedArns[10] ?? '';
    const noToken = await post(c, '/console/actions/redrive', { arn }, { csrf: null });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: string }).error).toBe('InvalidCsrfToken');
    const wrong = await post(c, '/console/actions/redrive', { arn }, { csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    const crossSite = await post(c, '/console/actions/redrive', { arn }, { origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(describe_(arn).redriveCount).toBe(0);
    expect(auditRows(arn).filter((r) => r.kind === 'denied' && r.outcome === 'InvalidCsrfToken')).toHaveLength(3);
  });

  it('a viewer can neither act nor reveal (403, audited, nothing changes)', async () => {
    const c = await signIn(TOKENS.viewer);
    const arn = failedArns[11] ?? '';
    const redrive = await post(c, '/console/actions/redrive', { arn });
    expect(redrive.status).toBe(403);
    expect(((await redrive.json()) as { message: string }).message).toMatch(/needs the operator role/);
    const reveal = await post(c, '/console/api/reveal', { arn });
    expect(reveal.status).toBe(403);
    expect(await reveal.text()).not.toMatch(/missing-11/);
    expect(describe_(arn).redriveCount).toBe(0);
    expect(auditRows(arn).map((r) => [r.accessKey, r.action, r.kind, r.outcome])).toEqual(
      expect.arrayContaining([
        ['console:vera', 'RedriveExecution', 'denied', 'Forbidden'],
        ['console:vera', 'RevealExecutionData', 'denied', 'Forbidden'],
      ]),
    );
  });

  it('an operator cannot reveal PHI; a clinician cannot redrive', async () => {
    const op = await signIn(TOKENS.operator);
    expect((await post(op, '/console/api/reveal', { arn: failedArns[12] ?? '' })).status).toBe(403);
    const cl = await signIn(TOKENS.clinician);
    expect((await post(cl, '/console/actions/redrive', { arn: failedArns[12] ?? '' })).status).toBe(403);
    expect(describe_(failedArns[12] ?? '').redriveCount).toBe(0);
  });
});

describe('reveal and actions, in the audit trail', () => {
  it('a clinician reveals an input; the reveal is audited with who and which execution', async () => {
    const c = await signIn(TOKENS.clinician);
    const arn = failedArns[20] ?? '';
    const page = await (await get(c, `/console/executions/${encodeURIComponent(arn)}`)).text();
    expect(page).toMatch(/id="reveal-execution"/);
    expect(page).not.toMatch(/missing-20/); // hidden until revealed
    const res = await post(c, '/console/api/reveal', { arn });
    expect(res.status).toBe(200);
    const data = (await res.json()) as { input?: string };
    expect(JSON.parse(data.input ?? '{}')).toEqual({ order: 'MedicationRequest/missing-20', patient: 'Patient/p-console' });
    const event = await post(c, '/console/api/reveal', { arn, event: '1' });
    expect(((await event.json()) as { input?: string }).input).toMatch(/missing-20/);
    const rows = auditRows(arn).filter((r) => r.kind === 'data');
    expect(rows.map((r) => [r.accessKey, r.service, r.action, r.outcome])).toEqual([
      ['console:clara', 'console', 'RevealEventData#1', 'ok'],
      ['console:clara', 'console', 'RevealExecutionData', 'ok'],
    ]);
    expect(audit.verify().ok).toBe(true);
  });

  it('an operator redrives one failed execution (audited), and a form post comes back with a notice', async () => {
    const c = await signIn(TOKENS.operator);
    const arn = failedArns[30] ?? '';
    const res = await post(c, '/console/actions/redrive', { arn, return: `/console/executions/${encodeURIComponent(arn)}` }, { json: false });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/console/executions/${encodeURIComponent(arn)}`);
    expect(describe_(arn).redriveCount).toBe(1);
    expect(auditRows(arn).map((r) => [r.accessKey, r.action, r.kind, r.outcome])).toContainEqual(['console:otto', 'RedriveExecution', 'change', 'ok']);
    const page = await (await get(c, res.headers.get('location') ?? '')).text();
    expect(page).toMatch(/id="notice"[^>]*>Execution redriven/);
    await runtime.settle();
  });

  it('bulk-redrives the selected failed executions, reporting each one that could not be', async () => {
    const c = await signIn(TOKENS.operator);
    const arns = [failedArns[40] ?? '', failedArns[41] ?? ''];
    const gone = smArn('console-fail').replace(':stateMachine:', ':execution:') + ':no-such-run';
    const res = await post(c, '/console/actions/bulk-redrive', { arn: [...arns, gone] });
    const body = (await res.json()) as { ok: boolean; message: string; results: { executionArn: string; ok: boolean; error?: string }[] };
    expect(body.ok).toBe(false);
    expect(body.results.filter((r) => r.ok).map((r) => r.executionArn)).toEqual(arns);
    expect(body.results.find((r) => r.executionArn === gone)?.error).toMatch(/There is no such execution/);
    expect(body.message).toMatch(/^Redriven 2 of 3\. Not redriven: no-such-run/);
    for (const a of arns) expect(describe_(a).redriveCount).toBe(1);
    await runtime.settle();
  });

  it('a clinician completes a human task from the inbox and the workflow resumes', async () => {
    // A synthetic patient and order on the FHIR sandbox: the Task the step creates refers to them.
    const patient = await runtime.ports.fhir.create({ resourceType: 'Patient', name: [{ family: 'Synthetic', given: ['Consoleperson'] }] });
    const order = await runtime.ports.fhir.create({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: 'Synthetic medicine' },
      subject: { reference: `Patient/${patient.id}` },
    });
    const arn = await start('console-review', 'review-1', { order: `MedicationRequest/${order.id}`, patient: `Patient/${patient.id}` });
    await runtime.settle();
    expect(describe_(arn).status).toBe('RUNNING');
    const c = await signIn(TOKENS.clinician);
    const tasks = (await (await get(c, '/console/api/tasks')).json()) as { tasks: { executionArn: string; fhirTask?: string; deadlineMs?: number; escalation: string }[] };
    const task = tasks.tasks.find((t) => t.executionArn === arn);
    expect(task?.fhirTask).toMatch(/^Task\//);
    expect(task?.escalation).toBe('on-time');
    const inbox = await (await get(c, '/console/tasks')).text();
    expect(inbox).toContain(`data-task="${task?.fhirTask}"`);
    const notObject = await post(c, '/console/actions/task-success', { task: task?.fhirTask ?? '', output: '[1]' });
    expect(notObject.status).toBe(400);
    const res = await post(c, '/console/actions/task-success', { task: task?.fhirTask ?? '', output: '{"reviewed":true}' });
    expect(res.status).toBe(200);
    await runtime.settle();
    const d = describe_(arn);
    expect(d.status).toBe('SUCCEEDED');
    // The FHIR Task itself is completed on its server, with the result, as the clinical path would.
    const fhirTask = await runtime.ports.fhir.read(task?.fhirTask ?? '');
    expect(fhirTask.status).toBe('completed');
    expect(fhirTask.output).toEqual([{ type: { text: 'reviewed' }, valueBoolean: true }]);
    expect(auditRows(task?.fhirTask ?? '').map((r) => [r.accessKey, r.action, r.outcome])).toEqual([['console:clara', 'SendTaskSuccess', 'ok']]);
    const again = await post(c, '/console/actions/task-success', { task: task?.fhirTask ?? '', output: '{}' });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { message: string }).message).toMatch(/no execution is waiting on Task\//);
  });
});

describe('reminders', () => {
  it("shows an order's pending reminders in the patient's local time, with the policy that placed them", async () => {
    const group = 'clinflow-reminders';
    if (!(await runtime.scheduler.listScheduleGroups()).ScheduleGroups.some((g) => g.Name === group)) await runtime.scheduler.createScheduleGroup({ Name: group });
    const at = '2030-03-10T13:00:00.000Z'; // 09:00 in New York (EDT, after the March change)
    await runtime.scheduler.createSchedule({
      Name: 'console-test-slot',
      GroupName: group,
      ScheduleExpression: 'at(2030-03-10T13:00:00)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: smArn('console-fail'),
        RoleArn: 'arn:aws:iam::000000000000:role/clinflow-scheduler',
        Input: JSON.stringify({ order: 'MedicationRequest/rem-1', slot: 'morning', at, timeZone: 'America/New_York', policyVersion: '3', key: 'k' }),
      },
    });
    const c = await signIn(TOKENS.viewer);
    const page = await (await get(c, `/console/reminders?order=${encodeURIComponent('MedicationRequest/rem-1')}`)).text();
    const row = /<tr data-testid="reminder-row">([\s\S]*?)<\/tr>/.exec(page)?.[1] ?? '';
    expect(row).toContain('<td>MedicationRequest/rem-1</td><td>morning</td>');
    expect(row).toMatch(/9:00 a\.m\. \(America\/New_York\)|09:00 \(America\/New_York\)/);
    expect(row).toContain(`<time datetime="${at}" data-patient-zone="America/New_York">`);
    expect(row).toContain('reminder policy v3');
    const none = await (await get(c, `/console/reminders?order=${encodeURIComponent('MedicationRequest/other')}`)).text();
    expect(none).toMatch(/id="empty-state"[^>]*>No pending reminders for MedicationRequest\/other/);
    const bad = await get(c, '/console/reminders?order=Patient/1');
    expect(bad.status).toBe(400);
  });
});

describe('dead letters', () => {
  it('lists a dead letter with its reason and an operator redrives it (audited)', async () => {
    runtime.bus.putRule({ Name: 'console-test-dead', EventPattern: JSON.stringify({ source: ['console.test'] }), State: 'ENABLED' });
    runtime.bus.putTargets({ Rule: 'console-test-dead', Targets: [{ Id: 'nowhere', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:nowhere', RetryPolicy: { MaximumRetryAttempts: 0 } }] });
    await runtime.bus.putEvents([{ Source: 'console.test', DetailType: 'Test', Detail: '{}' }]);
    await runtime.settle();
    const c = await signIn(TOKENS.operator);
    const page = await (await get(c, '/console/dead-letters')).text();
    const id = /data-testid="dead-letter-row" data-id="bus\/(\d+)"/.exec(page)?.[1];
    expect(id).toBeDefined();
    expect(page).toMatch(/rule\/console-test-dead/);
    const viewer = await signIn(TOKENS.viewer);
    expect((await post(viewer, '/console/actions/dlq-redrive', { source: 'bus', id: id ?? '' })).status).toBe(403);
    const res = await post(c, '/console/actions/dlq-redrive', { source: 'bus', id: id ?? '' });
    expect(res.status).toBe(200);
    expect(await (await get(c, '/console/dead-letters')).text()).not.toContain(`data-id="bus/${id}"`);
    expect(auditRows(`dead-letter:bus/${id}`).map((r) => [r.accessKey, r.action, r.kind, r.outcome])).toEqual([
      ['console:otto', 'RedriveDeadLetter', 'change', 'ok'],
      ['console:vera', 'RedriveDeadLetter', 'denied', 'Forbidden'],
    ]);
    const again = await post(c, '/console/actions/dlq-redrive', { source: 'bus', id: id ?? '' });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { message: string }).message).toMatch(/there is no dead letter bus:\d+/);
    await runtime.settle();
  });
});

describe('live updates (server-sent events)', () => {
  it('tells a signed-in page when an execution starts', async () => {
    const c = await signIn(TOKENS.viewer);
    const controller = new AbortController();
    const res = await fetch(`${base}/console/api/stream`, { headers: { cookie: c.cookie }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const read = async (until: RegExp, ms: number): Promise<boolean> => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const r = await Promise.race([reader.read(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), deadline - Date.now()))]);
        if (!r || r.done) break;
        text += Buffer.from(r.value).toString('utf8');
        if (until.test(text)) return true;
      }
      return until.test(text);
    };
    expect(await read(/retry: 3000/, 5000)).toBe(true);
    // Let the stream take its first reading, then start an execution.
    await new Promise((r) => setTimeout(r, 1500));
    await start('console-fail', 'live-1', { order: 'MedicationRequest/live-1' });
    expect(await read(/event: executions\ndata: \{"marker":"[^"]+"\}/, 8000)).toBe(true);
    controller.abort();
    await runtime.settle();
  });
});

// Last: it locks this address out of sign-in for the rest of the window.
describe('sign-in rate limit', () => {
  it('locks an address out after 10 failed sign-ins, even for the right token, with Retry-After', async () => {
    let status = 0;
    for (let i = 0; i < 12 && status !== 429; i++) {
      const res = await fetch(`${base}/console/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ token: `wrong-token-number-${i}-xxxxxxxx` }),
      });
      status = res.status;
    }
    expect(status).toBe(429);
    const right = await fetch(`${base}/console/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKENS.operator }),
    });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.headers.get('set-cookie')).toBeNull();
    expect(audit.list({ limit: 1 })[0]).toMatchObject({ action: 'SignIn', kind: 'denied', outcome: 'TooManyAttempts' });
  });
});
