import { durationSeconds } from './duration';
import { compileValue } from './emitAsl';
import { parseJsonata, rewriteEvent, templateParts, variableReferences } from './expressions';

describe('JSONata handling', () => {
  it('rewrites $event to the execution input, but not inside strings or as a longer name', () => {
    const body = '$event.detail.reference & "$event" & $eventually';
    const parsed = parseJsonata(body);
    if (!('ast' in parsed)) throw new Error('parse failed');
    expect(rewriteEvent(body, parsed.ast)).toBe('$states.context.Execution.Input.detail.reference & "$event" & $eventually');
  });
  it('finds free variables, not function names or locally bound ones', () => {
    const parsed = parseJsonata('($x := 1; $string($order) & $x & $map([1], function($v) { $v + $k }))');
    if (!('ast' in parsed)) throw new Error('parse failed');
    expect([...variableReferences(parsed.ast).keys()].sort()).toEqual(['k', 'order']);
  });
  it('turns templates into one concatenation and leaves plain strings literal', () => {
    expect(compileValue({ a: 'Dose {% $d %} due', b: 'plain', c: '{% $x %}', d: [1, '{%$y%}'] })).toEqual({
      a: '{% "Dose " & $string(($d)) & " due" %}',
      b: 'plain',
      c: '{% $x %}',
      d: [1, '{% $y %}'],
    });
    expect(templateParts('a {% b')).toEqual({ error: "'{%' without a closing '%}'" });
  });
  it('reads durations in ISO 8601, short form and seconds', () => {
    expect(['PT2H', 'P2D', 'P1W', '90s', '1h30m', '3d', 45].map(durationSeconds)).toEqual([7200, 172800, 604800, 90, 5400, 259200, 45]);
    expect(['P1M', 'P1Y', '2 hours', 0, '0s'].map(durationSeconds)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
