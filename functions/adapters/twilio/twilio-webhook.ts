import type { InboundSms } from '../../app/handle-inbound-reply.ts';
import type { ProviderStatusReport } from '../../app/record-provider-status.ts';

/**
 * Twilio's message statuses mapped to ours. `queued`, `accepted`, `sending` and `sent` add nothing
 * (the send step records `sent` when Twilio accepts), so they are acknowledged without a write.
 */
const STATUS_MAP: Readonly<Record<string, ProviderStatusReport['status'] | 'ignore'>> = {
  accepted: 'ignore',
  scheduled: 'ignore',
  queued: 'ignore',
  sending: 'ignore',
  sent: 'ignore',
  read: 'ignore',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

/** Parses a Twilio status callback (form fields) into a status report, `ignore`, or why not. */
export function parseTwilioStatusCallback(
  params: Readonly<Record<string, string>>,
  messageId: string | undefined,
  receivedAt: string,
): { ok: true; report: ProviderStatusReport | 'ignore' } | { ok: false; reason: string } {
  const sid = params.MessageSid ?? params.SmsSid;
  const status = params.MessageStatus ?? params.SmsStatus;
  if (messageId === undefined || messageId === '')
    return { ok: false, reason: 'messageId query parameter missing' };
  if (sid === undefined || status === undefined)
    return { ok: false, reason: 'MessageSid or MessageStatus missing' };
  const mapped = STATUS_MAP[status];
  if (mapped === undefined) return { ok: false, reason: `unknown MessageStatus '${status}'` };
  if (mapped === 'ignore') return { ok: true, report: 'ignore' };
  const errorCode = params.ErrorCode;
  return {
    ok: true,
    report: {
      messageId,
      providerEventId: `${sid}:${status}`,
      status: mapped,
      at: receivedAt,
      ...(errorCode === undefined || errorCode === '' ? {} : { reason: `twilio-${errorCode}` }),
    },
  };
}

/** Parses Twilio's incoming-message webhook into an inbound SMS, or why not. */
export function parseTwilioInbound(
  params: Readonly<Record<string, string>>,
  receivedAt: string,
): { ok: true; sms: InboundSms } | { ok: false; reason: string } {
  const replyId = params.MessageSid ?? params.SmsSid;
  const from = params.From;
  if (replyId === undefined || from === undefined) return { ok: false, reason: 'MessageSid or From missing' };
  return { ok: true, sms: { replyId, from, body: params.Body ?? '', receivedAt } };
}
