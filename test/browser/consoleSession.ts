/**
 * Signing in to the console as a person does (the password field, the button), and the page
 * helpers the console's browser tests share.
 */
import type { Browser, Page } from 'puppeteer-core';
import { BROWSER_MS, openPage, type ConsolePage } from './browser.testkit';

/** Synthetic tokens of the test's three people (never real secrets): operator+clinician, viewer, operator. */
export const TOKENS = {
  /** CLINFLOW_CONSOLE_TOKEN: the token `dev` users sign in with (operator + clinician). */
  console: 'synthetic-console-token-0123456789',
  viewer: 'synthetic-viewer-token-0123456789',
  operator: 'synthetic-operator-token-0123456789',
} as const;

/** The console's token environment for the rig: names `vic` (viewer) and `olu` (operator) beside the single token. */
export const CONSOLE_ENV: NodeJS.ProcessEnv = {
  CLINFLOW_CONSOLE_TOKEN: TOKENS.console,
  CLINFLOW_CONSOLE_TOKENS: `vic:viewer:${TOKENS.viewer},olu:operator:${TOKENS.operator}`,
};

/** Opens `/console`, which sends a visitor without a session to sign-in, and signs in with `token`. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.waitForSelector('input#token[type="password"]');
  await page.type('#token', token);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#signin-submit')]);
}

/** A tab in a browser context of its own (its own cookies: another person), signed in with `token`. */
export async function personWith(browser: Browser, baseUrl: string, token: string): Promise<ConsolePage & { close(): Promise<void> }> {
  const context = await browser.createBrowserContext();
  const tab = await openPage(context, baseUrl);
  await signIn(tab.page, baseUrl, token);
  return { ...tab, close: () => context.close() };
}

/** Navigates and waits until the page's script has put times in the viewer's zone (it marks each `time` it did). */
export async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load', timeout: BROWSER_MS });
  await page.waitForFunction('[...document.querySelectorAll("time[datetime]")].every((t) => t.dataset.local === "1")', { timeout: BROWSER_MS });
}

/** The trimmed text of the first element matching `selector` ('' when there is none). */
export async function textOf(page: Page, selector: string): Promise<string> {
  return page.evaluate(`(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '').trim()`) as Promise<string>;
}

/** An attribute of every element matching `selector`, in document order. */
export async function attrsOf(page: Page, selector: string, attr: string): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.getAttribute(${JSON.stringify(attr)}) ?? '')`) as Promise<string[]>;
}

/** How many elements match `selector`. */
export async function countOf(page: Page, selector: string): Promise<number> {
  return page.evaluate(`document.querySelectorAll(${JSON.stringify(selector)}).length`) as Promise<number>;
}

/**
 * A request made from the page with the session's cookie (same origin), as a script on the page
 * could make it: method, path, form fields; the CSRF token is added only when `csrf` is given.
 */
export async function postFromPage(page: Page, path: string, fields: Record<string, string>, csrf?: string): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify({ path, fields: csrf === undefined ? fields : { ...fields, _csrf: csrf } });
  return page.evaluate(`(async () => {
    const { path, fields } = ${payload};
    const res = await fetch(path, { method: 'POST', credentials: 'same-origin', redirect: 'manual', headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    return { status: res.status, body: await res.text() };
  })()`) as Promise<{ status: number; body: string }>;
}

/** The session's CSRF token as the page carries it (its meta tag). */
export async function csrfOf(page: Page): Promise<string> {
  return page.evaluate(`document.querySelector('meta[name="csrf-token"]')?.content ?? ''`) as Promise<string>;
}
