/**
 * The browser tests' own machinery, checked before any console test relies on it: Chromium is
 * found (or its absence explained), starts headless and reaches the dev runtime on 127.0.0.1 and
 * nothing else; the axe helper fails on a page with serious violations and passes a clean one; the
 * journal seeder writes executions the engine reads back.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { browserAbsentReason, describeWithBrowser, findChromium } from './chromium';
import { BROWSER_TEST_MS, launchChromium, openPage, startDevRig, START_MS, type DevRig } from './browser.testkit';
import { expectAccessible } from './axe';
import { seedExecutions } from '../../console/seedExecutions.testkit';

describe('findChromium', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-chromium-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes CHROMIUM_PATH when it is an executable file, and nothing else when it is not', () => {
    const fake = join(dir, 'chromium');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(findChromium({ CHROMIUM_PATH: fake })).toBe(fake);
    const missing = join(dir, 'nope');
    expect(findChromium({ CHROMIUM_PATH: missing })).toBeUndefined();
    expect(browserAbsentReason({ CHROMIUM_PATH: missing })).toBe(`CHROMIUM_PATH=${missing} is not an executable file`);
  });

  it('says how to install the browser when none is configured', () => {
    expect(browserAbsentReason({})).toMatch(/apt-get install -y chromium, or set CHROMIUM_PATH/);
  });
});

describeWithBrowser('browser test kit', (chromium) => {
  let rig: DevRig;
  let browser: Browser;
  beforeAll(async () => {
    [rig, browser] = await Promise.all([startDevRig(), launchChromium(chromium)]);
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  }, BROWSER_TEST_MS);

  it(
    'headless Chromium reaches the dev runtime on 127.0.0.1, and no other host resolves',
    async () => {
      const { page, errors, offOrigin } = await openPage(browser, rig.baseUrl);
      const res = await page.goto(`${rig.baseUrl}/health`);
      expect(res?.status()).toBe(200);
      expect(JSON.parse((await page.evaluate('document.body.innerText')) as string)).toMatchObject({ status: 'ok' });
      expect(errors).toEqual([]);
      expect(offOrigin).toEqual([]);
      // The host-resolver rule: a name off the machine never resolves, so nothing leaves it.
      await expect(page.goto('http://example.invalid/')).rejects.toThrow(/ERR_NAME_NOT_RESOLVED/);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'the axe helper names each serious or critical violation, and passes a page without them',
    async () => {
      const { page } = await openPage(browser, rig.baseUrl);
      await page.setContent('<!doctype html><html><head><title>bad</title></head><body><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button></main></body></html>');
      const failure = await expectAccessible(page, 'bad').then(
        () => 'no error',
        (err: unknown) => String(err),
      );
      expect(failure).toMatch(/serious or critical violations? on the bad view/);
      expect(failure).toMatch(/\[critical\] image-alt: Images must have alternative text/);
      expect(failure).toMatch(/\[critical\] button-name: Buttons must have discernible text/);
      expect(failure).toMatch(/html-has-lang/);
      await page.setContent(
        '<!doctype html><html lang="en"><head><title>good</title></head><body><main><h1>Executions</h1><img alt="graph" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button>Redrive</button></main></body></html>',
      );
      await expectAccessible(page, 'good');
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'seeds executions in one transaction that the engine describes and lists',
    async () => {
      const seeded = seedExecutions(rig.runtime.engine, { stateMachineName: 'clinflow-abnormal-lab', count: 2000, startMs: START_MS - 3_600_000, prefix: 'kit-' });
      expect(seeded).toMatchObject({ count: 2000, failed: 200 });
      const arn = (n: number) => `arn:aws:states:us-east-1:000000000000:execution:clinflow-abnormal-lab:kit-${n}`;
      expect(rig.runtime.engine.describeExecution({ executionArn: arn(0) })).toMatchObject({ status: 'SUCCEEDED', output: '{"acknowledged":true}' });
      const failed = rig.runtime.engine.describeExecution({ executionArn: arn(9) });
      expect(failed).toMatchObject({ status: 'FAILED', error: 'FHIR.NotFound', redriveStatus: 'REDRIVABLE' });
      expect(failed.startDate.getTime()).toBe(START_MS - 3_600_000 + 9000);
      const history = rig.runtime.engine.getExecutionHistory({ executionArn: arn(9) }) as { events: { type: string }[] };
      expect(history.events.map((e) => e.type)).toEqual(['ExecutionStarted', 'ExecutionFailed']);
      expect(rig.runtime.engine.store.countExecutions('FAILED')).toBe(200);
    },
    BROWSER_TEST_MS,
  );
});
