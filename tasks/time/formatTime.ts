import { DateTime, Duration, IANAZone } from 'luxon';
import { WorkflowError } from '../../schemas/errors';
import type { TaskHandler } from '../../schemas/task';
import type { timeFormat } from './specs';

/** FHIR's core time-zone extensions: `tz-code` (R4, what the sandbox seeds) and R5's `timezone`. */
const ZONE_EXTENSIONS = ['http://hl7.org/fhir/StructureDefinition/tz-code', 'http://hl7.org/fhir/StructureDefinition/timezone'];

type Person = { resourceType: string; [k: string]: unknown };

function personZone(person: Person | undefined): string | undefined {
  const ext = (person?.extension as { url?: string; valueCode?: string }[] | undefined) ?? [];
  return ext.find((e) => ZONE_EXTENSIONS.includes(e.url ?? '') && typeof e.valueCode === 'string')?.valueCode;
}

/** The preferred `communication.language` (else the first): its first coding's code, e.g. `de`. */
function personLocale(person: Person | undefined): string | undefined {
  const comms = (person?.communication as { preferred?: boolean; language?: { coding?: { code?: string }[] } }[] | undefined) ?? [];
  const pick = comms.find((c) => c.preferred === true) ?? comms[0];
  return pick?.language?.coding?.find((c) => typeof c.code === 'string')?.code;
}

const STYLE = {
  date: DateTime.DATE_FULL,
  time: DateTime.TIME_SIMPLE,
  datetime: { ...DateTime.DATE_FULL, ...DateTime.TIME_SIMPLE },
  'weekday-time': { weekday: 'long', hour: 'numeric', minute: '2-digit' },
  full: { ...DateTime.DATE_HUGE, ...DateTime.TIME_SIMPLE, timeZoneName: 'short' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

function instantOf(value: string | number): DateTime {
  // A local time without a zone would be read in the server's zone: refuse it.
  if (typeof value === 'string' && !/(Z|[+-]\d{2}:?\d{2})$/.test(value.trim())) {
    throw new WorkflowError('Time.InvalidInstant', 'the instant needs a zone: end it with Z or an offset such as +02:00');
  }
  const dt = typeof value === 'number' ? DateTime.fromMillis(value, { zone: 'utc' }) : DateTime.fromISO(value.trim(), { setZone: true });
  if (!dt.isValid) throw new WorkflowError('Time.InvalidInstant', `the instant is not an ISO 8601 date-time or epoch milliseconds (${dt.invalidReason ?? 'unreadable'})`);
  return dt;
}

/** Pure: the instant as text in the zone and locale. */
export function formatTime(input: Parameters<TaskHandler<typeof timeFormat>>[0]): { text: string; instant: string; zone: string; locale: string; local: string; offset: string } {
  const zone = input.zone ?? personZone(input.person);
  if (zone === undefined) throw new WorkflowError('Time.NoTimeZone', 'no time zone: give zone, or a person with the FHIR tz-code extension');
  if (!IANAZone.isValidZone(zone)) throw new WorkflowError('Time.InvalidZone', `'${zone}' is not an IANA time zone such as Europe/Berlin`);
  const locale = input.locale ?? personLocale(input.person) ?? 'en';
  try {
    Intl.getCanonicalLocales(locale);
  } catch {
    throw new WorkflowError('Time.InvalidFormat', `'${locale}' is not a BCP 47 language tag such as de or en-GB`);
  }
  let dt = instantOf(input.instant).setZone(zone).setLocale(locale);
  if (input.before !== undefined) {
    const back = Duration.fromISO(input.before);
    if (!back.isValid) throw new WorkflowError('Time.InvalidFormat', `before must be an ISO 8601 duration such as P1D or PT2H, not '${input.before}'`);
    // Calendar units move the local wall clock (luxon in the zone), time units move the instant.
    dt = dt.minus(back);
  }
  const text = input.format !== undefined ? dt.toFormat(input.format) : dt.toLocaleString(STYLE[input.style ?? 'datetime']);
  if (!text || text.includes('Invalid DateTime')) throw new WorkflowError('Time.InvalidFormat', 'the format did not produce a time');
  return { text, instant: dt.toUTC().toISO({ suppressMilliseconds: true }) ?? '', zone, locale, local: dt.toISO() ?? '', offset: dt.toFormat('ZZ') };
}

export const timeFormatHandler: TaskHandler<typeof timeFormat> = async (input) => formatTime(input);

export const timeHandlers = { 'time.format': timeFormatHandler } as const;
