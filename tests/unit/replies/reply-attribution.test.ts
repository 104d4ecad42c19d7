import { describe, expect, it } from 'vitest';
import {
  answeredMessage,
  earliestAnswerable,
  replyRulesOf,
} from '../../../functions/core/replies/reply-attribution.ts';

const rules = replyRulesOf([
  { id: 'survey', replies: { expect: 'score', within: 'P3D' } },
  { id: 'nps', replies: { expect: 'score', within: 'P7D' } },
  { id: 'confirm' },
]);

describe('which message a reply answers', () => {
  const received = '2026-11-24T12:00:00.000Z';

  it('skips later messages of rules that ask nothing', () => {
    const candidates = [
      { messageId: 'm-confirm', ruleId: 'confirm', sentAt: '2026-11-24T11:00:00.000Z' },
      { messageId: 'm-survey', ruleId: 'survey', sentAt: '2026-11-24T10:00:00.000Z' },
    ];
    expect(answeredMessage(candidates, rules, received)?.message.messageId).toBe('m-survey');
  });

  it('takes the newest question of several', () => {
    const candidates = [
      { messageId: 'm-new', ruleId: 'survey', sentAt: '2026-11-24T10:00:00.000Z' },
      { messageId: 'm-old', ruleId: 'nps', sentAt: '2026-11-22T10:00:00.000Z' },
    ];
    expect(answeredMessage(candidates, rules, received)?.message.messageId).toBe('m-new');
  });

  it('a question past its own window is closed, an older one with a longer window is not', () => {
    const candidates = [
      { messageId: 'm-survey', ruleId: 'survey', sentAt: '2026-11-21T11:59:59.000Z' }, // 3 days and 1 s
      { messageId: 'm-nps', ruleId: 'nps', sentAt: '2026-11-18T12:00:00.000Z' }, // exactly 6 days
    ];
    expect(answeredMessage(candidates, rules, received)?.message.messageId).toBe('m-nps');
    expect(answeredMessage(candidates.slice(0, 1), rules, received)).toBeUndefined();
  });

  it('a question sent exactly `within` before the reply is still open; one sent after the reply is not', () => {
    expect(
      answeredMessage([{ ruleId: 'survey', sentAt: '2026-11-21T12:00:00.000Z' }], rules, received),
    ).toBeDefined();
    expect(
      answeredMessage([{ ruleId: 'survey', sentAt: '2026-11-24T12:00:01.000Z' }], rules, received),
    ).toBeUndefined();
  });

  it('reads back as far as the longest window, and not at all without questions', () => {
    expect(earliestAnswerable(received, rules)).toBe('2026-11-17T12:00:00.000Z');
    expect(earliestAnswerable(received, new Map())).toBeUndefined();
  });
});
