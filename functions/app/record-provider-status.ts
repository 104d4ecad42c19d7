import type { OutcomeEvent } from '../core/outcomes/outcome-events.ts';
import { messageOutcomeBase } from './message-outcome.ts';
import type { MessageRecord, MessageStatus } from './message-record.ts';
import type { Stores } from './ports/stores.ts';
import type { OutcomePublisher } from './ports.ts';

/** A provider's report about one message, already mapped to our statuses by its adapter. */
export interface ProviderStatusReport {
  messageId: string;
  /** Unique per report (Twilio: MessageSid + status; SendGrid: sg_event_id): makes replays no-ops. */
  providerEventId: string;
  status: MessageStatus;
  at: string;
  reason?: string;
  detail?: string;
}

/** What recording needs. */
export interface StatusDeps extends Pick<Stores, 'messages' | 'caps'> {
  outcomes: OutcomePublisher;
}

/**
 * Records a delivery report once and puts the outcome on the bus. Duplicates (webhook retries,
 * replays), stale reports (delivered then a late "sent") and unknown ids change nothing.
 */
export async function recordProviderStatus(
  report: ProviderStatusReport,
  deps: StatusDeps,
): Promise<'applied' | 'duplicate' | 'stale' | 'not-found'> {
  const { result, found } = await deps.messages.applyProviderStatusFound(report.messageId, {
    providerEventId: report.providerEventId,
    status: report.status,
    at: report.at,
    ...(report.reason === undefined ? {} : { reason: report.reason }),
    ...(report.detail === undefined ? {} : { detail: report.detail }),
  });
  if (result !== 'applied') return result;
  // The record as the store found it to apply the report (what the outcome says does not change
  // with the status); read only when the store had no need to (a report nobody counts).
  const record =
    found?.channel !== undefined || !hasOutcome(report.status)
      ? found
      : await deps.messages.getMessage(report.messageId);
  // The provider gave up on it: like the sent-messages index, the cap no longer counts it.
  if (record !== undefined && report.status === 'failed')
    await deps.caps.releaseCapSlot(record.customerId, record.messageId);
  const outcome = record === undefined ? undefined : outcomeFor(record, report);
  if (outcome !== undefined) await deps.outcomes.publish([outcome]);
  return result;
}

/** Whether a report of `status` is put on the bus or releases a cap slot (needs the record). */
function hasOutcome(status: MessageStatus): boolean {
  return status === 'delivered' || status === 'failed' || status === 'undelivered' || status === 'bounced';
}

function outcomeFor(record: MessageRecord, report: ProviderStatusReport): OutcomeEvent | undefined {
  if (record.channel === undefined) return undefined;
  const base = messageOutcomeBase(record, record.channel);
  switch (report.status) {
    case 'delivered':
      return {
        detailType: 'MessageDelivered',
        time: report.at,
        detail: { ...base, status: 'delivered', at: report.at },
      };
    case 'failed':
    case 'undelivered':
    case 'bounced':
      return {
        detailType: 'MessageFailed',
        time: report.at,
        detail: { ...base, status: report.status, reason: report.reason ?? report.status, at: report.at },
      };
    default:
      return undefined;
  }
}
