import { createRequire } from 'node:module';
import { ValidationError } from '../../schemas/errors';
import { assertValidDefinition, validateDefinition } from './validateDefinition';

type Def = Record<string, unknown>;
// asl-validator ships no type declarations; this is the part of its API the cross-check uses.
const aslValidator = createRequire(__filename)('asl-validator') as (def: unknown, opts: { checkArn: boolean; checkPaths: boolean }) => { isValid: boolean };
const pass = (extra: Def = {}): Def => ({ Type: 'Pass', End: true, ...extra });
const one = (state: Def, more: Def = {}): Def => ({ StartAt: 'S', States: { S: state, ...more } });
const choice = (rule: Def): Def => one({ Type: 'Choice', Choices: [{ Next: 'T', ...rule }], Default: 'T' }, { T: pass() });

/**
 * [name, definition, expected issue path, message fragment, cross-check with asl-validator?]
 * asl-validator compiles its schemas on every call (~0.3 s), so only a sample is cross-checked;
 * it is laxer than AWS on several rules (Retry fields, nested Next, unreachable states).
 */
const BAD: [string, unknown, string, RegExp, boolean][] = [
  ['not an object', 'x', '', /JSON object/, false],
  ['missing StartAt', { States: { S: pass() } }, 'StartAt', /StartAt is required/, true],
  ['StartAt not a state', { StartAt: 'X', States: { S: pass() } }, 'StartAt', /'X' is not a state/, false],
  ['empty States', { StartAt: 'S', States: {} }, 'States', /non-empty/, false],
  ['unknown top-level field', { ...one(pass()), Foo: 1 }, 'Foo', /not supported/, false],
  ['bad Type', one({ Type: 'Nope', End: true }), 'States.S.Type', /Type must be one of/, true],
  ['Next and End', one({ Type: 'Pass', Next: 'S', End: true }), 'States.S.Next', /cannot both/, true],
  ['neither Next nor End', one({ Type: 'Pass' }), 'States.S.Next', /either Next or End/, false],
  ['missing transition target', one({ Type: 'Pass', Next: 'Nope' }), 'States.S.Next', /'Nope' does not exist/, true],
  ['unreachable state', one(pass(), { Orphan: pass() }), 'States.Orphan', /not reachable/, false],
  ['unknown field on Pass', one(pass({ Resource: 'arn:x' })), 'States.S.Resource', /not supported by a Pass/, false],
  ['Task without Resource', one({ Type: 'Task', End: true }), 'States.S.Resource', /Resource is required/, false],
  ['Choice with Next', one({ Type: 'Choice', Next: 'S', Choices: [{ Variable: '$.a', IsNull: true, Next: 'S' }] }), 'States.S.Next', /not supported by a Choice/, false],
  ['Choice without Choices', one({ Type: 'Choice', Default: 'T' }, { T: pass() }), 'States.S.Choices', /Choices is required/, false],
  ['Choice rule Next missing state', one({ Type: 'Choice', Choices: [{ Variable: '$.a', IsNull: true, Next: 'Q' }] }), 'States.S.Choices[0].Next', /'Q' does not exist/, false],
  ['Choice rule without operator', choice({ Variable: '$.a' }), 'States.S.Choices[0]', /exactly one of And, Or, Not/, false],
  ['Choice rule with two operators', choice({ Variable: '$.a', IsNull: true, IsString: true }), 'States.S.Choices[0]', /exactly one/, true],
  ['Choice operand of the wrong type', choice({ Variable: '$.a', NumericEquals: '1' }), 'States.S.Choices[0].NumericEquals', /must be a number/, false],
  ['bad timestamp operand', choice({ Variable: '$.a', TimestampEquals: '2016-13-05T21:29:29Z' }), 'States.S.Choices[0].TimestampEquals', /ISO-8601/, false],
  ['bad Variable path', choice({ Variable: 'a.b', IsNull: true }), 'States.S.Choices[0].Variable', /valid JSONPath/, false],
  ['nested rule with Next', choice({ Not: { Variable: '$.a', IsNull: true, Next: 'T' } }), 'States.S.Choices[0].Not.Next', /only allowed on top-level/, false],
  ['empty And', choice({ And: [] }), 'States.S.Choices[0].And', /non-empty/, false],
  ['Condition in JSONPath', choice({ Condition: '{% true %}' }), 'States.S.Choices[0].Condition', /only supported when QueryLanguage is JSONata/, false],
  ['Wait with two durations', one({ Type: 'Wait', Seconds: 1, SecondsPath: '$.s', End: true }), 'States.S', /exactly one of Seconds/, true],
  ['Wait with none', one({ Type: 'Wait', End: true }), 'States.S', /exactly one of Seconds/, false],
  ['Wait negative Seconds', one({ Type: 'Wait', Seconds: -1, End: true }), 'States.S.Seconds', /between 0/, false],
  ['Wait bad Timestamp', one({ Type: 'Wait', Timestamp: '2016-12-05 21:29:29Z', End: true }), 'States.S.Timestamp', /ISO-8601/, false],
  ['TimeoutSeconds zero', one({ Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:f', TimeoutSeconds: 0, End: true }), 'States.S.TimeoutSeconds', /between 1/, false],
  [
    'TimeoutSeconds and Path',
    one({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 5, TimeoutSecondsPath: '$.t', End: true }),
    'States.S.TimeoutSecondsPath',
    /cannot both/,
    true,
  ],
  [
    'Heartbeat not below Timeout',
    one({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 5, HeartbeatSeconds: 5, End: true }),
    'States.S.HeartbeatSeconds',
    /smaller than TimeoutSeconds/,
    false,
  ],
  [
    'States.ALL not alone',
    one({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true, Retry: [{ ErrorEquals: ['States.ALL', 'X'] }] }),
    'States.S.Retry[0].ErrorEquals',
    /alone/,
    false,
  ],
  [
    'States.ALL not last',
    one(
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        End: true,
        Catch: [
          { ErrorEquals: ['States.ALL'], Next: 'T' },
          { ErrorEquals: ['X'], Next: 'T' },
        ],
      },
      { T: pass() },
    ),
    'States.S.Catch[0].ErrorEquals',
    /must be the last/,
    false,
  ],
  ['Catch without Next', one({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true, Catch: [{ ErrorEquals: ['X'] }] }), 'States.S.Catch[0].Next', /needs Next/, true],
  [
    'Retry bad BackoffRate',
    one({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true, Retry: [{ ErrorEquals: ['X'], BackoffRate: 0.5 }] }),
    'States.S.Retry[0].BackoffRate',
    /greater than or equal to 1/,
    false,
  ],
  ['Retry empty ErrorEquals', one({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true, Retry: [{ ErrorEquals: [] }] }), 'States.S.Retry[0].ErrorEquals', /non-empty/, false],
  [
    'bad JitterStrategy',
    one({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true, Retry: [{ ErrorEquals: ['X'], JitterStrategy: 'SOME' }] }),
    'States.S.Retry[0].JitterStrategy',
    /FULL/,
    false,
  ],
  ['bad InputPath', one(pass({ InputPath: 'a' })), 'States.S.InputPath', /valid JSONPath/, false],
  ['indefinite ResultPath', one(pass({ ResultPath: '$.a[*]' })), 'States.S.ResultPath', /Reference Path/, true],
  ['bad path in Parameters', one(pass({ Parameters: { 'x.$': '$.a[' } })), 'States.S.Parameters.x.$', /not a valid JSONPath/, false],
  ['bad intrinsic in Parameters', one(pass({ Parameters: { 'x.$': "States.Format('a'" } })), 'States.S.Parameters.x.$', /Invalid intrinsic/, false],
  ['unknown intrinsic', one(pass({ Parameters: { nested: [{ 'x.$': 'States.Nope()' }] } })), 'States.S.Parameters.nested[0].x.$', /unknown function/, false],
  ['JSONPath field in JSONata state', one(pass({ QueryLanguage: 'JSONata', Parameters: {} })), 'States.S.Parameters', /not supported when QueryLanguage is JSONata/, false],
  ['JSONata field in JSONPath state', one(pass({ Output: {} })), 'States.S.Output', /not supported when QueryLanguage is JSONPath/, false],
  ['JSONata top-level forbids InputPath', { QueryLanguage: 'JSONata', ...one(pass({ InputPath: '$' })) }, 'States.S.InputPath', /not supported when QueryLanguage is JSONata/, false],
  ['JSONPath state inside JSONata machine', { QueryLanguage: 'JSONata', ...one(pass({ QueryLanguage: 'JSONPath' })) }, 'States.S.QueryLanguage', /cannot use JSONPath/, false],
  ['bad QueryLanguage', { ...one(pass()), QueryLanguage: 'XPath' }, 'QueryLanguage', /JSONPath' or 'JSONata/, false],
  ['bad JSONata syntax', one(pass({ QueryLanguage: 'JSONata', Output: '{% $states.input. %}' })), 'States.S.Output', /Invalid JSONata/, false],
  ['bad variable name', one(pass({ Assign: { '1abc': 1 } })), 'States.S.Assign.1abc', /not a valid variable name/, false],
  ['Fail with Error and ErrorPath', one({ Type: 'Fail', Error: 'E', ErrorPath: '$.e' }), 'States.S.ErrorPath', /cannot both/, false],
  ['duplicate field after .$', one(pass({ Parameters: { a: 1, 'a.$': '$.x' } })), 'States.S.Parameters.a.$', /both produce the field 'a'/, false],
  ['reserved variable name', one(pass({ Assign: { states: 1 } })), 'States.S.Assign.states', /reserved/, false],
  ['no terminal state', { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } } }, 'States', /no terminal state/, true],
  ['Parallel without Branches', one({ Type: 'Parallel', End: true }), 'States.S.Branches', /Branches is required/, false],
  [
    'error inside a Parallel branch',
    one({ Type: 'Parallel', End: true, Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', Next: 'Gone' } } }] }),
    'States.S.Branches[0].States.B.Next',
    /'Gone' does not exist/,
    false,
  ],
  ['Map without ItemProcessor', one({ Type: 'Map', End: true }), 'States.S.ItemProcessor', /ItemProcessor is required/, false],
  [
    'error inside a Map ItemProcessor',
    one({ Type: 'Map', End: true, ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Wait', End: true } } } }),
    'States.S.ItemProcessor.States.I',
    /exactly one of Seconds/,
    false,
  ],
  [
    'Map ToleratedFailurePercentage out of range',
    one({ Type: 'Map', End: true, ToleratedFailurePercentage: 101, ItemProcessor: { StartAt: 'I', States: { I: pass() } } }),
    'States.S.ToleratedFailurePercentage',
    /between 0 and 100/,
    false,
  ],
];

describe('validateDefinition rejects bad definitions, naming state and field', () => {
  it.each(BAD)('%s', (_name, def, path, message) => {
    const issues = validateDefinition(def);
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) as string });
  });

  it.each(BAD.filter((b) => b[4]))('asl-validator agrees: %s', (_name, def) => {
    expect(aslValidator(structuredClone(def), { checkArn: false, checkPaths: true }).isValid).toBe(false);
  });
});

describe('valid definitions', () => {
  const good: Def[] = [
    one(pass()),
    { QueryLanguage: 'JSONata', ...one(pass({ Output: '{% $states.input %}', Assign: { x: '{% 1 + 1 %}' } })) },
    one(
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { 'Payload.$': "States.JsonMerge($.a, States.StringToJson('{}'), false)", 'ctx.$': '$$.Execution.Id', 'v.$': '$myVar.x' },
        ResultSelector: { 'p.$': '$.Payload' },
        ResultPath: '$.r',
        TimeoutSeconds: 10,
        HeartbeatSeconds: 5,
        Retry: [{ ErrorEquals: ['X'], IntervalSeconds: 1, MaxAttempts: 0, BackoffRate: 2, MaxDelaySeconds: 5, JitterStrategy: 'FULL' }, { ErrorEquals: ['States.ALL'] }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'T', ResultPath: '$.err' }],
        End: true,
      },
      { T: { Type: 'Succeed' } },
    ),
    one(
      {
        Type: 'Choice',
        Choices: [{ And: [{ Variable: '$.a', IsPresent: true }, { Not: { Variable: '$.a', StringMatches: 'x*' } }], Next: 'T' }],
        Default: 'F',
      },
      { T: pass(), F: { Type: 'Fail', ErrorPath: '$.e', CausePath: "States.Format('{}', $.c)" } },
    ),
  ];
  it.each(good.map((g, i) => [i, g] as const))('definition %i passes ours and asl-validator', (_i, def) => {
    expect(validateDefinition(def)).toEqual([]);
    expect(aslValidator(structuredClone(def), { checkArn: false, checkPaths: true }).isValid).toBe(true);
  });
});

