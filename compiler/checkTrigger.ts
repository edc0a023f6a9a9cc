import { DateTime } from 'luxon';
import { validatePattern } from '../engine/bus/pattern/compilePattern';
import { validateScheduleExpression } from '../engine/scheduler/scheduleExpression';
import { analyseWhere, type WhereAnalysis } from './fhirWhere';
import type { Reporter } from './reporter';
import { isRecord } from './schemaDiagnostics';

/** What the trigger checks learned that emission needs. */
export interface TriggerFacts {
  where?: WhereAnalysis;
  scheduleExpression?: string;
}

/** `cron: "0 2 * * ? *"` or `cron: "cron(0 2 * * ? *)"` → the Scheduler expression. */
export function scheduleExpressionOf(s: Record<string, unknown>): string | undefined {
  for (const kind of ['cron', 'rate', 'at'] as const) {
    const v = s[kind];
    if (typeof v !== 'string') continue;
    const t = v.trim();
    return t.startsWith(`${kind}(`) ? t : `${kind}(${t})`;
  }
  return undefined;
}

export function checkTrigger(root: Record<string, unknown>, reporter: Reporter): TriggerFacts {
  const trigger = root.trigger;
  const facts: TriggerFacts = {};
  if (!isRecord(trigger)) return facts;
  const fhir = trigger.fhir;
  if (isRecord(fhir) && typeof fhir.where === 'string') {
    const res = typeof fhir.resource === 'string' ? fhir.resource : '';
    const r = analyseWhere(fhir.where, res);
    const path = ['trigger', 'fhir', 'where'];
    // Single-line expressions: point at the column inside the YAML string.
    if (!r.ok) reporter.error(path, r.message, { code: 'fhirpath', innerOffset: r.line === 1 && r.col !== undefined ? r.col - 1 : undefined });
    else {
      facts.where = r.analysis;
      const on = Array.isArray(fhir.on) ? fhir.on : ['create', 'update'];
      if (r.analysis.exact && on.includes('delete') && Object.keys(r.analysis.filters).length) {
        reporter.warning(path, 'a delete event carries no resource attributes, so deletes never match this condition', { code: 'fhirpath' });
      }
      if (!r.analysis.exact && on.includes('delete')) {
        reporter.error(
          path,
          'this condition needs the resource, which a delete no longer has: keep to equality, in, exists and startsWith on the routing attributes, or handle deletes in a separate workflow',
          {
            code: 'fhirpath',
          },
        );
      }
    }
  }
  const schedule = trigger.schedule;
  if (isRecord(schedule)) {
    const expr = scheduleExpressionOf(schedule);
    const zone = typeof schedule.timezone === 'string' ? schedule.timezone : 'UTC';
    if (expr !== undefined) {
      facts.scheduleExpression = expr;
      for (const issue of validateScheduleExpression(expr, zone)) {
        const key = issue.path === 'ScheduleExpressionTimezone' ? 'timezone' : (['cron', 'rate', 'at'].find((k) => k in schedule) ?? 'cron');
        reporter.error(['trigger', 'schedule', key], issue.message, { code: 'schedule' });
      }
    }
    const dates: Record<string, DateTime> = {};
    for (const key of ['start', 'end'] as const) {
      const v = schedule[key];
      if (typeof v !== 'string') continue;
      const d = DateTime.fromISO(v, { zone });
      if (!d.isValid) reporter.error(['trigger', 'schedule', key], `'${v}' is not an ISO 8601 date or date-time`, { code: 'schedule' });
      else dates[key] = d;
    }
    if (dates.start && dates.end && dates.end <= dates.start) reporter.error(['trigger', 'schedule', 'end'], 'end must be after start', { code: 'schedule' });
  }
  const event = trigger.event;
  if (isRecord(event)) {
    for (const reason of validatePattern(event)) reporter.error(['trigger', 'event'], `invalid event pattern: ${reason}`, { code: 'event-pattern' });
  }
  return facts;
}
