import { evaluateJsonata, redactEchoedValue } from '../../engine/interpreter/jsonataEval';

/** Issue 11: JSONata errors that echo a value (workflow data) are redacted before they leave the engine. */
describe('adversarial: JSONata error messages do not echo values', () => {
  const env = { now: Date.parse('2026-03-01T00:00:00Z'), random: () => 0.5, newId: () => 'id' } as unknown as Parameters<typeof evaluateJsonata>[4];

  it('a cast error names the problem, not the patient value', async () => {
    const failure = await evaluateJsonata('{% $number($states.input.mrn) %}', { input: { mrn: 'PHIMARK-MRN-4417' } } as never, {}, 'Arguments', env).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: unknown },
    );
    expect(failure).toBeDefined();
    const text = JSON.stringify({ message: failure?.message, cause: failure?.cause, all: String(failure) });
    expect(text).not.toContain('PHIMARK');
    expect(text).toMatch(/D3030/);
    expect(text).toContain('<value redacted>');
  });

  it('redactEchoedValue keeps messages without the value, and short values', () => {
    expect(redactEchoedValue('Unable to cast value to a number: "abc1"', 'abc1')).toBe('Unable to cast value to a number: <value redacted>');
    expect(redactEchoedValue('The left side of the "+" operator must evaluate to a number', 'x')).toBe('The left side of the "+" operator must evaluate to a number');
    expect(redactEchoedValue('Argument 1 of function "x" does not match: {"a":1}', { a: 1 })).toBe('Argument 1 of function "x" does not match: <value redacted>');
  });
});
