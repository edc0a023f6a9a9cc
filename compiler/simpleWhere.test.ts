import { seededRandom } from '../core/clock/ids';
import { analyseWhere } from './fhirWhere';
import { simpleWhereTerms } from './simpleWhere';

const PATHS = [
  'status',
  'intent',
  'code.coding.code',
  'MedicationRequest.status',
  'MedicationRequest',
  'subject.reference',
  'valueQuantity.value',
  'active',
  '_x1',
  'day',
  'in',
  'as',
  'true',
  'exists',
  'Observation.value',
];
const OPS = [
  ' = ',
  '=',
  ' != ',
  ' < ',
  ' > ',
  ' <= ',
  ' >= ',
  ' in ',
  ' contains ',
  ' ~ ',
  ' is ',
  '.exists()',
  '.empty()',
  ".startsWith('Patient/')",
  ".startsWith('')",
  '.startsWith(5)',
  '.foo()',
  '.exists(status)',
];
const LITERALS = [
  "'active'",
  "'a\\'b'",
  "'x y'",
  "''",
  '6',
  '6.0',
  '6.5',
  '-1',
  '5L',
  'true',
  'false',
  '6 days',
  "6 'mg'",
  '@2020-01-01',
  "('a' | 'b')",
  "('a')",
  '(6 | true)',
  "'a' | 'b'",
  "(('a' | 'b') | 'c')",
  '{}',
  'status',
  '%patient',
];
const JOINS = [' and ', ' and\n', '\tand ', ' or ', ' AND ', ' implies ', ' xor ', ' and ', ' and '];
const NOISE = ['(', ')', '.', '|', "'", '=', '!', '<', ' ', 'and', '/', '$', '`'];

function generate(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const terms = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
    const op = pick(OPS);
    return op.startsWith('.') ? pick(PATHS) + op : pick(PATHS) + op + pick(LITERALS);
  });
  let text = terms.reduce((all, term) => all + pick(JOINS) + term);
  if (next() < 0.15) {
    const at = Math.floor(next() * (text.length + 1));
    text = next() < 0.5 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + pick(NOISE) + text.slice(at);
  }
  return text;
}

describe('the simple form of a where condition, read without fhirpath’s parser', () => {
  it.each([
    "status = 'active' and intent = 'order'",
    "status in ('stopped' | 'completed' | 'cancelled' | 'entered-in-error')",
    "status = 'finished'",
    "MedicationRequest.status != 'draft' and priority in 'stat'",
    'note.exists() and reasonCode.empty()',
    "subject.reference.startsWith('Patient/')",
    "code.coding.code contains '6298-4'",
    'valueQuantity.value >= 6.0 and active = true',
    "status = 'a' and status = 'b'",
  ])('reads %s as the parser does', (expression) => {
    expect(simpleWhereTerms(expression, 'MedicationRequest')).toBeDefined();
    expect(analyseWhere(expression, 'MedicationRequest')).toEqual(analyseWhere(expression, 'MedicationRequest', { parser: true }));
  });

  it.each([
    "status = 'active' or intent = 'order'",
    "status = = 'x'",
    "status = 'a\\'b'",
    'valueQuantity.value > 6 days',
    "'6298-4' in code.coding.code",
    "(status = 'a') and intent = 'b'",
    "code.coding.where(system = 'http://loinc.org').exists()",
    'day = 1',
    "status = 'active' // a comment",
    'authoredOn = issued',
    "status = 'a' and",
    'MedicationRequest = 5',
  ])('leaves %s to the parser', (expression) => {
    expect(simpleWhereTerms(expression, 'MedicationRequest')).toBeUndefined();
  });

  it('gives the parser’s analysis on every generated expression it reads', () => {
    const next = seededRandom(20261203);
    let read = 0;
    let left = 0;
    for (let n = 0; n < 8000; n++) {
      const expression = generate(next);
      const resourceType = next() < 0.5 ? 'MedicationRequest' : 'Observation';
      if (!simpleWhereTerms(expression, resourceType)) {
        left++;
        continue;
      }
      read++;
      const parsed = analyseWhere(expression, resourceType, { parser: true });
      expect({ expression, result: parsed.ok }).toEqual({ expression, result: true });
      expect({ expression, result: analyseWhere(expression, resourceType) }).toEqual({ expression, result: parsed });
    }
    // Both paths are exercised in earnest: the comparison is not vacuous.
    expect(read).toBeGreaterThan(500);
    expect(left).toBeGreaterThan(500);
  });
});
