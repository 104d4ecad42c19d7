/**
 * The backtest lane's customer book: what both sides of a backtest share about customers. A
 * profile changes only with the events themselves (a dry run gets no STOP, no carrier opt-out,
 * no bounce), so it is the same on both sides and merged once per event, in epoch milliseconds,
 * as `mergeProfile` merges it. Contact checks (libphonenumber, the email syntax) are remembered
 * per address.
 */
import { type ContactCheck, type CustomerProfile, checkContact } from '../core/customers/customer-profile.ts';
import type { EventCustomer } from '../core/customers/event-customer.ts';
import type { JourneyEvent } from '../core/journey-event.ts';
import { readPath } from '../core/paths.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import { instantOf } from './backtest-lane-time.ts';

/**
 * A customer's cap ledger on one side: message ids and send times, oldest first (as the ledger's
 * slots), in the first `size` places of two arrays made room for `cap.max` slots (urgent sends,
 * outside the cap, may grow them): a send updates them in place.
 */
export interface Ledger {
  keys: string[];
  atMs: number[];
  size: number;
}

/**
 * A compact profile: the fields templates and planning read, consent as flags and instants, and
 * the address checks. Every field is set when it is made (one shape for all profiles, no
 * per-profile consent or check objects): 50,000 customers are a large part of what the collector
 * marks.
 *
 * Every consent flag the lane records came from an event (a dry run gets no STOP, no carrier
 * opt-out, no bounce), so none is a firm opt-out (`isFirmOptOut`): a later event's flag always
 * replaces an earlier one, and the source need not be kept.
 */
export class LaneProfile {
  phone: string | undefined = undefined;
  email: string | undefined = undefined;
  locale: string | undefined = undefined;
  timeZone: string | undefined = undefined;
  firstName: string | undefined = undefined;
  name: string | undefined = undefined;
  /** SMS consent as the latest event said it (undefined: never said), and that event's time. */
  smsGranted: boolean | undefined = undefined;
  smsAtMs = 0;
  emailGranted: boolean | undefined = undefined;
  emailAtMs = 0;
  /** The phone's check and the default country it was made for (kept while the phone stays the same). */
  smsCheck: ContactCheck | undefined = undefined;
  smsCountry = '';
  emailCheck: ContactCheck | undefined = undefined;
  emailCountry = '';
  /**
   * Each side's cap ledger of this customer (kept here, not in a map per side: 50,000 customers
   * made two large tables); emptied, not dropped, once nothing of it is inside the cap period.
   */
  baselineLedger: Ledger | undefined = undefined;
  candidateLedger: Ledger | undefined = undefined;

  constructor(readonly id: string) {}
}

const FIELDS = ['phone', 'email', 'locale', 'timeZone', 'firstName', 'name'] as const;

const OPTED_OUT: Record<Channel, ContactCheck> = {
  sms: { ok: false, reason: 'opted-out', detail: 'sms: customer opted out' },
  email: { ok: false, reason: 'opted-out', detail: 'email: customer opted out' },
};

/** The check of an address alone, without consent (it does not depend on who has it). */
function addressCheck(
  id: string,
  channel: Channel,
  address: string | undefined,
  country: string,
): ContactCheck {
  const bare: CustomerProfile = { id, consent: {}, updatedAt: '' };
  if (address !== undefined) bare[channel === 'sms' ? 'phone' : 'email'] = address;
  const check = checkContact(bare, channel, country);
  // An address already in its normal form is kept once, not a second time as the check's copy.
  return check.ok && check.to === address ? { ok: true, to: address } : check;
}

