import { withConsent } from '../core/customers/customer-profile.ts';
import { suppressionAddress } from '../core/customers/suppression-address.ts';
import { OUTCOME_SCHEMA_VERSION, type OutcomeEvent } from '../core/outcomes/outcome-events.ts';
import { classifyReply, type KeywordTable, type ReplyIntent } from '../core/replies/inbound-keywords.ts';
import {
  answeredMessage,
  earliestAnswerable,
  REPLY_CANDIDATES,
  type ReplyRule,
} from '../core/replies/reply-attribution.ts';
import { readSurveyAnswer } from '../core/replies/score-reply.ts';
import { optedOutEvent, suppressAddress } from './address-suppressions.ts';
import type { InboundReply } from './ports/replies.ts';
import type { Stores } from './ports/stores.ts';
import type { AddressOptOut } from './ports/suppressions.ts';
import type { OutcomePublisher } from './ports.ts';
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
export interface ReplyDeps extends Pick<Stores, 'messages' | 'profiles' | 'inboundReplies' | 'suppressions'> {
  // suppressions: every STOP suppresses the sending number, START from it lifts it.
  outcomes: OutcomePublisher;
  keywords: KeywordTable;
  /**
   * Country for phone numbers stored without a country code (settings.defaults.country), to
   * tell whether a START comes from the correlated customer's own number. Default: only numbers
   * with a country code compare.
   */
  defaultCountry?: string;
  /**
   * The rules that ask a question (`replies:`), by rule id: a reply that is not STOP/START/HELP
   * answers the latest of their messages to the number within its window. Default: none.
   */
  replyRules?: ReadonlyMap<string, ReplyRule>;
}

/** A handled reply, and whether this delivery was its first (a retry or a replay is not). */
export interface HandledReply {
  reply: InboundReply;
  /** False for a reply handled before: the webhook answers it once, on its first delivery. */
  isNew: boolean;
}

/**
 * Understands a reply (STOP/START/HELP/YES/NO in five languages, or free text), correlates it
 * (see {@link attributeReply}), records it once, and puts `CustomerReplied` (and
 * `CustomerOptedOut`, or `SurveyAnswered` for an answer to a question) on the bus. A STOP suppresses the sending number itself, whether or not a
 * customer or message matches, and withdraws the correlated customer's SMS consent; a START from
 * the same number lifts both (the customer's only when the number is hers).
 */
export async function handleInboundReply(sms: InboundSms, deps: ReplyDeps): Promise<HandledReply> {
  const intent = classifyReply(sms.body, deps.keywords);
  const reply: InboundReply = {
    replyId: sms.replyId,
    receivedAt: sms.receivedAt,
    from: sms.from,
    body: sms.body,
    ...(intent === undefined ? {} : { intent }),
    ...(await attributeReply(sms, intent, deps)),
  };
  // A retry or a replay of a reply handled already changes nothing: not even a STOP's consent,
  // which a replay would otherwise restate with a new time, over a later START.
  if (await deps.inboundReplies.hasReply(sms.replyId)) return { reply, isNew: false };
  // Consent before the reply record: were the process to die between the two, the provider's
  // retry must not find the reply recorded and stop there, losing the STOP. Applying it twice is
  // harmless (the same statement, from the same reply: the second is a duplicate).
  const address = replyAddress(sms.from);
  const addressOptOut = await applyToAddress(reply, intent, address, deps);
  const customerOptedOut = await applyConsent(reply, intent, address, deps);
  if ((await deps.inboundReplies.recordReply(reply)) === 'exists') return { reply, isNew: false }; // a concurrent duplicate

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
  // One CustomerOptedOut per STOP that changed something (the number, the customer, or both).
  if (intent === 'stop' && (addressOptOut !== undefined || customerOptedOut)) {
    outcomes.push(
      optedOutEvent({
        channel: 'sms',
        address,
        reason: 'stop-reply',
        source: `reply:${sms.replyId}`,
        at: sms.receivedAt,
        ...(reply.customerId === undefined ? {} : { customerId: reply.customerId }),
      }),
    );
  }
  const answered = surveyAnswered(reply);
  if (answered !== undefined) outcomes.push(answered);
  await deps.outcomes.publish(outcomes);
  return { reply, isNew: true };
}

/** Words that act on the number itself: about no question, they keep the latest message. */
const NUMBER_KEYWORDS: ReadonlySet<ReplyIntent> = new Set(['stop', 'start', 'help']);

/**
 * Which message a reply is about. STOP/START/HELP: the latest message sent to the number, as
 * always. Anything else (YES/NO: not to a score question): the latest message of a rule that
 * expects a reply, sent within that
 * rule's `replies.within` (read with one bounded query, {@link REPLY_CANDIDATES} newest), with
 * the answer read from it; when no question is open, the latest message; when the number was
 * never messaged, none (the reply is still recorded, with `attribution: 'none'`).
 */
