import type { DateTime } from 'luxon';
import type { WindowSpec } from '../rules/rule-schema.ts';
import { WEEKDAYS } from '../rules/weekdays.ts';

/** A send window with its hours parsed to minutes after local midnight. */
interface OpenHours {
  days: ReadonlySet<number>; // luxon weekday numbers, 1 = Monday
  startMinute: number;
  endMinute: number; // exclusive; 1440 means midnight at the end of the day
}

function openHours(window: WindowSpec): OpenHours {
  const [start = '00:00', end = '24:00'] = window.hours.split('-');
  const days = window.days ?? WEEKDAYS;
  return {
    days: new Set(days.map((day) => WEEKDAYS.indexOf(day) + 1)),
    startMinute: toMinutes(start),
    endMinute: toMinutes(end),
  };
}

function toMinutes(hhmm: string): number {
  const [hours = '0', minutes = '0'] = hhmm.split(':');
  return Number(hours) * 60 + Number(minutes);
}

/** True when `instant` falls inside the window, read in `zone` (the recipient's time zone). */
export function isInsideWindow(window: WindowSpec, instant: DateTime, zone: string): boolean {
  const hours = openHours(window);
  const local = instant.setZone(zone);
  const minute = local.hour * 60 + local.minute;
  return hours.days.has(local.weekday) && minute >= hours.startMinute && minute < hours.endMinute;
}

/**
 * The first instant at or after `instant` that is inside the window in `zone`.
 * Works on local calendar days so a DST change never moves an opening off its wall-clock time;
 * when an opening time does not exist that day (spring forward), luxon moves it forward to the
 * first valid instant, which is still inside the window.
 */
export function nextWindowOpening(window: WindowSpec, instant: DateTime, zone: string): DateTime {
  if (isInsideWindow(window, instant, zone)) return instant;
  const hours = openHours(window);
  const local = instant.setZone(zone);
  // Eight days reach the same week day twice: a window that lies wholly in a spring-forward gap
  // (Sunday 02:00-02:15 in Sydney on the first Sunday of October) opens a week later.
  for (let dayOffset = 0; dayOffset <= 14; dayOffset++) {
    const day = local.startOf('day').plus({ days: dayOffset });
    if (!hours.days.has(day.weekday)) continue;
    const opening = day.set({ hour: Math.floor(hours.startMinute / 60), minute: hours.startMinute % 60 });
    if (opening >= instant && isInsideWindow(window, opening, zone)) return opening.toUTC();
  }
  // Unreachable for a valid window (at least one day, start before end): a fortnight always has one.
  throw new Error(`window ${window.hours} on ${(window.days ?? WEEKDAYS).join(',')} never opens`);
}
