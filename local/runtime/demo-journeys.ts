import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';

/** A demo event and the virtual instant it happens at. */
export interface DemoEvent {
  at: DateTime;
  file: string;
  /** The EventBridge entry fields (what a publisher would PutEvents). */
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The example journeys, moved in time so each file's first event happens at `start`: every
 * instant in an event shifts by the same amount (calendar dates by whole days), so a renewal
 * date stays 14 days and 10:00 away, and a promised delivery stays 2 hours late. Malformed lines
 * are skipped here (the simulator shows them); the demo is about the happy and cancel paths.
 */
export function loadDemoJourneys(dir: string, start: DateTime): DemoEvent[] {
  const events: DemoEvent[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()) {
    const parsed = readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .flatMap((line): Array<Record<string, unknown>> => {
        try {
          const value: unknown = JSON.parse(line);
          return isRecord(value) ? [value] : [];
        } catch {
          return [];
        }
      })
      .filter(
        (event) =>
          typeof event.time === 'string' &&
          typeof event.source === 'string' &&
          typeof event['detail-type'] === 'string' &&
          isRecord(event.detail),
      );
    const seen = new Set<string>();
    const unique = parsed.filter((event) => {
      const id = String(event.id);
      if (seen.has(id)) return false; // the duplicated delivery is the simulator's point, not the demo's
      seen.add(id);
      return true;
    });
    const times = unique.map((event) => DateTime.fromISO(String(event.time), { zone: 'utc' }).toMillis());
    if (times.length === 0) continue;
    const shiftMs = start.toMillis() - Math.min(...times);
    const shiftDays = Math.round(shiftMs / 86_400_000);
    for (const event of unique) {
      const shifted = shiftTimes(event, shiftMs, shiftDays);
      if (!isRecord(shifted) || !isRecord(shifted.detail)) continue;
      events.push({
        at: DateTime.fromISO(String(shifted.time), { zone: 'utc' }),
        file,
        source: String(shifted.source),
        detailType: String(shifted['detail-type']),
        detail: shifted.detail,
      });
    }
  }
  return events.sort((a, b) => a.at.toMillis() - b.at.toMillis());
}

function shiftTimes(value: unknown, shiftMs: number, shiftDays: number): unknown {
  if (typeof value === 'string') {
    if (INSTANT.test(value)) {
      const instant = DateTime.fromISO(value, { setZone: true });
      return instant.isValid
        ? instant.plus({ milliseconds: shiftMs }).toISO({ suppressMilliseconds: true })
        : value;
    }
    if (CALENDAR_DATE.test(value)) {
      const date = DateTime.fromISO(value, { zone: 'utc' });
      return date.isValid ? date.plus({ days: shiftDays }).toISODate() : value;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => shiftTimes(item, shiftMs, shiftDays));
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, shiftTimes(item, shiftMs, shiftDays)]),
    );
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
