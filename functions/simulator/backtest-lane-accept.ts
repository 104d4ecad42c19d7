/**
 * A cheap shape check for the backtest lane: true only for events `parseJourneyEvent` certainly
 * accepts (a plain envelope, a plain time, no lone surrogate, numbers a store keeps, shallow
 * enough, small enough, a well-formed `detail.customer`). Anything else (false) goes through
 * `parseJourneyEvent` itself, so acceptance and the reasons of a refusal stay production's.
 */
import type { JourneyEvent } from '../core/journey-event.ts';
import { isValidTimeZone } from '../core/time-zones.ts';
import { fastInstant } from './backtest-lane-time.ts';

const SURROGATE = /[\uD800-\uDFFF]/;
/** Well inside the engine's 24 levels of `detail`. */
const MAX_DEPTH = 20;
/** UTF-16 units whose UTF-8 (at most 3 bytes each) surely fits the 256 KB of an event. */
const MAX_UNITS = 87_000;
const CUSTOMER_LIMITS: Record<string, number> = {
  phone: 64,
  email: 320,
  locale: 35,
  timeZone: 64,
  firstName: 200,
  name: 400,
};

const CUSTOMER_LIMIT_ENTRIES = Object.entries(CUSTOMER_LIMITS);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown, min: number, max: number): boolean {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

/**
 * At least the length of the event's JSON, added up by the checks below as they walk it: a string
 * is at most 6 units a character escaped, plus quotes and a comma; a number at most 25. Anything
 * whose JSON cannot be told that way (a `toJSON`, a class instance, a bigint) makes it infinite,
 * and `JSON.stringify` measures the event as before.
 */
let jsonBound = 0;

function boundString(text: string, extra: number): void {
  jsonBound += 6 * text.length + extra;
}

/** Strings, keys, numbers and depth of a value inside `detail`. */
function plainValue(value: unknown, depth: number): boolean {
  if (typeof value === 'string') {
    boundString(value, 3);
    return !SURROGATE.test(value);
  }
  if (typeof value === 'number') {
    jsonBound += 25;
    const magnitude = Math.abs(value);
    return (
      Number.isFinite(value) &&
      magnitude <= Number.MAX_SAFE_INTEGER &&
      (magnitude === 0 || magnitude >= 1e-130)
    );
  }
  if (value === null || typeof value !== 'object') {
    jsonBound += typeof value === 'bigint' ? Number.POSITIVE_INFINITY : 6;
    return true;
  }
  if (depth > MAX_DEPTH) return false;
  jsonBound += 3;
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== Array.prototype && proto !== null) || 'toJSON' in value)
    jsonBound = Number.POSITIVE_INFINITY;
  if (Array.isArray(value)) return value.every((item) => plainValue(item, depth + 1));
  // for…in over own keys: no array of keys per object (Object.keys made one for each).
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    boundString(key, 3);
    if (key === '' || SURROGATE.test(key) || !plainValue(Reflect.get(value, key), depth + 1)) return false;
  }
  return true;
}

function plainCustomer(customer: unknown): boolean {
  if (customer === undefined) return true;
  if (!isRecord(customer) || !text(customer.id, 1, 200)) return false;
  for (const [field, max] of CUSTOMER_LIMIT_ENTRIES) {
    const value = customer[field];
    if (value !== undefined && !text(value, 0, max)) return false;
  }
  const zone = customer.timeZone;
  if (typeof zone === 'string' && !isValidTimeZone(zone)) return false;
  const consent = customer.consent;
  if (consent === undefined) return true;
  if (!isRecord(consent)) return false;
  for (const channel in consent) {
    if (!Object.hasOwn(consent, channel)) continue;
    if ((channel !== 'sms' && channel !== 'email') || typeof consent[channel] !== 'boolean') return false;
  }
  return true;
}

function optionalText(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && !SURROGATE.test(value));
}

/**
 * At least the length of the JSON of the event {@link isPlainEvent} accepted last (a bound, not
 * the length: `Infinity` when it could not be bounded).
 */
export function lastPlainJsonBound(): number {
  return jsonBound;
}

/** True when `parseJourneyEvent` certainly accepts `value` as it is. */
export function isPlainEvent(value: unknown): value is JourneyEvent {
  if (!isRecord(value)) return false;
  if (!text(value.id, 1, 256) || !text(value['detail-type'], 1, 256) || !text(value.source, 1, 256))
    return false;
  if (!optionalText(value.version) || !optionalText(value.account) || !optionalText(value.region))
    return false;
  const resources = value.resources;
  if (
    resources !== undefined &&
    !(Array.isArray(resources) && resources.every((item) => optionalText(item) && item !== undefined))
  )
    return false;
  if (typeof value.time !== 'string' || fastInstant(value.time) === undefined) return false;
  const detail = value.detail;
  if (!isRecord(detail) || !plainCustomer(detail.customer)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  jsonBound =
    (proto !== Object.prototype && proto !== null) || 'toJSON' in value ? Number.POSITIVE_INFINITY : 2;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (SURROGATE.test(key)) return false;
    boundString(key, 3);
    // A string beside `detail` needs only the surrogate check: plainValue makes it.
    if (!plainValue(value[key], 1)) return false;
  }
  // The bound spares a JSON.stringify of every event; near the limit the JSON itself is measured.
  return jsonBound <= MAX_UNITS || (JSON.stringify(value) ?? '').length <= MAX_UNITS;
}
