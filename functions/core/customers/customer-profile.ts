import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import * as z from 'zod';
import type { Channel } from '../rules/rule-schema.ts';
import { isValidTimeZone } from '../time-zones.ts';
import { utcIsoOf, utcMillisOf } from '../utc-instant.ts';
import type { EventCustomer } from './event-customer.ts';

/** A consent statement for one channel; the latest one wins. */
export interface ConsentEntry {
  granted: boolean;
  /** ISO instant the statement was made (event time, or reply time for STOP/START). */
  at: string;
  /** Where it came from, e.g. `event:<id>` or `reply:<sid>`. */
  source: string;
}

/** What Nudge knows about a customer. Contact data is kept as given and checked when used. */
export interface CustomerProfile {
  id: string;
  phone?: string;
  email?: string;
  locale?: string;
  timeZone?: string;
  firstName?: string;
  name?: string;
  consent: Partial<Record<Channel, ConsentEntry>>;
  updatedAt: string;
  /**
   * Suppressions in force for this profile's phone (sms) and email (email), by reason: put on a
   * copy of the profile by the send step just before deciding, so a suppressed address counts as
   * opted out on its channel and the next channel is tried. Never stored.
   */
  suppressedAddresses?: Partial<Record<Channel, string>>;
  /**
   * The store's version of the profile, as read. A write carrying an older one is refused, so
   * two writers that read the same version (an event and a STOP reply at once) cannot undo each
   * other: the loser reads again and merges again. Absent on a profile not read from a store.
   */
  revision?: number;
}

/** How {@link mergeProfile} treats an event's consent flags. */
export interface MergeOptions {
  /**
   * The event is of a configured re-opt-in type (`consent.reoptInEventTypes`): its `true` flags
   * may lift an opt-out the person or the provider made. Ordinary events never do.
   */
  reoptIn?: boolean;
}

/**
 * Merges what an event says about a customer into the stored profile. Contact fields from the
 * event replace stored ones. A consent flag replaces a stored statement only when it is newer (as
 * an instant: `10:30+01:00` is before `10:00Z`) and, when the stored one is an opt-out the person
 * or the provider made (STOP, carrier opt-out, unsubscribe, spam report), only when the event is
 * a re-opt-in granting the channel: a CRM that sends its default `consent.sms: true` on every
 * event must not re-subscribe someone who said STOP. Instants are stored in UTC.
 */
export function mergeProfile(
  stored: CustomerProfile | undefined,
  incoming: EventCustomer,
  at: string,
  source: string,
  options: MergeOptions = {},
): CustomerProfile {
  const when = utcIso(at);
  let consent: Partial<Record<Channel, ConsentEntry>> = { ...(stored?.consent ?? {}) };
  for (const channel of ['sms', 'email'] as const) {
    const granted = incoming.consent?.[channel];
    if (granted === undefined) continue;
    consent = applyConsent(
      consent,
      channel,
      { granted, at: when, source },
      granted && options.reoptIn === true,
    );
  }
  return {
    id: incoming.id,
    ...pick(stored),
    ...pick(incoming),
    consent,
    updatedAt: stored !== undefined && isAfter(stored.updatedAt, when) ? stored.updatedAt : when,
  };
}

/**
 * Whether a consent entry is an opt-out the person or the provider made (a STOP reply, a carrier
 * opt-out, an unsubscribe, a spam report): only the same person's START or a re-opt-in event lifts
 * it. An opt-out an event carried (`event:<id>`, `reopt-in:<id>`: the publisher's own flag) is not firm.
 */
function isFirmOptOut(entry: ConsentEntry | undefined): boolean {
  return (
    entry !== undefined &&
    !entry.granted &&
    !entry.source.startsWith('event:') &&
    !entry.source.startsWith('reopt-in:')
  );
}

/**
 * Applies a consent statement from a reply or a provider (a STOP, a START, an unsubscribe) if it
 * is newer, as an instant, than what is stored. A grant replaces a firm opt-out
 * ({@link isFirmOptOut}) only with `lift`: the caller has checked it is the same person's START
 * or a re-opt-in.
 */
export function withConsent(
  profile: CustomerProfile,
  channel: Channel,
  entry: ConsentEntry,
  options: { lift?: boolean } = {},
): CustomerProfile {
  const consent = applyConsent(
    profile.consent,
    channel,
    { ...entry, at: utcIso(entry.at) },
    entry.granted && options.lift === true,
  );
  return consent === profile.consent ? profile : { ...profile, consent };
}