/** Whether the customer can be reached on `channel`: as core `checkContact`, cached per address. */
export function contactOf(profile: LaneProfile, channel: Channel, country: string): ContactCheck {
  if (channel === 'sms') {
    if (profile.smsGranted === false) return OPTED_OUT.sms;
    if (profile.smsCheck === undefined || profile.smsCountry !== country) {
      profile.smsCheck = addressCheck(profile.id, 'sms', profile.phone, country);
      profile.smsCountry = country;
    }
    return profile.smsCheck;
  }
  if (profile.emailGranted === false) return OPTED_OUT.email;
  if (profile.emailCheck === undefined || profile.emailCountry !== country) {
    profile.emailCheck = addressCheck(profile.id, 'email', profile.email, country);
    profile.emailCountry = country;
  }
  return profile.emailCheck;
}

function isEventCustomer(value: unknown): value is EventCustomer {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if (typeof Reflect.get(value, 'id') !== 'string') return false;
  for (const field of FIELDS) {
    const item: unknown = Reflect.get(value, field);
    if (item !== undefined && typeof item !== 'string') return false;
  }
  const consent: unknown = Reflect.get(value, 'consent');
  if (consent === undefined) return true;
  if (consent === null || typeof consent !== 'object') return false;
  return ['sms', 'email'].every((channel) => {
    const flag: unknown = Reflect.get(consent, channel);
    return flag === undefined || typeof flag === 'boolean';
  });
}

/** Profiles by customer id, shared by both sides. */
export class CustomerBook {
  private readonly profiles = new Map<string, LaneProfile>();

  get size(): number {
    return this.profiles.size;
  }

  get(customerId: string): LaneProfile | undefined {
    return this.profiles.get(customerId);
  }

  values(): IterableIterator<LaneProfile> {
    return this.profiles.values();
  }

  /**
   * The event's customer after the event: `detail.customer` merged in (validated with the event),
   * else the stored profile of `detail.customerId`. As evaluate-event's `resolveProfile`.
   */
  resolve(event: JourneyEvent): LaneProfile | undefined {
    const inline = event.detail.customer;
    // parseJourneyEvent has checked it against EventCustomerSchema (the event is refused
    // otherwise): a shape check narrows the type without zod.
    if (isEventCustomer(inline)) return this.merge(inline, event);
    const customerId = readPath(event, 'detail.customerId');
    return typeof customerId === 'string' && customerId !== '' ? this.profiles.get(customerId) : undefined;
  }

  /** Merges in place: a profile is read only while its event is evaluated, so no copy is kept. */
  private merge(incoming: EventCustomer, event: JourneyEvent): LaneProfile {
    let profile = this.profiles.get(incoming.id);
    if (profile === undefined) {
      profile = new LaneProfile(incoming.id);
      this.profiles.set(incoming.id, profile);
    }
    const atMs = instantOf(event.time);
    const sms = incoming.consent?.sms;
    if (sms !== undefined && (profile.smsGranted === undefined || !(profile.smsAtMs > atMs))) {
      profile.smsGranted = sms;
      profile.smsAtMs = atMs;
    }
    const email = incoming.consent?.email;
    if (email !== undefined && (profile.emailGranted === undefined || !(profile.emailAtMs > atMs))) {
      profile.emailGranted = email;
      profile.emailAtMs = atMs;
    }
    // The stored string is kept when equal: the new one dies young instead of the old one late.
    // A check stays valid while its address does.
    if (incoming.phone !== undefined && incoming.phone !== profile.phone) {
      profile.phone = incoming.phone;
      profile.smsCheck = undefined;
    }
    if (incoming.email !== undefined && incoming.email !== profile.email) {
      profile.email = incoming.email;
      profile.emailCheck = undefined;
    }
    if (incoming.locale !== undefined && incoming.locale !== profile.locale) profile.locale = incoming.locale;
    if (incoming.timeZone !== undefined && incoming.timeZone !== profile.timeZone)
      profile.timeZone = incoming.timeZone;
    if (incoming.firstName !== undefined && incoming.firstName !== profile.firstName)
      profile.firstName = incoming.firstName;
    if (incoming.name !== undefined && incoming.name !== profile.name) profile.name = incoming.name;
    return profile;
  }
}
