import * as z from 'zod';
import { TimeErrorNames } from '../../schemas/errors';
import type { TaskSpec } from '../../schemas/task';

/** The styles `time.format` offers without a pattern: Intl's date/time styles in the person's language. */
export const TIME_STYLES = ['date', 'time', 'datetime', 'weekday-time', 'full'] as const;

/**
 * Renders an instant in a person's IANA time zone and language. A task, not a JSONata function,
 * because AWS's JSONata has no custom functions and jsonata's own `$fromMillis` takes only a fixed
 * UTC offset (`+0100`): the same text on both runtimes, right across daylight-saving changes.
 */
export const timeFormat = {
  name: 'time.format',
  description: "Render an instant as text in a person's IANA time zone and language (luxon, Intl).",
  input: z.object({
    instant: z.union([z.string(), z.number()]).describe('ISO 8601 with a zone (2026-03-29T08:30:00Z, …+02:00) or epoch milliseconds'),
    zone: z.string().optional().describe("IANA time zone (Europe/Berlin); default: the person's time zone extension"),
    locale: z.string().optional().describe("BCP 47 language (de, en-GB); default: the person's preferred communication language, else en"),
    person: z.looseObject({ resourceType: z.string() }).optional().describe('a Patient/Practitioner/RelatedPerson: zone from its tz-code/timezone extension, language from communication'),
    style: z.enum(TIME_STYLES).optional().describe('date, time, datetime (default), weekday-time or full'),
    format: z.string().optional().describe('a luxon pattern instead of a style, e.g. "cccc d LLLL \'at\' HH:mm" (names in the locale)'),
    before: z.string().optional().describe('an ISO 8601 duration to go back first, in the zone: P1D is the same local time the day before (23 or 25 hours across a DST change), PT2H two hours'),
  }),
  output: z.object({
    text: z.string(),
    /** The instant rendered (after `before`), in UTC without milliseconds: a Wait `until`. */
    instant: z.string(),
    zone: z.string(),
    locale: z.string(),
    /** The local date-time with its offset, e.g. 2026-03-29T10:30:00.000+02:00. */
    local: z.string(),
    offset: z.string(),
  }),
  errors: [...TimeErrorNames],
  idempotent: { safe: true, how: 'a pure calculation' },
  fhirInteractions: [],
} satisfies TaskSpec;

export const timeTaskSpecs = [timeFormat] as const;
