/**
 * The console at scale, as the issue measures it: the first render of the executions list with
 * 100 000 executions in the journal takes < 1 s on localhost, and the console's JavaScript is
 * < 300 KB gzipped. Both numbers are printed for the report.
 */
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'puppeteer-core';
import { describeWithBrowser } from './chromium';
import { BROWSER_MS, BROWSER_TEST_MS, launchChromium, openPage, startDevRig, START_MS, type DevRig } from './browser.testkit';
import { seedExecutions } from '../../console/seedExecutions.testkit';
import { CONSOLE_ENV, countOf, signIn, TOKENS } from './consoleSession';

const EXECUTIONS = 100_000;
/** Seeding 100 000 rows on a loaded two-core machine takes tens of seconds. */
const SEED_MS = 600_000;

interface RenderTiming {
  /** Navigation start → the last byte of the HTML. */
  responseEndMs: number;
  /** Navigation start → first contentful paint (the list's first pixels). */
  firstContentfulPaintMs: number;
  /** Navigation start → DOMContentLoaded handled (the table is in the document). */
  domContentLoadedMs: number;
  /** The server's own time listing the page of executions (Server-Timing `list`). */
  serverListMs: number;
}

/** The page's own navigation and paint timings (Navigation Timing, Paint Timing, Server-Timing). */
async function renderTiming(page: Page): Promise<RenderTiming> {
  // The paint entry is queued after the frame is presented, which can be after 'load': wait for it.
  return page.evaluate(`(async () => {
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = await new Promise((resolve) => {
      const seen = () => performance.getEntriesByName('first-contentful-paint')[0];
      if (seen()) return resolve(seen().startTime);
      new PerformanceObserver(() => seen() && resolve(seen().startTime)).observe({ type: 'paint', buffered: true });
      setTimeout(() => resolve(-1), ${BROWSER_MS});
    });
    const list = (nav.serverTiming || []).find((t) => t.name === 'list');
    return { responseEndMs: nav.responseEnd, firstContentfulPaintMs: fcp, domContentLoadedMs: nav.domContentLoadedEventEnd, serverListMs: list ? list.duration : -1 };
  })()`) as Promise<RenderTiming>;
}

describeWithBrowser('the console with 100 000 executions', (chromium) => {
  let rig: DevRig;
  let browser: Browser;
  let seeded: { count: number; ms: number };

  beforeAll(async () => {
    [rig, browser] = await Promise.all([startDevRig({ console: true, env: CONSOLE_ENV }), launchChromium(chromium)]);
    seeded = seedExecutions(rig.runtime.engine, { stateMachineName: 'clinflow-abnormal-lab', count: EXECUTIONS, startMs: START_MS - EXECUTIONS * 1000 });
  }, SEED_MS);
  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  }, BROWSER_TEST_MS);

  it(
    'renders the first page of the executions list in under a second',
    async () => {
      expect(seeded.count).toBe(EXECUTIONS);
      const { page, errors } = await openPage(browser, rig.baseUrl);
      // Sign-in lands on the list (its redirect chain includes the sign-in POST; printed, not judged).
      await signIn(page, rig.baseUrl, TOKENS.console);
      expect(new URL(page.url()).pathname).toBe('/console/executions');
      const afterSignIn = await renderTiming(page);
      // The list's first render in a page: a fresh navigation, nothing cached (HTML, CSS, script).
      // This machine is shared (load ~8 per core), so one sample says more about the neighbours
      // than about the console: the bar applies to the median of five, and every sample is printed.
      await page.setCacheEnabled(false);
      const samples: RenderTiming[] = [];
      for (let i = 0; i < 5; i++) {
        await page.goto(`${rig.baseUrl}/console/executions`, { waitUntil: 'load' });
        samples.push(await renderTiming(page));
        expect(await countOf(page, '[data-testid="execution-row"]')).toBe(50);
      }
      // Newest first: the engine's own scheduled runs (started at the simulated "now", after every
      // seeded row) come first, then the seeded executions from the newest down, none skipped.
      const arns = await page.$$eval('[data-testid="execution-row"]', (rows) => rows.map((r) => r.getAttribute('data-arn') ?? ''));
      const firstSeed = arns.findIndex((a) => a.includes(':seed-'));
      expect(firstSeed).toBeGreaterThanOrEqual(0);
      expect(arns.slice(0, firstSeed).every((a) => !a.includes(':clinflow-abnormal-lab:'))).toBe(true);
      expect(arns.slice(firstSeed)).toEqual(arns.slice(firstSeed).map((_, i) => `arn:aws:states:us-east-1:000000000000:execution:clinflow-abnormal-lab:seed-${EXECUTIONS - 1 - i}`));
      const median = (f: (t: RenderTiming) => number): number => samples.map(f).sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
      const fcp = median((t) => t.firstContentfulPaintMs);
      const dcl = median((t) => t.domContentLoadedMs);
      process.stdout.write(
        `console scale: ${EXECUTIONS} executions seeded in ${(seeded.ms / 1000).toFixed(1)} s; first render of the list (median of ${samples.length}, uncached): first contentful paint ${fcp.toFixed(0)} ms, DOMContentLoaded ${dcl.toFixed(0)} ms, HTML response ${median((t) => t.responseEndMs).toFixed(0)} ms, server list query ${median((t) => t.serverListMs).toFixed(1)} ms; samples FCP ${samples.map((t) => t.firstContentfulPaintMs.toFixed(0)).join(', ')} ms; after the sign-in redirect: FCP ${afterSignIn.firstContentfulPaintMs.toFixed(0)} ms\n`,
      );
      for (const t of samples) {
        expect(t.serverListMs).toBeGreaterThanOrEqual(0);
        expect(t.firstContentfulPaintMs).toBeGreaterThan(0);
      }
      expect(fcp).toBeLessThan(1000);
      expect(dcl).toBeLessThan(1000);
      // Paging on stays fast: the next page is a keyset query, not an offset over 100 000 rows.
      const t0 = Date.now();
      await Promise.all([page.waitForNavigation(), page.click('#next-page')]);
      const nextMs = Date.now() - t0;
      expect(await countOf(page, '[data-testid="execution-row"]')).toBe(50);
      expect(await page.$eval('[data-testid="execution-row"]', (r) => r.getAttribute('data-arn'))).toBe(
        `arn:aws:states:us-east-1:000000000000:execution:clinflow-abnormal-lab:seed-${EXECUTIONS - 1 - (arns.length - firstSeed)}`,
      );
      process.stdout.write(`console scale: next page ${nextMs} ms\n`);
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    "keeps the console's JavaScript under 300 KB gzipped",
    async () => {
      const css = await fetch(`${rig.baseUrl}/console/assets/console.css`);
      const js = await fetch(`${rig.baseUrl}/console/assets/console.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      const body = Buffer.from(await js.arrayBuffer());
      const gz = gzipSync(body, { level: 9 }).length;
      const cssGz = gzipSync(Buffer.from(await css.arrayBuffer()), { level: 9 }).length;
      process.stdout.write(`console scale: console.js ${body.length} bytes, ${gz} bytes gzipped; console.css ${cssGz} bytes gzipped\n`);
      expect(body.length).toBeGreaterThan(0);
      expect(gz).toBeLessThan(300 * 1024);
    },
    BROWSER_TEST_MS,
  );
});
