import fhirpath from 'fhirpath';
import { parseFhirPath } from './fhirPathParser';

describe('parseFhirPath (fhirpath’s parser loaded on its own)', () => {
  it.each([
    "status = 'active'",
    "code.coding.where(system = 'http://loinc.org').code in ('2823-3' | '6298-4')",
    "interpretation.coding.code = 'HH' and value.ofType(Quantity).value > 6.0",
    'extension.exists().not() or subject.reference.startsWith(%patient)',
  ])('gives the same tree as fhirpath.parse for %s', (expression) => {
    expect(parseFhirPath(expression)).toEqual(fhirpath.parse(expression));
  });

  it('reports a syntax error with line and column, as fhirpath.parse does', () => {
    expect(() => parseFhirPath("status = 'active' and (")).toThrow(/line: 1; column: \d+/);
  });
});
