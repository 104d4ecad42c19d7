/**
 * GDPR art. 17 (right to erasure): deletes everything Nudge holds about one customer, found by
 * key and index (see customer-holdings.ts), except what the opt-out needs: the suppression entry
 * of each of her addresses stays (unlinked from her: its customer id is removed), so a number
 * that said STOP is never texted again, whoever it belongs to next. The result is a summary of
 * counts with no personal data — what the audit log records.
 */
import { isoOf } from '../iso-time.ts';
import type { MessageRecord } from '../message-record.ts';
import {
  type CustomerHoldings,
  dedupeClaimKey,
  findCustomerHoldings,
  MESSAGE_ENTRY,
  type PrivacyDeps,
} from './customer-holdings.ts';

/** Who asked for the erase (a console user's subject, or `cli:<user>`): recorded in the audit entry. */
export interface EraseRequest {
  actor: string;
}

/** What an erase removed and kept, as counts: no contact data. */
interface ErasureSummary {
  customerId: string;
  at: string;
  actor: string;
  profile: number;
  capLedger: number;
  messages: number;
  /** Of the messages, those still scheduled: their schedules were deleted too. */
  pendingCancelled: number;
  dedupeClaims: number;
  /**
   * Other items filed under her, by index kind (`REPLY`, `THRESHOLD`, `EVENT`, `GOAL`, …). The
   * rule's effect tallies (`EFFECT#`) are counts with no one in them: they stay.
   */
  entries: Record<string, number>;
  /** Suppression entries of her addresses, kept (without her customer id) to honour the opt-out. */
  suppressionsKept: number;
  /** Messages that a sender claimed while the erase ran: left in place; erase again in a minute. */
  remaining: number;
}

/** The audit entry of an erase: who, what, when, and counts only. */
interface ErasureAudit {
  at: string;
  actor: string;
  action: 'customer.erase';
  target: string;
  detail: string;
}

export type EraseResult =
  | { outcome: 'not-found'; customerId: string }
  | { outcome: 'in-flight'; customerId: string; inFlight: number }
  | { outcome: 'erased'; summary: ErasureSummary; audit: ErasureAudit };

/**
 * Erases `customerId`. Refused, changing nothing, while any of her messages is being sent (claimed
 * under a running lease): the provider may be accepting it this moment, and the send step must be
 * able to record it. Idempotent: a second run finds nothing and answers `not-found`.
 */
export async function eraseCustomer(
  customerId: string,
  request: EraseRequest,
  deps: PrivacyDeps,
): Promise<EraseResult> {
  const holdings = await findCustomerHoldings(customerId, deps);
  if (holdings === undefined) return { outcome: 'not-found', customerId };
  const now = isoOf(deps.clock.now());
  const inFlight = holdings.messages.filter((record) => isInFlight(record, now)).length;
  if (inFlight > 0) return { outcome: 'in-flight', customerId, inFlight };

  const summary: ErasureSummary = {
    customerId,
    at: now,
    actor: request.actor,
    profile: 0,
    capLedger: 0,
    messages: 0,
    pendingCancelled: 0,
    dedupeClaims: 0,
    entries: {},
    suppressionsKept: 0,
    remaining: 0,
  };
  await eraseMessages(holdings, now, summary, deps);
  await eraseOtherEntries(holdings, summary, deps);
  for (const entry of await deps.suppressions.list(holdings.addresses)) {
    await deps.suppressions.detachCustomer(entry.channel, entry.address, customerId);
    summary.suppressionsKept++;
  }
  if (await deps.caps.deleteCapLedger(customerId)) summary.capLedger = 1;
  // The profile goes last: an erase interrupted before it is still found by the next run.
  if (await deps.profiles.deleteProfile(customerId)) summary.profile = 1;
  return { outcome: 'erased', summary, audit: auditOf(summary) };
}

function isInFlight(record: MessageRecord, now: string): boolean {
  return record.status === 'sending' && record.leaseUntil !== undefined && record.leaseUntil >= now;
}

async function eraseMessages(
  holdings: CustomerHoldings,
  now: string,
  summary: ErasureSummary,
  deps: PrivacyDeps,
): Promise<void> {
  for (const record of holdings.messages) {
    // The schedule first: once the record is gone a firing finds nothing (the claim needs the
    // record), but the schedule itself should not outlive her.
    if (record.status === 'scheduled') await deps.scheduler?.cancel(record.messageId);
    const deleted = await deps.messages.deleteMessage(record.messageId, now);
    if (deleted === 'in-flight') {
      summary.remaining++;
      continue;
    }
    if (deleted === 'deleted') {
      summary.messages++;
      if (record.status === 'scheduled') summary.pendingCancelled++;
    }
    if (await deps.dedupe.releaseDedupe(dedupeClaimKey(record), record.messageId)) summary.dedupeClaims++;
  }
}

async function eraseOtherEntries(
  holdings: CustomerHoldings,
  summary: ErasureSummary,
  deps: PrivacyDeps,
): Promise<void> {
  for (const entry of holdings.entries) {
    if (entry.kind === MESSAGE_ENTRY) continue;
    if (await deps.customerIndex.deleteEntry(holdings.customerId, entry)) {
      summary.entries[entry.kind] = (summary.entries[entry.kind] ?? 0) + 1;
    }
  }
}

function auditOf(summary: ErasureSummary): ErasureAudit {
  const entries = Object.entries(summary.entries).map(([kind, count]) => `${kind.toLowerCase()} ${count}`);
  const detail = [
    `profile ${summary.profile}`,
    `messages ${summary.messages} (pending cancelled ${summary.pendingCancelled})`,
    `dedupe claims ${summary.dedupeClaims}`,
    `cap ledger ${summary.capLedger}`,
    ...entries,
    `suppressions kept ${summary.suppressionsKept}`,
    ...(summary.remaining > 0 ? [`remaining in flight ${summary.remaining}`] : []),
  ].join(', ');
  return {
    at: summary.at,
    actor: summary.actor,
    action: 'customer.erase',
    target: summary.customerId,
    detail,
  };
}
