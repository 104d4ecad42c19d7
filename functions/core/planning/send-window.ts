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

/**
 * When a message deferred to a window opening is due: the opening plus a deterministic offset
 * from a hash of `key` (the message id) within the first `spreadMs` of the window, so a window
 * that opens on a night's backlog releases it over minutes instead of in its first second. The
 * offset never leaves the window (it is capped by how long the window stays open from that
 * opening), and the same key always gets the same offset. An `instant` already inside the window
 * is returned as is: nothing was deferred.
 */
export function spreadWindowOpening(
  window: WindowSpec,
  instant: DateTime,
  zone: string,
  key: string,
  spreadMs: number,
): DateTime {
  const opening = nextWindowOpening(window, instant, zone);
  if (opening.toMillis() === instant.toMillis()) return opening;
  const hours = openHours(window);
  const day = opening.setZone(zone).startOf('day');
  const closing =
    hours.endMinute >= 1440
      ? day.plus({ days: 1 })
      : day.set({ hour: Math.floor(hours.endMinute / 60), minute: hours.endMinute % 60 });
  const span = Math.max(0, Math.min(Math.floor(spreadMs), closing.toMillis() - opening.toMillis()));
  const due = opening.plus({ milliseconds: spreadOffset(key, span) });
  // A DST change inside the span could put the computed closing off by an hour: never leave.
  return isInsideWindow(window, due, zone) ? due.toUTC() : opening;
}

/** The offset (ms, below `spanMs`) of the message `key` within a window opening's spread. */
export function spreadOffset(key: string, spanMs: number): number {
  return Math.floor((spreadHash(key) / 2 ** 32) * spanMs);
}

/**
 * A stable 32-bit hash of `text`, the same on every surface: FNV-1a over its UTF-16 units, then
 * murmur3's finaliser, because FNV-1a alone leaves the high bits (which pick the offset) poorly
 * mixed for short ids that differ in their last characters (`m-1`, `m-2`, …).
 */
function spreadHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
