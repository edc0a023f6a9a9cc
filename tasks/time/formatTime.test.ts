import { WorkflowError } from '../../schemas/errors';
import { formatTime } from './formatTime';

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof WorkflowError) return e.error;
    throw e;
  }
  throw new Error('expected a WorkflowError');
}

// Synthetic people (no real data): one in Berlin who reads German, one with no zone.
const berliner = {
  resourceType: 'Patient',
  extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/tz-code', valueCode: 'Europe/Berlin' }],
  communication: [{ language: { coding: [{ code: 'en' }] } }, { preferred: true, language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'de' }] } }],
};

describe('time.format: an instant in a person’s IANA zone and language', () => {
  it('renders local wall-clock time across the spring daylight-saving change (Berlin, 29 March 2026)', () => {
    // 08:30Z is 09:30 CET on Saturday 28 March and 10:30 CEST on Sunday 29 March.
    expect(formatTime({ instant: '2026-03-28T08:30:00Z', zone: 'Europe/Berlin', format: 'HH:mm' }).text).toBe('09:30');
    const after = formatTime({ instant: '2026-03-29T08:30:00Z', zone: 'Europe/Berlin', format: 'HH:mm' });
    expect(after).toMatchObject({ text: '10:30', offset: '+02:00', local: '2026-03-29T10:30:00.000+02:00', zone: 'Europe/Berlin', locale: 'en' });
    expect(formatTime({ instant: Date.UTC(2026, 2, 29, 8, 30), zone: 'America/New_York', format: 'h:mm a' }).text).toBe('4:30 AM');
  });

  it('goes back in the zone first: P1D is the same local time the day before (23 h across spring-forward), PT2H two hours', () => {
    const start = '2026-03-29T08:30:00Z'; // Sunday 10:30 CEST
    const dayBefore = formatTime({ instant: start, zone: 'Europe/Berlin', before: 'P1D', format: 'ccc HH:mm ZZ' });
    expect(dayBefore).toMatchObject({ text: 'Sat 10:30 +01:00', instant: '2026-03-28T09:30:00Z' });
    expect(formatTime({ instant: start, zone: 'Europe/Berlin', before: 'PT2H', format: 'HH:mm' })).toMatchObject({ text: '08:30', instant: '2026-03-29T06:30:00Z' });
    expect(errorOf(() => formatTime({ instant: start, zone: 'Europe/Berlin', before: '1 day' }))).toBe('Time.InvalidFormat');
  });

  it("takes the zone and preferred language from the person's FHIR resource; explicit ones win", () => {
    const de = formatTime({ instant: '2026-03-29T08:30:00Z', person: berliner, format: "cccc, d. LLLL 'um' HH:mm" });
    expect(de.text).toBe('Sonntag, 29. März um 10:30');
    expect(formatTime({ instant: '2026-03-29T08:30:00Z', person: berliner, locale: 'en-GB', zone: 'Europe/London', style: 'time' }).text).toBe('09:30');
    expect(formatTime({ instant: '2026-03-29T08:30:00Z', person: berliner, style: 'date' }).text).toBe('29. März 2026');
  });

  it('never renders NaN: a zone name where an offset belongs, a bad instant or no zone are named errors', () => {
    expect(errorOf(() => formatTime({ instant: '2026-03-29T08:30:00Z', zone: 'Mars/Olympus' }))).toBe('Time.InvalidZone');
    expect(errorOf(() => formatTime({ instant: 'tomorrow', zone: 'Europe/Berlin' }))).toBe('Time.InvalidInstant');
    expect(errorOf(() => formatTime({ instant: '2026-03-29T10:30:00', zone: 'Europe/Berlin' }))).toBe('Time.InvalidInstant');
    expect(errorOf(() => formatTime({ instant: '2026-03-29T08:30:00Z', person: { resourceType: 'Patient' } }))).toBe('Time.NoTimeZone');
    expect(errorOf(() => formatTime({ instant: '2026-03-29T08:30:00Z', zone: 'UTC', locale: 'not a locale!' }))).toBe('Time.InvalidFormat');
  });
});
