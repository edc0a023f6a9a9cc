/**
 * Screenshots of the console's views, written by the browser tests into docs/console/ and shown in
 * the README. Synthetic data, a fixed viewport and a simulated clock make a view's picture the same
 * on every run on one machine, so a PNG changes in git only when its view does; nothing fails when
 * a picture differs (fonts differ between machines): the tests write, people review.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';

export const SCREENSHOT_DIR = resolve(__dirname, '..', '..', 'docs', 'console');

/**
 * Writes `docs/console/<name>.png` of the viewport as it is now; returns the path. `endAfter` cuts
 * the picture below that element (e.g. before latency histograms, which differ on every run).
 */
export async function saveScreenshot(page: Page, name: string, endAfter?: string): Promise<string> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name '${name}': lowercase letters, digits and dashes only`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // No blinking caret or hover state in the picture, and every web font in place.
  await page.evaluate('document.activeElement && document.activeElement.blur && document.activeElement.blur()');
  await page.mouse.move(0, 0);
  await page.evaluate('document.fonts.ready.then(() => true)');
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  const bottom =
    endAfter === undefined
      ? undefined
      : ((await page.evaluate(`(() => { const e = document.querySelector(${JSON.stringify(endAfter)}); return e ? Math.ceil(e.getBoundingClientRect().bottom) : -1; })()`)) as number);
  if (bottom !== undefined && !(bottom > 0)) throw new Error(`screenshot ${name}: nothing matches ${endAfter}`);
  const viewport = page.viewport();
  const clip = bottom === undefined || !viewport ? undefined : { x: 0, y: 0, width: viewport.width, height: Math.min(viewport.height, bottom + 8) };
  await page.screenshot({ path, type: 'png', captureBeyondViewport: false, ...(clip ? { clip } : {}) });
  return path;
}
