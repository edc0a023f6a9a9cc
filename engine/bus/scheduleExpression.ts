/**
 * Schedule expressions on EventBridge rules: `rate(value unit)` is evaluated here; `cron(...)` is
 * checked for shape (six fields) and evaluated by an injected function (the scheduler owns cron).
 */
export type NextFire = (expression: string, afterMs: number) => number | undefined;

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Returns a problem with the expression, or undefined when it is well-formed. */
export function checkScheduleExpression(expr: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2] as string;
    if (n < 1) return 'rate value must be a positive integer';
    if ((n === 1) !== !unit.endsWith('s')) return `rate(${n} ${unit}): use the singular unit for 1 and the plural otherwise`;
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expr);
  if (cron) return (cron[1] as string).trim().split(/\s+/).length === 6 ? undefined : 'cron expressions have six fields: minutes hours day-of-month month day-of-week year';
  return 'Parameter ScheduleExpression is not valid.';
}

export function ratePeriodMs(expr: string): number | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expr);
  return rate ? Number(rate[1]) * (UNIT_MS[rate[2] as string] as number) : undefined;
}

/** The first fire time strictly after `afterMs`, or undefined (cron without an evaluator). */
export function nextScheduleFire(expr: string, afterMs: number, anchorMs: number, cronNext?: NextFire): number | undefined {
  const period = ratePeriodMs(expr);
  if (period !== undefined) return anchorMs + (Math.floor((afterMs - anchorMs) / period) + 1) * period;
  return cronNext?.(expr, afterMs);
}
