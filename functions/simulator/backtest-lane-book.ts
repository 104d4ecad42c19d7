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
 * A consent flag and when it was given. Every flag the lane records came from an event (a dry
 * run gets no STOP, no carrier opt-out, no bounce), so none is a firm opt-out (`isFirmOptOut`):
 * a later event's flag always replaces an earlier one, and the source need not be kept.
 */
interface LaneConsent {
  granted: boolean;
  atMs: number;
}

/** A compact profile: the fields templates and planning read, consent as instants. */
export interface LaneProfile {
  id: string;
  phone?: string;
  email?: string;
  locale?: string;
  timeZone?: string;
  firstName?: string;
  name?: string;
  consent: Partial<Record<Channel, LaneConsent>>;
  /** Address checks of this profile's phone and email by channel and default country (kept while the address stays the same). */
  checks: Record<string, ContactCheck>;
}

const FIELDS = ['phone', 'email', 'locale', 'timeZone', 'firstName', 'name'] as const;

/** Whether the customer can be reached on `channel`: as core `checkContact`, cached per address. */
export function contactOf(profile: LaneProfile, channel: Channel, country: string): ContactCheck {
  if (profile.consent[channel]?.granted === false)
    return { ok: false, reason: 'opted-out', detail: `${channel}: customer opted out` };
  const name = `${channel}:${country}`;
  let check = profile.checks[name];
  if (check === undefined) {
    // Without consent: the address alone (its check does not depend on who has it).
    const bare: CustomerProfile = { id: profile.id, consent: {}, updatedAt: '' };
    if (channel === 'sms' && profile.phone !== undefined) bare.phone = profile.phone;
    if (channel === 'email' && profile.email !== undefined) bare.email = profile.email;
    check = checkContact(bare, channel, country);
    profile.checks[name] = check;
  }
  return check;
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
      profile = { id: incoming.id, consent: {}, checks: {} };
      this.profiles.set(incoming.id, profile);
    }
    const atMs = instantOf(event.time);
    for (const channel of ['sms', 'email'] as const) {
      const granted = incoming.consent?.[channel];
      if (granted === undefined) continue;
      const previous = profile.consent[channel];
      if (previous === undefined) profile.consent[channel] = { granted, atMs };
      else if (!(previous.atMs > atMs)) {
        // Updated in place: the entry stays where the collector has it.
        previous.granted = granted;
        previous.atMs = atMs;
      }
    }
    const phone = profile.phone;
    const email = profile.email;
    for (const field of FIELDS) {
      const value = incoming[field];
      // The stored string is kept when equal: the new one dies young instead of the old one late.
      if (value !== undefined && value !== profile[field]) profile[field] = value;
    }
    // A check stays valid while the address does.
    if (phone !== profile.phone || email !== profile.email) {
      for (const name of Object.keys(profile.checks)) {
        const before = name.startsWith('sms:') ? phone : email;
        if (before !== (name.startsWith('sms:') ? profile.phone : profile.email)) delete profile.checks[name];
      }
    }
    return profile;
  }
}
