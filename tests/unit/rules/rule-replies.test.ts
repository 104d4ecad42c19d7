import { describe, expect, it } from 'vitest';
import { RuleSchema } from '../../../functions/core/rules/rule-schema.ts';

const base = {
  id: 'visit-survey',
  description: 'How was the visit?',
  on: { source: ['acme.contact-centre'], 'detail-type': ['VisitEnded'] },
  send: 'immediately',
  channels: ['sms'],
  template: 'visit-survey',
};

describe('a rule that asks a question (replies:)', () => {
  it('takes expect, with within defaulting to P3D', () => {
    expect(RuleSchema.parse({ ...base, replies: { expect: 'score' } }).replies).toEqual({
      expect: 'score',
      within: 'P3D',
    });
    expect(RuleSchema.parse({ ...base, replies: { expect: 'yes-no', within: 'PT12H' } }).replies).toEqual({
      expect: 'yes-no',
      within: 'PT12H',
    });
  });

  it('refuses an unknown expectation, a window over 14 days, and a zero window, each with a clear message', () => {
    const messages = (replies: unknown) =>
      RuleSchema.safeParse({ ...base, replies }).error?.issues.map((issue) => [
        issue.path.join('.'),
        issue.message,
      ]);
    expect(messages({ expect: 'stars' })?.[0]?.[0]).toBe('replies.expect');
    expect(messages({ expect: 'score', within: 'P15D' })).toEqual([
      ['replies.within', 'expected a reply window of at most 14 days (P14D)'],
    ]);
    expect(messages({ expect: 'score', within: 'PT0S' })).toEqual([
      ['replies.within', 'expected a reply window longer than zero, such as P3D'],
    ]);
  });
});
