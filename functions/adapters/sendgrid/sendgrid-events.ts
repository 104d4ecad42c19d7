import * as z from 'zod';
import type { ProviderStatusReport } from '../../app/record-provider-status.ts';

const EventSchema = z.looseObject({
  event: z.string(),
  sg_event_id: z.string(),
  timestamp: z.number(),
  messageId: z.string().optional(),
  email: z.string().optional(),
  reason: z.string().optional(),
  type: z.string().optional(),
  status: z.string().optional(),
});

/** What one SendGrid event means for Nudge. */
export type SendGridEventAction =
  | { kind: 'status'; report: ProviderStatusReport }
  | {
      kind: 'opt-out';
      messageId: string;
      providerEventId: string;
      at: string;
      /** The SendGrid event: spamreport, unsubscribe, group_unsubscribe, or bounce (a hard one). */
      why: string;
      /** The recipient SendGrid names: the address to suppress. */
      email?: string;
    }
  | { kind: 'ignore'; why: string };

const STATUS: Readonly<Record<string, ProviderStatusReport['status']>> = {
  delivered: 'delivered',
  bounce: 'bounced',
  blocked: 'bounced',
  dropped: 'failed',
};
const OPT_OUT = new Set(['spamreport', 'unsubscribe', 'group_unsubscribe']);

/**
 * Turns a SendGrid Event Webhook body (a JSON array) into actions. Events without our
 * `messageId` custom arg are not ours (another sender on the account) and are ignored; malformed
 * entries are reported and skipped so one bad entry never loses the others.
 */
export function parseSendGridEvents(rawBody: string): { actions: SendGridEventAction[]; problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return { actions: [], problems: ['body is not JSON'] };
  }
  if (!Array.isArray(parsed)) return { actions: [], problems: ['body is not a JSON array of events'] };
  const actions: SendGridEventAction[] = [];
  const problems: string[] = [];
  parsed.forEach((item: unknown, index) => {
    const event = EventSchema.safeParse(item);
    if (!event.success) {
      problems.push(
        `event ${index}: ${event.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
      );
      return;
    }
    const { messageId, sg_event_id: providerEventId } = event.data;
    const at = new Date(event.data.timestamp * 1000).toISOString();
    if (messageId === undefined) {
      actions.push({ kind: 'ignore', why: 'no messageId custom arg' });
      return;
    }
    const email = event.data.email === undefined ? {} : { email: event.data.email };
    if (OPT_OUT.has(event.data.event)) {
      actions.push({ kind: 'opt-out', messageId, providerEventId, at, why: event.data.event, ...email });
      return;
    }
    const status = STATUS[event.data.event];
    if (status === undefined) {
      actions.push({ kind: 'ignore', why: `event ${event.data.event}` });
      return;
    }
    const reason = event.data.reason ?? event.data.type;
    actions.push({
      kind: 'status',
      report: {
        messageId,
        providerEventId,
        status,
        at,
        ...(reason === undefined ? {} : { reason: `${event.data.event}: ${reason}`.slice(0, 300) }),
      },
    });
    // A hard bounce (type `bounce`; `blocked` is a soft one): the address does not exist, so it
    // is suppressed as well as the message marked bounced.
    if (event.data.event === 'bounce' && event.data.type === 'bounce') {
      actions.push({ kind: 'opt-out', messageId, providerEventId, at, why: 'bounce', ...email });
    }
  });
  return { actions, problems };
}
