import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { IANAZone } from 'luxon';
import * as z from 'zod';
import type { Channel } from '../rules/rule-schema.ts';

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
   * The store's version of the profile, as read. A write carrying an older one is refused, so
   * two writers that read the same version (an event and a STOP reply at once) cannot undo each
   * other: the loser reads again and merges again. Absent on a profile not read from a store.
   */
  revision?: number;
}

/** `detail.customer` as publishers send it. Only `id` is required. */
export const EventCustomerSchema = z.looseObject({
  id: z.string().min(1).max(200),
  phone: z.string().max(64).optional(),
  email: z.string().max(320).optional(),
  locale: z.string().max(35).optional(),
  timeZone: z
    .string()
    .max(64)
    .refine((zone) => IANAZone.isValidZone(zone), {
      message: 'not an IANA time zone such as Europe/Stockholm',
    })
    .optional(),
  firstName: z.string().max(200).optional(),
  name: z.string().max(400).optional(),
  consent: z.strictObject({ sms: z.boolean().optional(), email: z.boolean().optional() }).optional(),
});
export type EventCustomer = z.infer<typeof EventCustomerSchema>;

/**
 * Merges what an event says about a customer into the stored profile. Contact fields from the
 * event replace stored ones; consent only replaces a stored statement that is older, so an event
 * published before a customer's STOP cannot undo it.
 */
export function mergeProfile(
  stored: CustomerProfile | undefined,
  incoming: EventCustomer,
  at: string,
  source: string,
): CustomerProfile {
  const consent: Partial<Record<Channel, ConsentEntry>> = { ...(stored?.consent ?? {}) };
  for (const channel of ['sms', 'email'] as const) {
    const granted = incoming.consent?.[channel];
    if (granted === undefined) continue;
    const previous = consent[channel];
    if (previous === undefined || previous.at <= at) consent[channel] = { granted, at, source };
  }
  return {
    id: incoming.id,
    ...pick(stored),
    ...pick(incoming),
    consent,
    updatedAt: stored !== undefined && stored.updatedAt > at ? stored.updatedAt : at,
  };
}

function pick(source: Partial<Omit<CustomerProfile, 'consent'>> | undefined): Partial<CustomerProfile> {
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

/** Applies a consent change (a STOP or START reply) if it is newer than what is stored. */
export function withConsent(
  profile: CustomerProfile,
  channel: Channel,
  entry: ConsentEntry,
): CustomerProfile {
  const previous = profile.consent[channel];
  if (previous !== undefined && previous.at > entry.at) return profile;
  return { ...profile, consent: { ...profile.consent, [channel]: entry } };
}

/** The customer's time zone when it is a real IANA zone, else the default. */
export function customerZone(profile: CustomerProfile | undefined, fallback: string): string {
  const zone = profile?.timeZone;
  return zone !== undefined && IANAZone.isValidZone(zone) ? zone : fallback;
}

/** An address Nudge may send to, or why not. */
export type ContactCheck = { ok: true; to: string } | { ok: false; reason: ContactProblem; detail: string };
export type ContactProblem = 'no-address' | 'invalid-address' | 'opted-out';

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
