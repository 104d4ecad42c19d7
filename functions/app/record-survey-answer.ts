import { OUTCOME_SCHEMA_VERSION } from '../core/outcomes/outcome-events.ts';
import type { ReplyRule } from '../core/replies/reply-attribution.ts';
import type { InboundReply } from './ports/replies.ts';
import type { Stores } from './ports/stores.ts';
import type { OutcomePublisher } from './ports.ts';

/** A verified one-click score (the link's signature and expiry were checked by the caller). */
export interface LinkAnswer {
  /** Lower-cased email address from the signed link. */
  address: string;
  messageId: string;
  score: number;
  /** ISO UTC instant the answer arrived. */
  at: string;
}

/** `recorded` the first time, `already-recorded` for any later click on a link of the same message. */
export type LinkAnswerResult = 'recorded' | 'already-recorded' | 'unknown-message';

/**
 * Records a score given by a one-click link in a survey email, at most once per message: the
 * answer is a reply record keyed `link:<messageId>`, written with one conditional put, so a second
 * click (the same score or another, a replayed POST, two tabs at once) finds it and changes
 * nothing. The first publishes `SurveyAnswered` (channel email) and shows in the customer
 * timeline like an SMS answer. A link to a message Nudge does not know records nothing.
 */
export async function recordLinkAnswer(
  answer: LinkAnswer,
  deps: Pick<Stores, 'messages' | 'inboundReplies'> & {
    outcomes: OutcomePublisher;
    replyRules?: ReadonlyMap<string, ReplyRule>;
  },
): Promise<LinkAnswerResult> {
  const message = await deps.messages.getMessage(answer.messageId);
  if (message === undefined) return 'unknown-message';
  // Links are only made for `expect: score` rules; a rule changed since still gets a score.
  const expect = deps.replyRules?.get(message.ruleId)?.expect ?? 'score';
  const reply: InboundReply = {
    replyId: `link:${message.messageId}`,
    receivedAt: answer.at,
    from: answer.address,
    body: String(answer.score),
    customerId: message.customerId,
    messageId: message.messageId,
    ruleId: message.ruleId,
    attribution: 'question',
    expect,
    score: answer.score,
  };
  if ((await deps.inboundReplies.recordReply(reply)) === 'exists') return 'already-recorded';
  await deps.outcomes.publish([
    {
      detailType: 'SurveyAnswered',
      time: answer.at,
      detail: {
        schemaVersion: OUTCOME_SCHEMA_VERSION,
        ruleId: message.ruleId,
        messageId: message.messageId,
        customerId: message.customerId,
        expect,
        score: answer.score,
        text: String(answer.score),
        channel: 'email',
        at: answer.at,
      },
    },
  ]);
  return 'recorded';
}
