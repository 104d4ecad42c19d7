import { withConsent } from '../core/customers/customer-profile.ts';
import { OUTCOME_SCHEMA_VERSION, type OutcomeEvent } from '../core/outcomes/outcome-events.ts';
import { classifyReply, type KeywordTable } from '../core/replies/inbound-keywords.ts';
import type { InboundReply, JourneyStore, OutcomePublisher } from './ports.ts';

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

/**
 * Understands a reply (STOP/START/HELP/YES/NO in five languages, or free text), correlates it to
 * the latest message sent to that number, changes SMS consent for STOP and START, records it
 * once, and puts `CustomerReplied` (and `CustomerOptedOut`) on the bus.
 */
export async function handleInboundReply(sms: InboundSms, deps: ReplyDeps): Promise<InboundReply> {
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
  if ((await deps.store.recordReply(reply)) === 'exists') return reply; // a webhook retry: done already

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
  if ((intent === 'stop' || intent === 'start') && reply.customerId !== undefined) {
    const profile = await deps.store.getProfile(reply.customerId);
    if (profile !== undefined) {
      const granted = intent === 'start';
      await deps.store.putProfile(
        withConsent(profile, 'sms', { granted, at: sms.receivedAt, source: `reply:${sms.replyId}` }),
      );
      if (!granted) {
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
    }
  }
  await deps.outcomes.publish(outcomes);
  return reply;
}
