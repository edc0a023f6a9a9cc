import { createLogger } from './createLogger';
import { FhirError } from '../../schemas/errors';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => void lines.push(s) } };
}

const MARKERS = {
  family: 'PHIMARK-FAMILY-7731',
  given: 'PHIMARK-GIVEN-7732',
  mrn: 'PHIMARK-MRN-7733',
  phone: 'PHIMARK-PHONE-7734',
  street: 'PHIMARK-STREET-7735',
  birthDate: '1911-11-11',
  bearer: 'PHIMARK-BEARER-7736',
  jwt: 'eyJhbGciOiJSUzM4NCJ9.eyJzdWIiOiJQSElNQVJLIn0.c2lnbmF0dXJlUEhJTUFSSw',
  taskToken: 'PHIMARK-TASKTOKEN-7737',
  secret: 'PHIMARK-SECRET-7738',
  note: 'PHIMARK-NOTE-7739',
};

const patient = {
  resourceType: 'Patient',
  id: 'pat-1',
  name: [{ family: MARKERS.family, given: [MARKERS.given] }],
  identifier: [{ system: 'urn:mrn', value: MARKERS.mrn }],
  telecom: [{ system: 'phone', value: MARKERS.phone }],
  address: [{ line: [MARKERS.street] }],
  birthDate: MARKERS.birthDate,
};

describe('createLogger', () => {
  it('never writes a planted PHI marker or secret, at any depth', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'debug', destination });
    log.info({ resource: patient }, 'read patient');
    log.debug({ input: { deep: { nested: [{ patient }] } } }, 'task input');
    log.warn({ headers: { Authorization: `Bearer ${MARKERS.bearer}` }, accessToken: MARKERS.jwt }, 'http');
    log.error({ ctx: { taskToken: MARKERS.taskToken, clientSecret: MARKERS.secret, note: [{ text: MARKERS.note }] } }, 'callback');
    log.info({ err: new Error(`failed with Bearer ${MARKERS.bearer} and ${MARKERS.jwt}`) }, `message with ${MARKERS.jwt}`);
    log.info({ err: new FhirError('FHIR.Invalid', 'bad', { status: 422, operationOutcome: { resourceType: 'OperationOutcome', issue: [{ diagnostics: MARKERS.family }] } }) }, 'invalid');
    log.child({ patient }).info({ ok: true }, 'child');
    log.info({ ...patient, gender: 'PHIMARK-GENDER-7740' }, 'a resource logged as the object itself');
    const out = lines.join('');
    expect(lines).toHaveLength(8);
    expect(JSON.parse(lines[7] ?? '{}')).toMatchObject({ resourceType: 'Patient', id: 'pat-1' });
    for (const marker of Object.values(MARKERS)) expect(out).not.toContain(marker);
    expect(out).not.toContain('PHIMARK');
  });

  it('keeps non-sensitive fields so logs stay useful', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.info({ reference: 'Patient/pat-1', status: 503, resource: patient }, 'read');
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({ msg: 'read', reference: 'Patient/pat-1', status: 503, resource: '[Redacted]' });
    log.error({ err: new FhirError('FHIR.NotFound', 'Patient/x not found', { status: 404 }) }, 'nf');
    expect(JSON.parse(lines[1] ?? '{}').err).toMatchObject({ error: 'FHIR.NotFound', status: 404 });
  });

  it('respects the level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'warn', destination });
    log.info({}, 'hidden');
    log.warn({}, 'shown');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['shown']);
  });
});