async function attributeReply(
  sms: InboundSms,
  intent: ReplyIntent | undefined,
  deps: ReplyDeps,
): Promise<Partial<InboundReply>> {
  const rules = answerableBy(intent, deps.replyRules ?? new Map<string, ReplyRule>());
  const since = earliestAnswerable(sms.receivedAt, rules);
  if ((intent === undefined || !NUMBER_KEYWORDS.has(intent)) && since !== undefined) {
    const candidates = await deps.messages.findMessagesSentTo(sms.from, since, REPLY_CANDIDATES);
    const question = answeredMessage(candidates, rules, sms.receivedAt);
    if (question !== undefined) {
      const { message, rule } = question;
      return {
        customerId: message.customerId,
        messageId: message.messageId,
        ruleId: message.ruleId,
        attribution: 'question',
        expect: rule.expect,
        score: readSurveyAnswer(sms.body, rule.expect).score,
      };
    }
  }
  const latest = await deps.messages.findLatestMessageTo(sms.from);
  if (latest === undefined) return { attribution: 'none' };
  const { customerId, messageId, ruleId } = latest;
  return { customerId, messageId, ruleId, attribution: 'latest-message' };
}

/**
 * The questions a reply can answer: a YES or NO never answers a score question (a "Ja" to a
 * later "reply YES to confirm" must not become an unreadable survey answer); anything else
 * answers any question, and is kept with `score: null` when it is not a readable answer.
 */
function answerableBy(
  intent: ReplyIntent | undefined,
  rules: ReadonlyMap<string, ReplyRule>,
): ReadonlyMap<string, ReplyRule> {
  if (intent !== 'yes' && intent !== 'no') return rules;
  return new Map([...rules].filter(([, rule]) => rule.expect !== 'score'));
}

/** The `SurveyAnswered` event of a reply attributed to a question. */
function surveyAnswered(reply: InboundReply): OutcomeEvent | undefined {
  if (reply.attribution !== 'question' || reply.expect === undefined) return undefined;
  if (reply.messageId === undefined || reply.ruleId === undefined) return undefined;
  return {
    detailType: 'SurveyAnswered',
    time: reply.receivedAt,
    detail: {
      schemaVersion: OUTCOME_SCHEMA_VERSION,
      ruleId: reply.ruleId,
      messageId: reply.messageId,
      ...(reply.customerId === undefined ? {} : { customerId: reply.customerId }),
      expect: reply.expect,
      score: reply.score ?? null,
      text: reply.body,
      channel: 'sms',
      at: reply.receivedAt,
    },
  };
}

/**
 * The sending number as suppressions key it: E.164 (Twilio sends `From` in E.164); anything else
 * (a short code) trimmed as it came, so even that is suppressed under the form it arrives in.
 */
function replyAddress(from: string): string {
  return suppressionAddress('sms', from, '') ?? from.trim();
}

/**
 * Suppresses the number on STOP, lifts it on START. Returns the opt-out when a STOP applied now
 * or by an earlier, interrupted try of this same reply (its event must still be published).
 */
async function applyToAddress(
  reply: InboundReply,
  intent: InboundReply['intent'],
  address: string,
  deps: ReplyDeps,
): Promise<AddressOptOut | undefined> {
  const source = `reply:${reply.replyId}`;
  if (intent === 'start') {
    await deps.suppressions.lift({ channel: 'sms', address, source, at: reply.receivedAt });
    return undefined;
  }
  if (intent !== 'stop') return undefined;
  const optOut: AddressOptOut = {
    channel: 'sms',
    address,
    reason: 'stop-reply',
    source,
    at: reply.receivedAt,
    ...(reply.customerId === undefined ? {} : { customerId: reply.customerId }),
  };
  const result = await suppressAddress(optOut, deps.suppressions);
  return result === 'already-suppressed' ? undefined : optOut;
}

/**
 * Applies a STOP or START to the correlated customer's SMS consent; true for a STOP that was
 * applied. A START lifts the customer's opt-out only when the number is hers: a START from a
 * number she shares with someone who was messaged later is not her word.
 */
async function applyConsent(
  reply: InboundReply,
  intent: InboundReply['intent'],
  address: string,
  deps: ReplyDeps,
): Promise<boolean> {
  if ((intent !== 'stop' && intent !== 'start') || reply.customerId === undefined) return false;
  const source = `reply:${reply.replyId}`;
  const granted = intent === 'start';
  const after = await updateProfile(deps.profiles, reply.customerId, (stored) => {
    // A retry of a reply whose consent was written already: nothing to write.
    if (stored === undefined || stored.consent.sms?.source === source) return undefined;
    const hers =
      stored.phone !== undefined &&
      suppressionAddress('sms', stored.phone, deps.defaultCountry ?? '') === address;
    if (granted && !hers) return undefined;
    const next = withConsent(stored, 'sms', { granted, at: reply.receivedAt, source }, { lift: granted });
    return next === stored ? undefined : next;
  });
  return after !== undefined && !granted && after.consent.sms?.source === source;
}