describe('query language inheritance', () => {
  it('nested states default to the top-level QueryLanguage, not the enclosing Map state', () => {
    const def = one({
      Type: 'Map',
      QueryLanguage: 'JSONata',
      Items: '{% $states.input.items %}',
      ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Parameters: { 'x.$': '$' }, End: true } } },
      End: true,
    });
    expect(validateDefinition(def)).toEqual([]);
    const inner = (def.States as Record<string, Def>).S!.ItemProcessor as Def;
    (inner.States as Record<string, Def>).I = { Type: 'Pass', Output: '{% $states.input %}', End: true };
    expect(validateDefinition(def)).toContainEqual({
      path: 'States.S.ItemProcessor.States.I.Output',
      message: expect.stringMatching(/not supported when QueryLanguage is JSONPath/) as string,
    });
  });
});

describe('assertValidDefinition', () => {
  it('throws States.InvalidDefinition listing every issue', () => {
    const def = { StartAt: 'S', States: { S: { Type: 'Pass', Next: 'Nope' }, Orphan: { Type: 'Pass' } } };
    try {
      assertValidDefinition(def);
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const v = e as ValidationError;
      expect(v.error).toBe('States.InvalidDefinition');
      expect(v.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['States.S.Next', 'States.Orphan', 'States.Orphan.Next']));
      expect(v.causeText).toContain("States.S.Next: Next state 'Nope' does not exist");
    }
  });
  it('accepts a valid definition', () => {
    expect(() => assertValidDefinition(one(pass()))).not.toThrow();
  });
});
