/**
 * Runs a shared EventBridge conformance file: either pattern/event cases (`cases.jsonl`) or
 * patterns that must be refused (`invalid-patterns.jsonl`); the format is detected per line.
 *
 * Categories: a case counts under its own category. Cases marked `eventRulerOnly` (behaviour
 * EventBridge does not document or forbids) run too but stay out of total/passed/failed/failures,
 * which measure the bar (every other case passes); they are reported in `byCategory` under
 * `eventRulerOnly:<category>`, outside the totals. `disputed` cases (docs and current
 * event-ruler disagree) are judged against event-ruler's answer, which this matcher follows, and
 * counted under `disputed:<category>`. Invalid patterns count under `invalid:<invalidIn>`.
 */
import { readFile } from 'node:fs/promises';
import { summarize, type ConformanceCaseResult, type ConformanceSummary } from '../../../schemas/conformance';
import { InvalidEventPatternException } from '../pattern/compilePattern';
import { PatternMatcher } from '../pattern/patternMatcher';

interface MatchCase {
  id: string;
  category: string;
  pattern: object;
  event: unknown;
  matches: boolean;
  patternText?: string;
  eventText?: string;
  eventRulerOnly?: boolean;
  disputed?: boolean;
  eventRulerMatches?: boolean;
}

interface InvalidCase {
  id: string;
  pattern: string;
  reason?: string;
  invalidIn?: string;
}

export function runMatchCase(c: MatchCase): ConformanceCaseResult {
  const category = c.eventRulerOnly ? `eventRulerOnly:${c.category}` : c.disputed ? `disputed:${c.category}` : c.category;
  const expected = c.disputed && c.eventRulerMatches !== undefined ? c.eventRulerMatches : c.matches;
  const matcher = new PatternMatcher();
  try {
    matcher.addRule(c.id, c.patternText ?? JSON.stringify(c.pattern));
  } catch (err) {
    return { id: c.id, category, passed: false, reason: `pattern refused: ${err instanceof Error ? err.message : String(err)}` };
  }
  const event: unknown = c.eventText !== undefined ? JSON.parse(c.eventText) : c.event;
  const actual = matcher.matches(event).includes(c.id);
  return actual === expected
    ? { id: c.id, category, passed: true }
    : { id: c.id, category, passed: false, reason: `expected ${expected ? 'a match' : 'no match'}, got ${actual ? 'a match' : 'no match'}` };
}

export function runInvalidCase(c: InvalidCase): ConformanceCaseResult {
  const category = `invalid:${c.invalidIn ?? 'unknown'}`;
  try {
    new PatternMatcher().addRule(c.id, c.pattern);
  } catch (err) {
    if (err instanceof InvalidEventPatternException) return { id: c.id, category, passed: true, reason: err.reason };
    return { id: c.id, category, passed: false, reason: `refused with an unexpected error: ${String(err)}` };
  }
  return { id: c.id, category, passed: false, reason: `accepted a pattern that must be refused (${c.reason ?? 'no reason given'})` };
}

export function runEventBridgeLine(value: unknown): ConformanceCaseResult {
  const rec = value as Record<string, unknown>;
  if (typeof rec.pattern === 'string' && !('event' in rec)) return runInvalidCase(value as InvalidCase);
  return runMatchCase(value as MatchCase);
}

export async function runEventBridgeCaseResults(file: string): Promise<ConformanceCaseResult[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => runEventBridgeLine(JSON.parse(l)));
}

export async function runEventBridgeConformance(file: string): Promise<ConformanceSummary> {
  const results = await runEventBridgeCaseResults(file);
  const isExtra = (r: ConformanceCaseResult) => r.category.startsWith('eventRulerOnly:');
  const summary = summarize(results.filter((r) => !isExtra(r)));
  const extra = summarize(results.filter(isExtra));
  return { ...summary, byCategory: Object.fromEntries(Object.entries({ ...summary.byCategory, ...extra.byCategory }).sort(([a], [b]) => a.localeCompare(b))) };
}
