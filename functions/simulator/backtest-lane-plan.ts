/**
 * Planning for the backtest lane: core `planMessage` (send time, reachability, window) over a
 * compact profile in epoch milliseconds. Send times that need calendar arithmetic in the
 * customer's zone (a day offset, a local time of day, a date-only field, a date-time without an
 * offset) are planned by core `planSendTime` itself; everything else by exact ms arithmetic.
 */
import { DateTime, Duration } from 'luxon';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import type { JourneyEvent } from '../core/journey-event.ts';
import { readPath } from '../core/paths.ts';
import { effectiveWindow, type SUPPRESS_REASONS } from '../core/planning/decide.ts';
import { planSendTime } from '../core/planning/send-time.ts';
import type { Channel, Rule } from '../core/rules/rule-schema.ts';
import { isValidTimeZone } from '../core/time-zones.ts';
import { contactOf, type LaneProfile } from './backtest-lane-book.ts';
import { fastInstant, insideWindow, instantOf, plusExact, spreadOpening } from './backtest-lane-time.ts';

type SuppressReason = (typeof SUPPRESS_REASONS)[number];

/** A plan in milliseconds: as core `PlanDecision`. */
export type LanePlan =
  | { kind: 'schedule'; atMs: number; late: boolean; deferred: boolean }
  | { kind: 'suppress'; reason: SuppressReason; detail: string };

type PlannedTime =
  | { ok: true; atMs: number; late: boolean }
  | { ok: false; reason: 'missing-field' | 'invalid-date' | 'planned-time-passed'; detail: string };

/** The customer's zone when it is a real IANA zone, else the default: as `customerZone`. */
export function zoneOf(profile: LaneProfile, fallback: string): string {
  const zone = profile.timeZone;
  return zone !== undefined && isValidTimeZone(zone) ? zone : fallback;
}

function notPast(atMs: number, nowMs: number, ifPast: 'send-now' | 'skip', what: string): PlannedTime {
  if (atMs >= nowMs) return { ok: true, atMs, late: false };
  if (ifPast === 'send-now') return { ok: true, atMs: nowMs, late: true };
  return { ok: false, reason: 'planned-time-passed', detail: `${what} gives a time already passed` };
}

/** A date-time field with an offset, in ms; a reason when missing or not a string; undefined: ask luxon. */
function fieldMs(event: JourneyEvent, path: string): number | PlannedTime | undefined {
  const value = readPath(event, path);
  if (value === undefined || value === null)
    return { ok: false, reason: 'missing-field', detail: `${path} is missing from the event` };
  if (typeof value !== 'string')
    return { ok: false, reason: 'invalid-date', detail: `${path} is not a date string` };
  return fastInstant(value);
}

/** A shifted field's time, or why it has none; undefined when luxon must plan it. */
function shifted(
  event: JourneyEvent,
  path: string,
  offset: string | undefined,
  nowMs: number,
  ifPast: 'send-now' | 'skip',
): PlannedTime | undefined {
  const field = fieldMs(event, path);
  if (typeof field !== 'number') return field;
  const at = offset === undefined ? field : plusExact(field, offset);
  return at === undefined ? undefined : notPast(at, nowMs, ifPast, path);
}

/** The send time by ms arithmetic, or undefined when it needs the customer's calendar. */
function fastTime(rule: Rule, event: JourneyEvent, nowMs: number): PlannedTime | undefined {
  if (rule.expect !== undefined) {
    const by = rule.expect.by;
    if (!('after' in by)) return shifted(event, by.field, by.offset, nowMs, 'send-now');
    const at = plusExact(instantOf(event.time), by.after, 'days');
    return at === undefined ? undefined : notPast(at, nowMs, 'send-now', 'expect.by');
  }
  const send = rule.send ?? 'immediately';
  if (send === 'immediately') return { ok: true, atMs: nowMs, late: false };
  if ('after' in send) {
    const at = plusExact(instantOf(event.time), send.after, 'days');
    return at === undefined ? undefined : notPast(at, nowMs, send.ifPast ?? 'send-now', 'send.after');
  }
  if (send.at.time !== undefined) return undefined;
  return shifted(event, send.at.field, send.at.offset, nowMs, send.ifPast ?? 'skip');
}

function planTime(rule: Rule, event: JourneyEvent, zone: string, nowMs: number): PlannedTime {
  const fast = fastTime(rule, event, nowMs);
  if (fast !== undefined) return fast;
  const planned = planSendTime(rule, event, zone, DateTime.fromMillis(nowMs, { zone: 'utc' }));
  return planned.ok ? { ok: true, atMs: planned.at.toMillis(), late: planned.late } : planned;
}

/** Whether any of `channels` reaches the customer (a loop: `some` made a closure per plan). */
function anyReachable(profile: LaneProfile, channels: ReadonlyArray<Channel>, country: string): boolean {
  for (const channel of channels) if (contactOf(profile, channel, country).ok) return true;
  return false;
}

/** `settings.windowOpening.spread` in ms, read once per settings. */
const spreads = new WeakMap<EngineSettings, number>();

function spreadMsOf(settings: EngineSettings): number {
  let spread = spreads.get(settings);
  if (spread === undefined) {
    spread = Duration.fromISO(settings.windowOpening.spread).toMillis();
    spreads.set(settings, spread);
  }
  return spread;
}

/**
 * As core `planMessage`, over the lane's profile and clock. `messageId` spreads a message
 * deferred to a window opening (as evaluate-event's `spreadKey`).
 */
export function planLane(
  rule: Rule,
  event: JourneyEvent,
  profile: LaneProfile | undefined,
  settings: EngineSettings,
  nowMs: number,
  messageId: string,
): LanePlan {
  if (profile === undefined)
    return {
      kind: 'suppress',
      reason: 'unknown-customer',
      detail: 'no detail.customer and no stored profile',
    };
  const zone = zoneOf(profile, settings.defaults.timeZone);
  const planned = planTime(rule, event, zone, nowMs);
  if (!planned.ok) return { kind: 'suppress', reason: planned.reason, detail: planned.detail };
  const country = settings.defaults.country;
  if (!anyReachable(profile, rule.channels, country))
    return { kind: 'suppress', reason: 'no-usable-channel', detail: 'no channel reachable' };
  const window = effectiveWindow(rule, settings);
  if (window === undefined || insideWindow(window, planned.atMs, zone))
    return { kind: 'schedule', atMs: planned.atMs, late: planned.late, deferred: false };
  if (window.outside === 'drop')
    return { kind: 'suppress', reason: 'outside-window', detail: `outside ${window.hours} (${zone})` };
  return {
    kind: 'schedule',
    atMs: spreadOpening(window, planned.atMs, zone, messageId, spreadMsOf(settings)),
    late: planned.late,
    deferred: true,
  };
}
