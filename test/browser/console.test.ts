/**
 * The web console (#15) in headless Chromium, against the runtime `clinflow dev` starts: a person
 * signs in with the token through the password field, lists and filters executions, opens the one
 * whose step failed and sees that step marked failed, redrives it, completes a human task and sees
 * the workflow resume; a viewer can neither reveal PHI nor act; an action without the session's
 * CSRF token is refused; no console API answers without a session. Every view passes axe (no
 * serious or critical violations), loads nothing from off the machine, raises no page error (a CSP
 * violation is one), and is photographed into docs/console/.
 */
import type { Browser, Page } from 'puppeteer-core';
import { describeWithBrowser } from './chromium';
import { BROWSER_MS, BROWSER_TEST_MS, launchChromium, openPage, startDevRig, type ConsolePage, type DevRig } from './browser.testkit';
import { expectAccessible } from './axe';
import { saveScreenshot } from './screenshots';
import { buildScenario, type Scenario } from './consoleScenario';
import { attrsOf, CONSOLE_ENV, countOf, csrfOf, personWith, postFromPage, signIn, textOf, TOKENS, visit } from './consoleSession';

const executionUrl = (base: string, arn: string): string => `${base}/console/executions/${encodeURIComponent(arn)}`;

/** A step's status as the execution's graph draws it (its node's `cf-status-*` class); '' when it has none. */
async function graphStatus(page: Page, step: string): Promise<string> {
  const classes = await attrsOf(page, `#graph g.cf-node[data-step="${step}"]`, 'class');
  expect(classes).toHaveLength(1);
  return /\bcf-status-([a-z-]+)/.exec(classes[0]!)?.[1] ?? '';
}

