/**
 * axe-core in the page under test: the issue's bar is no `serious` or `critical` violation on any
 * view. The script is evaluated through the DevTools protocol, which a strict Content-Security-Policy
 * does not govern, so the console's own policy stays as it ships.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'puppeteer-core';

export interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
}

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

let source: string | undefined;
const axeSource = (): string => (source ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));

/** Every axe violation on the page as it is now (WCAG 2.x A and AA rules and axe's best practices). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource());
  // A function body as text: the tests' TypeScript has no DOM types, and this runs in the page.
  return page.evaluate(`(async () => {
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })) }));
  })()`) as Promise<AxeViolation[]>;
}

const SEVERE = new Set(['serious', 'critical']);

/** One readable block per violation: impact, rule, what to do, and each offending element. */
export function formatViolations(violations: readonly AxeViolation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `    at ${n.target.map(String).join(' ')}  ${n.html.length > 120 ? `${n.html.slice(0, 117)}...` : n.html}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
        .join('\n');
      const more = v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : '';
      return `  [${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}${more}`;
    })
    .join('\n');
}

/** Throws, listing them, when the page has any serious or critical violation; `view` names the page in the message. */
export async function expectAccessible(page: Page, view: string): Promise<void> {
  const severe = (await axeViolations(page)).filter((v) => v.impact !== null && SEVERE.has(v.impact));
  if (severe.length) throw new Error(`axe: ${severe.length} serious or critical violation${severe.length === 1 ? '' : 's'} on the ${view} view (${page.url()}):\n${formatViolations(severe)}`);
}
