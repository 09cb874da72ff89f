import { DateTime } from 'luxon';

/** The Monday (YYYY-MM-DD) of the ISO week `ms` falls in, in the school's time zone: a Sunday-night update in New York is that week's, not the next. */
export function isoWeekStart(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: timezone }).startOf('week').toISODate()!;
}
