/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week, UTC), the subset both
 * pg-boss's cron and the Netlify scheduled tick understand: numbers, `*`, ranges `a-b`, steps
 * `/n`, lists `a,b`, and English month and weekday names. The configuration validates the
 * SYNC_*_CRON variables with `parseCron`, so a schedule that starts a local worker also works on
 * Netlify, where `cronTicks` decides which of them fall in a tick's window.
 */
export interface Cron {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly weekdays: ReadonlySet<number>;
  /** Both day fields restricted: a day matches if EITHER does (as every cron since Vixie's). */
  readonly eitherDay: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too, as in crontab(5).
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS },
];
const MINUTE_MS = 60_000;

/** Parses `expression`; throws a RangeError saying what is wrong with it. */
export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new RangeError(
      `'${expression}' is not a five-field cron expression (minute hour day month weekday)`,
    );
  }
  const [minutes, hours, days, months, weekdays] = FIELDS.map((spec, i) =>
    parseField(parts[i] as string, spec, expression),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    source: expression,
    minutes,
    hours,
    days,
    months,
    weekdays,
    eitherDay: parts[2] !== '*' && parts[4] !== '*',
  };
}

/** Whether the cron fires in the minute that starts at `ms` (UTC). */
export function firesAt(cron: Cron, ms: number): boolean {
  const at = new Date(ms);
  const dayOfMonth = cron.days.has(at.getUTCDate());
  const dayOfWeek = cron.weekdays.has(at.getUTCDay());
  return (
    cron.minutes.has(at.getUTCMinutes()) &&
    cron.hours.has(at.getUTCHours()) &&
    cron.months.has(at.getUTCMonth() + 1) &&
    (cron.eitherDay ? dayOfMonth || dayOfWeek : dayOfMonth && dayOfWeek)
  );
}

/** The minutes in `(afterMs, upToMs]` at which the cron fires, oldest first. */
export function cronTicks(cron: Cron, afterMs: number, upToMs: number): number[] {
  const ticks: number[] = [];
  for (
    let ms = Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    ms <= upToMs;
    ms += MINUTE_MS
  ) {
    if (firesAt(cron, ms)) ticks.push(ms);
  }
  return ticks;
}

function parseField(field: string, spec: FieldSpec, expression: string): Set<number> {
  const values = new Set<number>();
  const fail = (why: string) =>
    new RangeError(`'${expression}': the ${spec.name} field '${field}' ${why}`);
  for (const item of field.split(',')) {
    const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (!match) throw fail('is not a value, range, list or step');
    const [, range = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw fail('has a step below 1');
    const [from, to] =
      range === '*'
        ? [spec.min, spec.max]
        : range.split('-').map((value) => fieldValue(value, spec, fail));
    if (from === undefined) throw fail('is empty');
    const last = to ?? (stepText === undefined ? from : spec.max);
    if (last < from) throw fail('has a range that runs backwards');
    for (let value = from; value <= last; value += step) values.add(value);
  }
  return values;
}

function fieldValue(text: string, spec: FieldSpec, fail: (why: string) => RangeError): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return spec.names === MONTHS ? named + 1 : named;
  if (!/^\d+$/.test(text)) throw fail(`has '${text}', which is not a number`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw fail(`has ${value}, outside ${spec.min}-${spec.max}`);
  }
  return value;
}