/** The consent map with `entry` applied, or the very same map when the entry does not apply. */
function applyConsent(
  consent: Partial<Record<Channel, ConsentEntry>>,
  channel: Channel,
  entry: ConsentEntry,
  lift: boolean,
): Partial<Record<Channel, ConsentEntry>> {
  const previous = consent[channel];
  if (previous !== undefined) {
    if (isAfter(previous.at, entry.at)) return consent; // an older statement: the stored one stands
    if (isFirmOptOut(previous)) {
      // Lifted only by a lift; restated only by another firm opt-out (an event's `false` would
      // turn it into one the next ordinary event could undo).
      const replaces = entry.granted ? lift : isFirmOptOut(entry);
      if (!replaces) return consent;
    }
  }
  return { ...consent, [channel]: entry };
}

/** Milliseconds since the epoch of an ISO instant (any offset; none means UTC); NaN when unreadable. */
export function instantMillis(iso: string): number {
  return utcMillisOf(iso) ?? Number.NaN;
}

/** Whether instant `a` is strictly after instant `b`, compared as instants (false when either is unreadable). */
export function isAfter(a: string, b: string): boolean {
  return instantMillis(a) > instantMillis(b);
}

/** The same instant in UTC with milliseconds (`…T09:30:00.000Z`); unreadable text is kept as given. */
export function utcIso(iso: string): string {
  return utcIsoOf(iso) ?? iso;
}

function pick(
  source: Partial<Omit<CustomerProfile, 'consent' | 'suppressedAddresses'>> | undefined,
): Partial<CustomerProfile> {
  if (source === undefined) return {};
  const out: Partial<CustomerProfile> = {};
  if (source.phone !== undefined) out.phone = source.phone;
  if (source.email !== undefined) out.email = source.email;
  if (source.locale !== undefined) out.locale = source.locale;
  if (source.timeZone !== undefined) out.timeZone = source.timeZone;
  if (source.firstName !== undefined) out.firstName = source.firstName;
  if (source.name !== undefined) out.name = source.name;
  return out;
}

/** The customer's time zone when it is a real IANA zone, else the default. */
export function customerZone(profile: CustomerProfile | undefined, fallback: string): string {
  const zone = profile?.timeZone;
  return zone !== undefined && isValidTimeZone(zone) ? zone : fallback;
}

/** An address Nudge may send to, or why not. */
export type ContactCheck = { ok: true; to: string } | { ok: false; reason: ContactProblem; detail: string };
type ContactProblem = 'no-address' | 'invalid-address' | 'opted-out';

const emailSchema = z.email();

/**
 * Whether the customer can be reached on a channel: an address that parses (phone numbers are
 * normalised to E.164 with libphonenumber-js, using the default country for national numbers)
 * and no opt-out. Nudge is opt-out based: consent is assumed until the customer withdraws it.
 */
export function checkContact(
  profile: CustomerProfile,
  channel: Channel,
  defaultCountry: string,
): ContactCheck {
  if (profile.consent[channel]?.granted === false) {
    return { ok: false, reason: 'opted-out', detail: `${channel}: customer opted out` };
  }
  const suppressed = profile.suppressedAddresses?.[channel];
  if (suppressed !== undefined) {
    return { ok: false, reason: 'opted-out', detail: `${channel}: address suppressed (${suppressed})` };
  }
  if (channel === 'sms') {
    if (profile.phone === undefined || profile.phone.trim() === '') {
      return { ok: false, reason: 'no-address', detail: 'sms: no phone number' };
    }
    const parsed = parsePhoneNumberFromString(profile.phone, toCountry(defaultCountry));
    if (parsed === undefined || !parsed.isValid()) {
      return {
        ok: false,
        reason: 'invalid-address',
        detail: `sms: invalid phone number ${maskPhone(profile.phone)}`,
      };
    }
    return { ok: true, to: parsed.number };
  }
  if (profile.email === undefined || profile.email.trim() === '') {
    return { ok: false, reason: 'no-address', detail: 'email: no address' };
  }
  const email = profile.email.trim();
  if (!emailSchema.safeParse(email).success) {
    return { ok: false, reason: 'invalid-address', detail: `email: invalid address ${maskEmail(email)}` };
  }
  return { ok: true, to: email };
}

function toCountry(code: string): CountryCode | undefined {
  const upper = code.toUpperCase();
  return isCountryCode(upper) ? upper : undefined;
}

function isCountryCode(code: string): code is CountryCode {
  return /^[A-Z]{2}$/.test(code);
}

/** `+46701234567` → `+4670*****67`: enough to tell numbers apart in a log, not to dial. */
export function maskPhone(phone: string): string {
  const compact = phone.replace(/\s+/g, '');
  if (compact.length <= 6) return '*'.repeat(compact.length);
  return `${compact.slice(0, 4)}${'*'.repeat(compact.length - 6)}${compact.slice(-2)}`;
}

/** `anna.svensson@example.com` → `a***@e***.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${email[0]}***@${host[0] ?? ''}***${tld}`;
}
