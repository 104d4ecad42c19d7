import type { DateTime } from 'luxon';

/** ISO UTC with milliseconds: sortable as a string, which the store relies on. */
export function isoOf(time: DateTime): string {
  return time.toUTC().toISO() ?? '';
}
