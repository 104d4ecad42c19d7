/**
 * What Nudge holds about one customer, found by key and index only (no Scan): her profile and cap
 * ledger (`CUST#<id>`), everything filed under her in the customer index (messages, replies,
 * threshold entries, archived events, goal ledger entries, and kinds added later), the dedupe claims her messages hold,
 * and the suppression entries of her addresses. Shared by the privacy export and erase.
 */
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import { suppressionAddress } from '../../core/customers/suppression-address.ts';
import type { Channel } from '../../core/rules/rule-schema.ts';
import { profileAddresses } from '../address-suppressions.ts';
import type { MessageRecord } from '../message-record.ts';
import type { CustomerIndexEntry } from '../ports/customer-index.ts';
import type { Stores } from '../ports/stores.ts';
import type { Clock, SendScheduler } from '../ports.ts';

/** The ports and settings the privacy use cases run on. */
export type PrivacyDeps = Pick<
  Stores,
  'profiles' | 'messages' | 'suppressions' | 'caps' | 'dedupe' | 'customerIndex'
> & {
  clock: Clock;
  /** Reads national phone numbers as the send step does (`defaults.country`). */
  defaultCountry: string;
  /** Pending schedules are deleted through it (EventBridge Scheduler in AWS); absent: none to delete. */
  scheduler?: SendScheduler;
};

/** Everything found for one customer before an export or erase. */
export interface CustomerHoldings {
  customerId: string;
  profile: CustomerProfile | undefined;
  /** Every customer index entry, oldest first (messages included). */
  entries: CustomerIndexEntry[];
  /** Her message records (the index's `MSG` entries), read whole. */
  messages: MessageRecord[];
  /** Cap ledger: message id → when it went to a provider. */
  capLedger: Record<string, string>;
  /** Her addresses as suppressions are keyed: the profile's, her messages' planned ones, and where they went. */
  addresses: Array<{ channel: Channel; address: string }>;
}

/** The customer index's tag for message entries. */
export const MESSAGE_ENTRY = 'MSG';

/** Reads what is held about `customerId`; `undefined` when nothing is (an unknown or erased id). */
export async function findCustomerHoldings(
  customerId: string,
  deps: PrivacyDeps,
): Promise<CustomerHoldings | undefined> {
  const [profile, entries, capLedger] = await Promise.all([
    deps.profiles.getProfile(customerId),
    deps.customerIndex.listEntries(customerId),
    deps.caps.readCapLedger(customerId),
  ]);
  if (profile === undefined && entries.length === 0 && Object.keys(capLedger).length === 0) return undefined;
  const messages: MessageRecord[] = [];
  for (const entry of entries) {
    if (entry.kind !== MESSAGE_ENTRY) continue;
    const record = await deps.messages.getMessage(entry.id);
    if (record !== undefined && record.customerId === customerId) messages.push(record);
  }
  return {
    customerId,
    profile,
    entries,
    messages,
    capLedger,
    addresses: addressesOf(profile, messages, deps.defaultCountry),
  };
}

/**
 * The dedupe claim a message took, as evaluate-event.ts names it (`<ruleId>#<dedupe key>`; a
 * threshold alert's `dedupeKey` is the whole claim key already). A message of a rule without
 * `dedupe` names its event id here and holds no claim: releasing it finds nothing.
 */
export function dedupeClaimKey(record: Pick<MessageRecord, 'ruleId' | 'dedupeKey' | 'threshold'>): string {
  return record.threshold === undefined ? `${record.ruleId}#${record.dedupeKey}` : record.dedupeKey;
}

function addressesOf(
  profile: CustomerProfile | undefined,
  messages: ReadonlyArray<MessageRecord>,
  defaultCountry: string,
): Array<{ channel: Channel; address: string }> {
  const found = new Map<string, { channel: Channel; address: string }>();
  const add = (channel: Channel, address: string | undefined) => {
    if (address !== undefined) found.set(`${channel}#${address}`, { channel, address });
  };
  if (profile !== undefined) {
    for (const { channel, address } of profileAddresses(profile, defaultCountry)) add(channel, address);
  }
  for (const record of messages) {
    for (const { channel, address } of record.plannedAddresses ?? []) add(channel, address);
    if (record.channel === undefined || record.to === undefined) continue;
    add(record.channel, suppressionAddress(record.channel, record.to, defaultCountry));
  }
  return [...found.values()];
}
