/**
 * The shared EventBridge conformance suite: every pattern/event case not marked `eventRulerOnly`
 * must agree with event-ruler, and every invalid pattern must be refused at rule creation.
 * `eventRulerOnly` cases run too; the ones EventBridge's docs forbid (anything-but with a list of
 * prefixes, which the invalid-pattern file also requires us to refuse) are expected to fail.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runEventBridgeConformance, runEventBridgeLine } from '../../engine/bus/conformance/runEventBridgeConformance';
import { describeWithShared } from '../support/sharedCorpus';

// EventBridge refuses anything-but with a list of prefixes (inv-102), so these event-ruler-only cases cannot match.
const KNOWN_EVENT_RULER_ONLY_FAILURES = new Set(['er-anything-but-prefix-003', 'er-anything-but-prefix-014']);

describeWithShared('conformance/eventbridge/cases.jsonl', 'shared EventBridge conformance', (casesFile) => {
  const dir = path.dirname(casesFile);
  const lines = (file: string): Record<string, unknown>[] =>
    readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const cases = lines('cases.jsonl');
  const invalid = lines('invalid-patterns.jsonl');

  describe('EventBridge pattern cases', () => {
    const bar = cases.filter((c) => !c.eventRulerOnly);
    it.each(bar.map((c) => [c.id as string, c] as const))('%s', (_id, c) => {
      const r = runEventBridgeLine(c);
      expect(r.reason ?? 'ok').toBe('ok');
      expect(r.passed).toBe(true);
    });
  });

  describe('event-ruler-only cases (not part of the bar)', () => {
    const ero = cases.filter((c) => c.eventRulerOnly);
    it.each(ero.map((c) => [c.id as string, c] as const))('%s', (id, c) => {
      expect(runEventBridgeLine(c).passed).toBe(!KNOWN_EVENT_RULER_ONLY_FAILURES.has(id));
    });
  });

  describe('invalid patterns are refused at rule creation', () => {
    it.each(invalid.map((c) => [c.id as string, c] as const))('%s', (_id, c) => {
      const r = runEventBridgeLine(c);
      expect(r.passed).toBe(true);
      expect(r.reason).toMatch(/\S/);
    });
  });

  describe('runEventBridgeConformance', () => {
    it('summarises both shared files', async () => {
      const s = await runEventBridgeConformance(path.join(dir, 'cases.jsonl'));
      const ero = cases.filter((c) => c.eventRulerOnly).length;
      expect(s).toMatchObject({ total: cases.length - ero, passed: cases.length - ero, failed: 0, failures: [] });
      const extra = Object.entries(s.byCategory).filter(([k]) => k.startsWith('eventRulerOnly:'));
      expect(extra.reduce((n, [, c]) => n + c.total, 0)).toBe(ero);
      expect(extra.reduce((n, [, c]) => n + c.failed, 0)).toBe(KNOWN_EVENT_RULER_ONLY_FAILURES.size);
      const inv = await runEventBridgeConformance(path.join(dir, 'invalid-patterns.jsonl'));
      expect(inv).toMatchObject({ total: invalid.length, passed: invalid.length, failed: 0 });
    });
  });
});
