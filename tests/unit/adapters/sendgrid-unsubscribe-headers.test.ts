import { describe, expect, it } from 'vitest';
import { createSendGridMail } from '../../../functions/adapters/sendgrid/sendgrid-client.ts';
import { SendGridEmailSender } from '../../../functions/adapters/sendgrid/sendgrid-email-sender.ts';

const unsubscribe = {
  baseUrl: 'https://hooks.example.com/',
  signingKey: 'sender-test-signing-key-0123456789abcdef',
  nowEpochSeconds: () => 1_790_000_000,
};
// Port 9 on loopback (discard): any request that got through would fail as a network error.
const mail = () =>
  createSendGridMail({ apiKey: 'SG.test', apiBaseUrl: 'http://127.0.0.1:9', timeoutMs: 500 });

describe('SendGridEmailSender and the one-click unsubscribe link', () => {
  it('refuses a base URL that cannot carry a one-click link when it is built (cold start)', () => {
    expect(
      () =>
        new SendGridEmailSender({
          mail: mail(),
          from: { email: 'nudge@example.com' },
          unsubscribe: { ...unsubscribe, baseUrl: 'http://hooks.example.com/' },
        }),
    ).toThrow(/https/);
  });

  it('never sends an email whose link cannot be signed, and says so as a permanent failure', async () => {
    const sender = new SendGridEmailSender({
      mail: mail(),
      from: { email: 'nudge@example.com' },
      unsubscribe,
    });
    const receipt = await sender.send({
      messageId: 'm'.repeat(300),
      channel: 'email',
      to: 'anna@example.se',
      message: { channel: 'email', subject: 's', text: 't', html: '<p>t</p>' },
    });
    expect(receipt).toMatchObject({ ok: false, retryable: false, code: 'unsubscribe-link' });
    expect(receipt.ok === false && receipt.detail).not.toContain('anna@example.se');
  });
});
