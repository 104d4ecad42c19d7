/**
 * GDPR art. 15 (right of access): everything Nudge holds about one customer, as one JSON document.
 */
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import { isoOf } from '../iso-time.ts';
import type { MessageRecord } from '../message-record.ts';
import type { DedupeClaim } from '../ports/dedupe.ts';
import type { Suppression } from '../ports/suppressions.ts';
import {
  dedupeClaimKey,
  findCustomerHoldings,
  MESSAGE_ENTRY,
  type PrivacyDeps,
} from './customer-holdings.ts';

/** An item filed under the customer that is not a message, as stored (keys left out). */
interface ExportedEntry {
  kind: string;
  id: string;
  at: string;
  item: Record<string, unknown>;
}

/** The export document. */
export interface CustomerExport {
  customerId: string;
  exportedAt: string;
  /** As stored, with the consent history (`consent`: the latest statement per channel). */
  profile: CustomerProfile | null;
  /** Every message with its rendered text, status history and trigger snapshot. */
  messages: MessageRecord[];
  /** Her inbound replies (`REPLY` entries). */
  replies: Array<Record<string, unknown>>;
  /** Events of hers counted by threshold rules. */
  thresholdEntries: Array<Record<string, unknown>>;
  /** Archived journey events about her (`EVENT` entries). */
  events: Array<Record<string, unknown>>;
  /**
   * Her decisions as the goal ledger keeps them (`GOAL` entries): rule, group (sent or held out),
   * send time, and `convertedBy`/`convertedAt` when a goal or avoid event converted one.
   */
  goals: Array<Record<string, unknown>>;
  /** Any other kind filed under her, as stored. */
  otherEntries: ExportedEntry[];
  /** The suppression entries of her addresses (in force and lifted, with their history). */
  suppressions: Suppression[];
  /** Dedupe claims her messages hold. */
  dedupeClaims: DedupeClaim[];
  /** The frequency-cap ledger: message id → when it went to a provider. */
  capLedger: Record<string, string>;
}

/** The export's list for an index kind; undefined for kinds it does not name. */
function listOf(kind: string): 'replies' | 'thresholdEntries' | 'events' | 'goals' | undefined {
  switch (kind) {
    case 'REPLY':
      return 'replies';
    case 'THRESHOLD':
      return 'thresholdEntries';
    case 'EVENT':
      return 'events';
    case 'GOAL':
      return 'goals';
    default:
      return undefined;
  }
}

/** The export of `customerId`, or undefined when Nudge holds nothing about her. */
export async function exportCustomer(
  customerId: string,
  deps: PrivacyDeps,
): Promise<CustomerExport | undefined> {
  const holdings = await findCustomerHoldings(customerId, deps);
  if (holdings === undefined) return undefined;
  const document: CustomerExport = {
    customerId,
    exportedAt: isoOf(deps.clock.now()),
    profile: holdings.profile ?? null,
    messages: holdings.messages,
    replies: [],
    thresholdEntries: [],
    events: [],
    goals: [],
    otherEntries: [],
    suppressions: await deps.suppressions.list(holdings.addresses),
    dedupeClaims: [],
    capLedger: holdings.capLedger,
  };
  for (const entry of holdings.entries) {
    if (entry.kind === MESSAGE_ENTRY) continue;
    const item = await deps.customerIndex.readEntry(entry);
    if (item === undefined) continue;
    const list = listOf(entry.kind);
    if (list === undefined)
      document.otherEntries.push({ kind: entry.kind, id: entry.id, at: entry.at, item });
    else document[list].push(item);
  }
  for (const record of holdings.messages) {
    const claim = await deps.dedupe.getDedupe(dedupeClaimKey(record));
    if (claim !== undefined && claim.messageId === record.messageId) document.dedupeClaims.push(claim);
  }
  return document;
}
