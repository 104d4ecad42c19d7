import { DateTime, Duration } from 'luxon';
import type { ReplyExpectation } from './score-reply.ts';

/** What a rule that asks a question (`replies:` in its YAML) expects back, and for how long. */
export interface ReplyRule {
  expect: ReplyExpectation;
  /** ISO-8601 duration after sending during which a reply answers the message, e.g. P3D. */
  within: string;
}

/**
 * How many of the newest messages to a number within the longest reply window the handler
 * reads. A question is found unless more than this many messages went to the same number after
 * it and within the window; caps keep that far below 20 for any customer, and a reply that finds
 * no question is still recorded (attributed to the latest message, with the reason).
 */
export const REPLY_CANDIDATES = 20;

/** The earliest send time a reply received at `receivedAt` may answer (the longest window back). */
export function earliestAnswerable(
  receivedAt: string,
  rules: ReadonlyMap<string, ReplyRule>,
): string | undefined {
  let longest: Duration | undefined;
  for (const rule of rules.values()) {
    const within = Duration.fromISO(rule.within);
    if (within.isValid && (longest === undefined || within.toMillis() > longest.toMillis())) longest = within;
  }
  if (longest === undefined) return undefined;
  return DateTime.fromISO(receivedAt, { zone: 'utc' }).minus(longest).toISO() ?? undefined;
}

/**
 * The message a reply answers: among messages sent to the number, newest first, the first of a
 * rule that expects a reply, sent no later than the reply and at most that rule's `within`
 * before it. Undefined when none is: the reply is about no question.
 */
export function answeredMessage<M extends { ruleId: string; sentAt?: string | undefined }>(
  candidatesNewestFirst: ReadonlyArray<M>,
  rules: ReadonlyMap<string, ReplyRule>,
  receivedAt: string,
): { message: M; rule: ReplyRule } | undefined {
  const received = DateTime.fromISO(receivedAt, { zone: 'utc' });
  for (const message of candidatesNewestFirst) {
    const rule = rules.get(message.ruleId);
    if (rule === undefined || message.sentAt === undefined) continue;
    const sent = DateTime.fromISO(message.sentAt, { zone: 'utc' });
    if (sent > received) continue;
    if (sent.plus(Duration.fromISO(rule.within)) >= received) return { message, rule };
  }
  return undefined;
}

/** The rules that ask a question, by id (the reply handler's `replyRules`). */
export function replyRulesOf(
  rules: Iterable<{ id: string; replies?: ReplyRule | undefined }>,
): ReadonlyMap<string, ReplyRule> {
  const byId = new Map<string, ReplyRule>();
  for (const rule of rules) {
    if (rule.replies !== undefined)
      byId.set(rule.id, { expect: rule.replies.expect, within: rule.replies.within });
  }
  return byId;
}
