import type { CustomerProfile } from '../core/customers/customer-profile.ts';
import { suppressionAddress } from '../core/customers/suppression-address.ts';
import { OUTCOME_SCHEMA_VERSION, type OutcomeEvent } from '../core/outcomes/outcome-events.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import type { AddressOptOut, Suppression, SuppressionStore } from './ports/suppressions.ts';

/** An address as suppressions are keyed: channel and normalised address. */
export interface SuppressionKey {
  channel: Channel;
  address: string;
}

/** Suppressions already read for some addresses (the send step reads them with the profile). */
export interface SuppressionsRead {
  /** The addresses asked for, found or not. */
  asked: ReadonlyArray<SuppressionKey>;
  /** What the store returned for them. */
  found: ReadonlyArray<Suppression>;
}

/**
 * The profile as the send step decides on it: the suppressions in force for its phone (sms) and
 * email (email), normalised the way they are suppressed, put on a copy (`suppressedAddresses`).
 * One read (BatchGetItem on DynamoDB) whatever the number of addresses. With `read`, the
 * addresses it asked for are not read again; an address of the profile it did not ask for (the
 * customer changed number or email since) is read now: a STOP on the address actually used must
 * always hold. Entries of addresses the profile no longer has are ignored.
 */
export async function withAddressSuppressions(
  profile: CustomerProfile | undefined,
  suppressions: SuppressionStore,
  defaultCountry: string,
  read?: SuppressionsRead,
): Promise<CustomerProfile | undefined> {
  if (profile === undefined) return undefined;
  const addresses = profileAddresses(profile, defaultCountry);
  if (addresses.length === 0) return profile;
  const asked = new Set(read?.asked.map(keyOf));
  const unread = addresses.filter((entry) => !asked.has(keyOf(entry)));
  const entries = [...(read?.found ?? []), ...(unread.length === 0 ? [] : await suppressions.list(unread))];
  const current = new Set(addresses.map(keyOf));
  const inForce = entries.filter((entry) => entry.suppressed && current.has(keyOf(entry)));
  if (inForce.length === 0) return profile;
  const suppressedAddresses: Partial<Record<Channel, string>> = {};
  for (const entry of inForce) suppressedAddresses[entry.channel] = entry.reason;
  return { ...profile, suppressedAddresses };
}

function keyOf(entry: SuppressionKey): string {
  return `${entry.channel}\u0000${entry.address}`;
}

/** The profile's addresses in their suppression form (E.164 phone, lower-cased email). */
export function profileAddresses(
  profile: Pick<CustomerProfile, 'phone' | 'email'>,
  defaultCountry: string,
): SuppressionKey[] {
  const out: SuppressionKey[] = [];
  for (const [channel, raw] of [
    ['sms', profile.phone],
    ['email', profile.email],
  ] as const) {
    const address = raw === undefined ? undefined : suppressionAddress(channel, raw, defaultCountry);
    if (address !== undefined) out.push({ channel, address });
  }
  return out;
}

/**
 * Suppresses an address (one conditional write; a replay of the same source changes nothing)
 * and returns what happened.
 */
export async function suppressAddress(
  optOut: AddressOptOut,
  suppressions: SuppressionStore,
): Promise<'applied' | 'already-suppressed' | 'duplicate'> {
  return suppressions.suppress({
    channel: optOut.channel,
    address: optOut.address,
    reason: optOut.reason,
    source: optOut.source,
    at: optOut.at,
    ...(optOut.customerId === undefined ? {} : { customerId: optOut.customerId }),
  });
}

/** The `CustomerOptedOut` outcome of an opt-out (with the customer and the address when known). */
export function optedOutEvent(optOut: Omit<AddressOptOut, 'address'> & { address?: string }): OutcomeEvent {
  return {
    detailType: 'CustomerOptedOut',
    time: optOut.at,
    detail: {
      schemaVersion: OUTCOME_SCHEMA_VERSION,
      ...(optOut.customerId === undefined ? {} : { customerId: optOut.customerId }),
      channel: optOut.channel,
      source: optOut.source,
      at: optOut.at,
      ...(optOut.address === undefined ? {} : { address: optOut.address }),
      reason: optOut.reason,
    },
  };
}

/**
 * The provider refused a send because the recipient opted out with it (Twilio 21610: a STOP the
 * carrier took): the address is suppressed, and a newly applied suppression is published. The
 * source names the message, so a retry of the same send is a duplicate.
 */
export async function recordProviderOptOut(
  refused: { channel: Channel; to: string; code: string; messageId: string; at: string; customerId?: string },
  deps: {
    suppressions: SuppressionStore;
    outcomes?: { publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> };
  },
  defaultCountry: string,
): Promise<void> {
  const address = suppressionAddress(refused.channel, refused.to, defaultCountry);
  if (address === undefined) return;
  const optOut: AddressOptOut = {
    channel: refused.channel,
    address,
    reason: refused.channel === 'sms' ? 'carrier-opt-out' : 'unsubscribe',
    source: `provider:${refused.code}:${refused.messageId}`,
    at: refused.at,
    ...(refused.customerId === undefined ? {} : { customerId: refused.customerId }),
  };
  if ((await suppressAddress(optOut, deps.suppressions)) === 'applied')
    await deps.outcomes?.publish([optedOutEvent(optOut)]);
}
