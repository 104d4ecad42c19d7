import { afterEach, describe, expect, it } from 'vitest';
import {
  aMessage,
  aProfile,
  type ConsoleHarness,
  startConsoleHarness,
} from '../../support/fake-console-backend.ts';

let harness: ConsoleHarness | undefined;

afterEach(async () => {
  await harness?.server.stop();
  harness = undefined;
});

describe('survey answers in the customer timeline', () => {
  it('a reply to a question reads "answered 4/5 to <rule>"; a yes-no answer reads yes; a plain reply "about"', async () => {
    // Arrange
    harness = await startConsoleHarness((backend) => {
      backend.messages.push(aMessage());
      backend.profiles.set('cust-anna', aProfile());
      const reply = { from: '+46701234567', customerId: 'cust-anna', messageId: 'msg-1' };
      backend.replies.push(
        {
          ...reply,
          replyId: 'r1',
          receivedAt: '2026-11-24T09:06:00Z',
          body: 'fyra',
          ruleId: 'satisfaction-survey',
          attribution: 'question',
          expect: 'score',
          score: 4,
        },
        {
          ...reply,
          replyId: 'r2',
          receivedAt: '2026-11-24T09:07:00Z',
          body: 'Ja',
          ruleId: 'attended',
          attribution: 'question',
          expect: 'yes-no',
          score: 1,
        },
        {
          ...reply,
          replyId: 'r3',
          receivedAt: '2026-11-24T09:08:00Z',
          body: 'thanks',
          ruleId: 'callback-booked',
          attribution: 'latest-message',
        },
      );
    });

    // Act
    const body = await (await harness.request('/customers/cust-anna')).text();
    const text = body.replace(/<[^>]+>/g, '');

    // Assert
    expect(text).toContain('answered 4/5 to satisfaction-survey');
    expect(text).toContain('answered yes to attended');
    expect(text).toContain('about callback-booked');
  });
});