/** The discharge follow-up the live-list test started, still waiting out its two days. */
function runningFollowUp(rig: DevRig): string {
  const out = rig.runtime.engine.listExecutions({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-discharge-follow-up', statusFilter: 'RUNNING' }) as {
    executions: { executionArn: string }[];
  };
  expect(out.executions).toHaveLength(1);
  return out.executions[0]!.executionArn;
}

describeWithBrowser('the web console in Chromium', (chromium) => {
  let rig: DevRig;
  let browser: Browser;
  let s: Scenario;
  /** The operator+clinician's tab (CLINFLOW_CONSOLE_TOKEN), signed in by the sign-in test. */
  let tab: ConsolePage;
  let page: Page;

  beforeAll(async () => {
    [rig, browser] = await Promise.all([startDevRig({ console: true, env: CONSOLE_ENV }), launchChromium(chromium)]);
    s = await buildScenario(rig);
    tab = await openPage(browser, rig.baseUrl);
    page = tab.page;
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  }, BROWSER_TEST_MS);

  /** What every view must be: no page error or CSP violation, nothing fetched off the machine, axe-clean; then its picture. */
  const checkView = async (p: ConsolePage, view: string, screenshot?: string, endAfter?: string): Promise<void> => {
    expect(p.errors).toEqual([]);
    expect(p.offOrigin).toEqual([]);
    await expectAccessible(p.page, view);
    if (screenshot) await saveScreenshot(p.page, screenshot, endAfter);
  };

  it(
    'no console API or page answers without a session, and nothing is done',
    async () => {
      const get = (path: string, accept = 'application/json') => fetch(`${rig.baseUrl}${path}`, { headers: { Accept: accept }, redirect: 'manual' });
      const paths = [
        '/console/api/executions',
        `/console/api/executions/${encodeURIComponent(s.failedArn)}`,
        '/console/api/tasks',
        '/console/api/health',
        '/console/api/session',
        '/console/api/stream',
      ];
      for (const path of paths) {
        const res = await get(path);
        const body = await res.text();
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
        expect(JSON.parse(body)).toMatchObject({ error: 'Unauthorized' });
        expect(body).not.toContain(s.patient);
        expect(body).not.toContain(s.encounter);
      }
      // A forged session cookie is no session.
      const forged = await fetch(`${rig.baseUrl}/console/api/executions`, { headers: { Accept: 'application/json', Cookie: 'clinflow_console=forged-session-id' } });
      expect(forged.status).toBe(401);
      // Pages send a person to sign in, and show nothing else.
      for (const path of ['/console/executions', '/console/tasks', '/console/workflows', '/console/reminders', '/console/dead-letters', '/console/health']) {
        const res = await get(path, 'text/html');
        expect({ path, status: res.status }).toEqual({ path, status: 303 });
        expect(res.headers.get('location')).toBe(`/console/signin?next=${encodeURIComponent(path)}`);
      }
      // Actions without a session: refused, and the failed execution is untouched.
      for (const [path, fields] of [
        ['/console/actions/redrive', { arn: s.failedArn }],
        ['/console/actions/stop', { arn: s.waitingArn }],
        ['/console/actions/task-success', { task: s.task, output: '{}' }],
        ['/console/api/reveal', { arn: s.waitingArn }],
      ] as const) {
        const res = await fetch(`${rig.baseUrl}${path}`, {
          method: 'POST',
          headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
        });
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
      }
      expect(rig.runtime.engine.describeExecution({ executionArn: s.failedArn })).toMatchObject({ status: 'FAILED', redriveCount: 0 });
      expect(rig.runtime.engine.describeExecution({ executionArn: s.waitingArn }).status).toBe('RUNNING');
    },
    BROWSER_TEST_MS,
  );

  it(
    'signs in with the token typed into the password field; a wrong token is refused with a reason',
    async () => {
      await page.goto(`${rig.baseUrl}/console`);
      expect(new URL(page.url()).pathname).toBe('/console/signin');
      expect(await attrsOf(page, '#token', 'type')).toEqual(['password']);
      await checkView(tab, 'sign-in', 'signin');

      await page.type('#token', 'not-the-token-at-all-0000');
      await Promise.all([page.waitForNavigation(), page.click('#signin-submit')]);
      expect(await textOf(page, '#signin-error')).toMatch(/not valid/);
      expect(await attrsOf(page, '#token', 'aria-invalid')).toEqual(['true']);
      expect(await page.cookies()).toEqual([]);
      // The refusal is a 401 page, which Chromium logs as a failed load: expected, and the only error.
      expect(tab.errors).toEqual([expect.stringMatching(/status of 401 .*\/console\/signin/)]);
      tab.errors.length = 0;

      await signIn(page, rig.baseUrl, TOKENS.console);
      expect(new URL(page.url()).pathname).toBe('/console/executions');
      expect(await textOf(page, '[data-testid="who"]')).toMatch(/operator/);
      const cookie = (await page.cookies()).find((c) => c.name === 'clinflow_console');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
      // The token itself is never echoed: not in the URL, the page, or the cookie.
      expect(page.url()).not.toContain(TOKENS.console);
      expect(await page.content()).not.toContain(TOKENS.console);
      expect(cookie?.value).not.toContain(TOKENS.console);
    },
    BROWSER_TEST_MS,
  );

  it(
    'lists executions newest first, filters them by status, workflow and FHIR reference, and says so when nothing matches',
    async () => {
      await visit(page, `${rig.baseUrl}/console/executions`);
      const arns = await attrsOf(page, '[data-testid="execution-row"]', 'data-arn');
      expect(arns).toEqual(expect.arrayContaining([s.failedArn, s.waitingArn]));
      const statuses = new Map((await attrsOf(page, '[data-testid="execution-row"]', 'data-status')).map((st, i) => [arns[i], st]));
      expect(statuses.get(s.failedArn)).toBe('FAILED');
      expect(statuses.get(s.waitingArn)).toBe('RUNNING');
      // Newest first: the potassium run started after the discharge run.
      expect(arns.indexOf(s.waitingArn)).toBeLessThan(arns.indexOf(s.failedArn));
      await checkView(tab, 'executions', 'executions');

      // Status, through the form as a person uses it.
      await page.select('#filter-status', 'FAILED');
      await Promise.all([page.waitForNavigation(), page.click('#filter-apply')]);
      expect(new URL(page.url()).searchParams.get('status')).toBe('FAILED');
      const failed = await attrsOf(page, '[data-testid="execution-row"]', 'data-status');
      expect(failed.length).toBeGreaterThan(0);
      expect(new Set(failed)).toEqual(new Set(['FAILED']));
      expect(await attrsOf(page, '[data-testid="execution-row"]', 'data-arn')).toContain(s.failedArn);

      // Workflow.
      await visit(page, `${rig.baseUrl}/console/executions`);
      await page.select('#filter-workflow', 'abnormal-lab');
      await Promise.all([page.waitForNavigation(), page.click('#filter-apply')]);
      expect(await attrsOf(page, '[data-testid="execution-row"]', 'data-arn')).toEqual([s.waitingArn]);

      // A FHIR reference the execution's input named.
      await visit(page, `${rig.baseUrl}/console/executions`);
      await page.type('#filter-key', s.encounter);
      await Promise.all([page.waitForNavigation(), page.click('#filter-apply')]);
      expect(await attrsOf(page, '[data-testid="execution-row"]', 'data-arn')).toEqual([s.failedArn]);

      // Nothing matches: the empty state says what to do.
      await visit(page, `${rig.baseUrl}/console/executions?key=${encodeURIComponent('Observation/nothing-like-this')}`);
      expect(await countOf(page, '[data-testid="execution-row"]')).toBe(0);
      expect(await textOf(page, '#empty-state')).toMatch(/No execution matches these filters/);
      await checkView(tab, 'executions (no match)');
    },
    BROWSER_TEST_MS,
  );

  it(
    'adds a new execution to the open list as it starts (server-sent events), without a reload',
    async () => {
      await visit(page, `${rig.baseUrl}/console/executions`);
      const before = await countOf(page, '[data-testid="execution-row"]');
      await page.evaluate('window.__sameDocument = true');
      // Another discharge: a new follow-up starts and waits.
      const fhir = rig.runtime.ports.fhir;
      const enc = await fhir.create({
        resourceType: 'Encounter',
        status: 'in-progress',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
        subject: { reference: s.patient },
      });
      await fhir.update({ ...enc, status: 'finished' });
      await rig.idle();
      await page.waitForFunction(`document.querySelectorAll('[data-testid="execution-row"]').length === ${before + 1}`, { timeout: BROWSER_MS });
      expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
      expect(await attrsOf(page, '[data-testid="execution-row"]', 'data-status')).toContain('RUNNING');
      expect(tab.errors).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'opens the execution whose step failed and shows that step failed, with the error in plain words',
    async () => {
      await visit(page, `${rig.baseUrl}/console/executions?status=FAILED`);
      await Promise.all([page.waitForNavigation(), page.click(`[data-arn="${s.failedArn}"] a`)]);
      await page.waitForSelector('#execution-status');
      expect(await attrsOf(page, '#execution-status [data-status]', 'data-status')).toEqual(['FAILED']);
      expect(await attrsOf(page, '#steps [data-step="encounter"]', 'data-status')).toEqual(['failed']);
      expect(await attrsOf(page, '#steps [data-step="pause"]', 'data-status')).toEqual(['succeeded']);
      expect(await attrsOf(page, '#steps [data-step="message"]', 'data-status')).toEqual(['not-reached']);
      // The graph says the same.
      expect(await graphStatus(page, 'encounter')).toBe('failed');
      expect(await graphStatus(page, 'pause')).toBe('succeeded');
      expect(await graphStatus(page, 'message')).toBe('not-reached');
      expect(await textOf(page, '#execution-error')).toMatch(/FHIR\.Unavailable/);
      expect(await textOf(page, '#execution-cause')).toMatch(/503/);
      expect(await attrsOf(page, '[data-testid="history-row"]', 'data-event-type')).toContain('ExecutionFailed');
      await checkView(tab, 'execution', 'execution');
    },
    BROWSER_TEST_MS,
  );

  it(
    'redrives it: the execution continues from the failed step and succeeds',
    async () => {
      await visit(page, executionUrl(rig.baseUrl, s.failedArn));
      await Promise.all([page.waitForNavigation(), page.click('#redrive')]);
      expect(await textOf(page, '#notice')).toMatch(/redriven/i);
      await rig.idle();
      expect(rig.runtime.engine.describeExecution({ executionArn: s.failedArn })).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      await visit(page, executionUrl(rig.baseUrl, s.failedArn));
      expect(await attrsOf(page, '#execution-status [data-status]', 'data-status')).toEqual(['SUCCEEDED']);
      expect(await attrsOf(page, '#steps [data-step="message"]', 'data-status')).toEqual(['succeeded']);
      expect(await graphStatus(page, 'message')).toBe('succeeded');
      expect(await attrsOf(page, '[data-testid="history-row"]', 'data-event-type')).toEqual(expect.arrayContaining(['ExecutionFailed', 'ExecutionRedriven', 'ExecutionSucceeded']));
    },
    BROWSER_TEST_MS,
  );

  it(
    'after the redrive, the step that failed and then succeeded is marked succeeded',
    async () => {
      await visit(page, executionUrl(rig.baseUrl, s.failedArn));
      expect(await attrsOf(page, '#execution-status [data-status]', 'data-status')).toEqual(['SUCCEEDED']);
      expect(await attrsOf(page, '#steps [data-step="encounter"]', 'data-status')).toEqual(['succeeded']);
      expect(await graphStatus(page, 'encounter')).toBe('succeeded');
    },
    BROWSER_TEST_MS,
  );

  it(
    'completes a human task from the inbox, and the waiting workflow resumes and finishes',
    async () => {
      await visit(page, `${rig.baseUrl}/console/tasks`);
      expect(await attrsOf(page, '[data-testid="task-row"]', 'data-task')).toEqual([s.task]);
      await checkView(tab, 'human tasks', 'tasks');
      await Promise.all([page.waitForNavigation(), page.click(`[data-task="${s.task}"] form.task-complete button[type="submit"]`)]);
      expect(await textOf(page, '#notice')).toContain(`${s.task} completed`);
      await rig.idle();
      expect(rig.runtime.engine.describeExecution({ executionArn: s.waitingArn }).status).toBe('SUCCEEDED');
      await visit(page, executionUrl(rig.baseUrl, s.waitingArn));
      expect(await attrsOf(page, '#execution-status [data-status]', 'data-status')).toEqual(['SUCCEEDED']);
      expect(await attrsOf(page, '#steps [data-step="acknowledge"]', 'data-status')).toEqual(['succeeded']);
      expect(await graphStatus(page, 'acknowledge')).toBe('succeeded');
      await visit(page, `${rig.baseUrl}/console/tasks`);
      expect(await countOf(page, '[data-testid="task-row"]')).toBe(0);
      expect(await textOf(page, '#empty-state')).toMatch(/Nobody is waiting on a person/);
    },
    BROWSER_TEST_MS,
  );

  it(
    'a clinician reveals input and output on request; a viewer can neither reveal them nor act',
    async () => {
      // The clinician's reveal shows the input (the trigger's event).
      await visit(page, executionUrl(rig.baseUrl, s.waitingArn));
      await page.click('#reveal-execution');
      await page.waitForSelector('[data-testid="revealed-input"]');
      expect(await textOf(page, '[data-testid="revealed-input"]')).toContain(s.observation);

      const viewer = await personWith(browser, rig.baseUrl, TOKENS.viewer);
      try {
        const v = viewer.page;
        expect(await textOf(v, '[data-testid="who"]')).toMatch(/viewer/);
        await visit(v, executionUrl(rig.baseUrl, s.waitingArn));
        expect(await countOf(v, 'button.reveal')).toBe(0);
        expect(await countOf(v, '#stop, #redrive, #task-success, #task-failure, #bulk-redrive')).toBe(0);
        expect(await textOf(v, '#no-reveal')).toMatch(/only clinicians/);
        expect(await page.content()).toContain(s.observation);
        expect(await v.content()).not.toContain(s.observation);
        await checkView(viewer, 'execution (viewer)');
        // The server refuses what the page does not offer, even with the viewer's own CSRF token.
        const csrf = await csrfOf(v);
        expect(csrf).not.toBe('');
        const reveal = await postFromPage(v, '/console/api/reveal', { arn: s.waitingArn }, csrf);
        expect(reveal.status).toBe(403);
        expect(reveal.body).not.toContain(s.observation);
        const running = runningFollowUp(rig);
        const stop = await postFromPage(v, '/console/actions/stop', { arn: running }, csrf);
        expect(stop.status).toBe(403);
        expect(rig.runtime.engine.describeExecution({ executionArn: running }).status).toBe('RUNNING');
        // Nor does the viewer's JSON carry the cause of a failure.
        const api = (await v.evaluate(`fetch(${JSON.stringify(`/console/api/executions/${encodeURIComponent(s.failedArn)}`)}, { headers: { Accept: 'application/json' } }).then((r) => r.json())`)) as {
          cause?: unknown;
        };
        expect(api.cause).toBeUndefined();
        await visit(v, `${rig.baseUrl}/console/executions?status=FAILED`);
        expect(await countOf(v, 'input[name="arn"][type="checkbox"], #bulk-redrive')).toBe(0);
      } finally {
        await viewer.close();
      }
    },
    BROWSER_TEST_MS,
  );

  it(
    'refuses an action that lacks the session’s CSRF token, or carries another, and does nothing',
    async () => {
      const operator = await personWith(browser, rig.baseUrl, TOKENS.operator);
      try {
        const o = operator.page;
        const running = runningFollowUp(rig);
        const missing = await postFromPage(o, '/console/actions/stop', { arn: running });
        expect(missing.status).toBe(403);
        expect(JSON.parse(missing.body)).toMatchObject({ error: 'InvalidCsrfToken' });
        const other = await postFromPage(o, '/console/actions/stop', { arn: running }, await csrfOf(page));
        expect(other.status).toBe(403);
        expect(rig.runtime.engine.describeExecution({ executionArn: running }).status).toBe('RUNNING');
        // With its own token the same request works: the refusals above were the token's doing.
        const ok = await postFromPage(o, '/console/actions/stop', { arn: running }, await csrfOf(o));
        expect(ok.status).toBe(200);
        await rig.idle();
        expect(rig.runtime.engine.describeExecution({ executionArn: running }).status).toBe('ABORTED');
      } finally {
        await operator.close();
      }
    },
    BROWSER_TEST_MS,
  );

  // Objects, not rows: a row shorter than the callback's parameters makes jest pass `done` as the last one and wait for it.
  it.each([
    { view: 'workflows', path: '/console/workflows', shot: 'workflows' },
    { view: 'workflow', path: '/console/workflows/abnormal-lab', shot: 'workflow' },
    { view: 'reminders', path: '/console/reminders?patient=PATIENT', shot: 'reminders' },
    { view: 'dead letters', path: '/console/dead-letters', shot: 'dead-letters' },
    // The picture stops before the latency histograms: they differ on every run.
    { view: 'health', path: '/console/health', shot: 'health', endAfter: '#metrics-table tbody tr:nth-child(4)' },
  ] as { view: string; path: string; shot: string; endAfter?: string }[])(
    'the $view view passes axe, loads nothing off the machine, and is photographed',
    async ({ view, path, shot, endAfter }) => {
      await visit(page, `${rig.baseUrl}${path.replace('PATIENT', encodeURIComponent(s.patient))}`);
      expect(await page.$eval('h1', (h) => h.textContent?.length ?? 0)).toBeGreaterThan(0);
      // The workflow's file is named from the project, never by the machine's absolute path.
      if (view === 'workflow') expect(await textOf(page, 'p.muted code')).toBe('workflows/abnormal-lab.yaml');
      await checkView(tab, view, shot, endAfter);
    },
    BROWSER_TEST_MS,
  );
});
