import { analyseWhere } from './fhirWhere';

describe('FHIRPath where → EventBridge attribute filters', () => {
  it.each([
    ["status = 'active' and intent = 'order'", { status: ['active'], intent: ['order'] }, true],
    ["MedicationRequest.status in ('stopped' | 'completed')", { status: ['stopped', 'completed'] }, true],
    ["status != 'draft'", { status: [{ 'anything-but': ['draft'] }] }, true],
    ['note.exists() and reasonCode.empty()', { note: [{ exists: true }], reasonCode: [{ exists: false }] }, true],
    ["subject.reference.startsWith('Patient/')", { 'subject.reference': [{ prefix: 'Patient/' }] }, false],
    ["'6298-4' in code.coding.code", { 'code.coding.code': ['6298-4'] }, true],
    ["code.coding.code contains '6298-4'", { 'code.coding.code': ['6298-4'] }, true],
    ['valueQuantity.value > 6.0', { 'valueQuantity.value': [{ numeric: ['>', 6] }] }, false],
    ['active = true', { active: [true] }, true],
  ])('%s', (expr, filters, exact) => {
    expect(analyseWhere(expr, 'MedicationRequest')).toEqual({ ok: true, analysis: { filters, exact } });
  });

  it('leaves or, functions and comparisons between paths to the guard', () => {
    expect(analyseWhere("status = 'a' or intent = 'b'", 'X')).toEqual({ ok: true, analysis: { filters: {}, exact: false } });
    expect(analyseWhere("status = 'a' and value.ofType(Quantity).value > 5", 'X')).toEqual({ ok: true, analysis: { filters: { status: ['a'] }, exact: false } });
    expect(analyseWhere('authoredOn = issued', 'X')).toEqual({ ok: true, analysis: { filters: {}, exact: false } });
  });

  it('reports syntax errors with their column', () => {
    const r = analyseWhere("status = = 'x'", 'X');
    expect(r).toMatchObject({ ok: false, line: 1, col: 10 });
    expect(r.ok ? '' : r.message).toMatch(/^FHIRPath syntax error: extraneous input '='/);
  });
});
