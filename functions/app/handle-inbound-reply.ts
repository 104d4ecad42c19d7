import { withConsent } from '../core/customers/customer-profile.ts';
import { OUTCOME_SCHEMA_VERSION, type OutcomeEvent } from '../core/outcomes/outcome-events.ts';
import { classifyReply, type KeywordTable } from '../core/replies/inbound-keywords.ts';
import type { InboundReply, JourneyStore, OutcomePublisher } from './ports.ts';
import { updateProfile } from './update-profile.ts';

/** An inbound SMS as the provider adapter hands it over. */
export interface InboundSms {
  /** The provider's id for the inbound message (Twilio MessageSid): replies are recorded once. */
  replyId: string;
  from: string;
  body: string;
  receivedAt: string;
}

/** What handling replies needs. */
export interface ReplyDeps {
  store: JourneyStore;
  outcomes: OutcomePublisher;
  keywords: KeywordTable;
}

/** A handled reply, and whether this delivery was its first (a retry or a replay is not). */
export interface HandledReply {
  reply: InboundReply;
  /** False for a reply handled before: the webhook answers it once, on its first delivery. */
  isNew: boolean;
}

/**
 * Understands a reply (STOP/START/HELP/YES/NO in five languages, or free text), correlates it to
 * the latest message sent to that number, changes SMS consent for STOP and START, records it
 * once, and puts `CustomerReplied` (and `CustomerOptedOut`) on the bus.
 */
export async function handleInboundReply(sms: InboundSms, deps: ReplyDeps): Promise<HandledReply> {
  const intent = classifyReply(sms.body, deps.keywords);
  const latest = await deps.store.findLatestMessageTo(sms.from);
  const reply: InboundReply = {
    replyId: sms.replyId,
    receivedAt: sms.receivedAt,
    from: sms.from,
    body: sms.body,
    ...(intent === undefined ? {} : { intent }),
    ...(latest === undefined
      ? {}
      : { customerId: latest.customerId, messageId: latest.messageId, ruleId: latest.ruleId }),
  };
  // A retry or a replay of a reply handled already changes nothing: not even a STOP's consent,
  // which a replay would otherwise restate with a new time, over a later START.
  if (await deps.store.hasReply(sms.replyId)) return { reply, isNew: false };
  // Consent before the reply record: were the process to die between the two, the provider's
  // retry must not find the reply recorded and stop there, losing the STOP. Applying it twice is
  // harmless (the same statement, from the same reply: the second is skipped).
  const optedOut = await applyConsent(reply, intent, deps);
  if ((await deps.store.recordReply(reply)) === 'exists') return { reply, isNew: false }; // a concurrent duplicate

  const outcomes: OutcomeEvent[] = [
    {
      detailType: 'CustomerReplied',
      time: sms.receivedAt,
      detail: {
        schemaVersion: OUTCOME_SCHEMA_VERSION,
        replyId: reply.replyId,
        ...(reply.customerId === undefined ? {} : { customerId: reply.customerId }),
        ...(reply.messageId === undefined ? {} : { messageId: reply.messageId }),
        ...(reply.ruleId === undefined ? {} : { ruleId: reply.ruleId }),
        ...(intent === undefined ? {} : { intent }),
        text: sms.body,
        receivedAt: sms.receivedAt,
      },
    },
  ];
  if (optedOut && reply.customerId !== undefined) {
    outcomes.push({
      detailType: 'CustomerOptedOut',
      time: sms.receivedAt,
      detail: {
        schemaVersion: OUTCOME_SCHEMA_VERSION,
        customerId: reply.customerId,
        channel: 'sms',
        source: `reply:${sms.replyId}`,
        at: sms.receivedAt,
      },
    });
  }
  await deps.outcomes.publish(outcomes);
  return { reply, isNew: true };
}

/** Applies a STOP or START to the correlated customer's SMS consent; true for a STOP that was applied. */
async function applyConsent(
  reply: InboundReply,
  intent: InboundReply['intent'],
  deps: ReplyDeps,
): Promise<boolean> {
  if ((intent !== 'stop' && intent !== 'start') || reply.customerId === undefined) return false;
  const source = `reply:${reply.replyId}`;
  const granted = intent === 'start';
  const after = await updateProfile(deps.store, reply.customerId, (stored) =>
    // A retry of a reply whose consent was written already: nothing to write.
    stored === undefined || stored.consent.sms?.source === source
      ? undefined
      : withConsent(stored, 'sms', { granted, at: reply.receivedAt, source }),
  );
  return after !== undefined && !granted;
}
