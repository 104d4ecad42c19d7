import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSendGridMail } from '../../../functions/adapters/sendgrid/sendgrid-client.ts';
import { SendGridEmailSender } from '../../../functions/adapters/sendgrid/sendgrid-email-sender.ts';
import { createTwilioClient } from '../../../functions/adapters/twilio/twilio-client.ts';
import { TwilioSmsSender } from '../../../functions/adapters/twilio/twilio-sms-sender.ts';
import type { OutboundMessage } from '../../../functions/app/ports.ts';
import {
  type SendGridSandbox,
  startSendGridSandbox,
  startTwilioSandbox,
  type TwilioSandbox,
} from '../../../local/sandboxes/index.ts';

const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const AUTH_TOKEN = 'test-auth-token-channel-senders';
const API_KEY = 'SG.test-key-channel-senders';

const sms = (to: string, messageId = 'm-1'): OutboundMessage => ({
  messageId,
  channel: 'sms',
  to,
  message: { channel: 'sms', text: 'Hej Anna! Vi ringer kl. 14:20.', encoding: 'GSM-7', segments: 1 },
});
const email = (to: string, messageId = 'm-2'): OutboundMessage => ({
  messageId,
  channel: 'email',
  to,
  message: { channel: 'email', subject: 'Hej', text: 'Hej Anna', html: '<p>Hej Anna</p>' },
});

describe('TwilioSmsSender (real twilio SDK → Twilio sandbox)', () => {
  let sandbox: TwilioSandbox;
  let sender: TwilioSmsSender;

  beforeAll(async () => {
    sandbox = await startTwilioSandbox({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      statusCallbacks: 'manual',
    });
    const client = createTwilioClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: sandbox.url,
      timeoutMs: 1500,
    });
    sender = new TwilioSmsSender({
      client,
      from: '+46766861004',
      statusCallbackBaseUrl: 'https://hooks.example.com/',
    });
  });
  afterAll(async () => sandbox.stop());

  it('sends and returns the Twilio sid; our message id rides in the status callback URL only', async () => {
    const receipt = await sender.send(sms('+46701234567', 'm-abc'));
    expect(receipt).toMatchObject({ ok: true, providerId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    const kept = sandbox.messages().at(-1);
    expect(kept).toMatchObject({
      to: '+46701234567',
      from: '+46766861004',
      body: 'Hej Anna! Vi ringer kl. 14:20.',
    });
    // The URL Twilio is given carries connection overrides: retry a 5xx (and a failed connection).
    const [url, fragment] = (kept?.statusCallback ?? '').split('#');
    expect(url).toBe('https://hooks.example.com/webhooks/twilio/status?messageId=m-abc');
    const overrides = new URLSearchParams(fragment ?? '');
    expect(Number(overrides.get('rc'))).toBeGreaterThanOrEqual(1);
    expect(Number(overrides.get('rc'))).toBeLessThanOrEqual(5);
    expect(overrides.get('rp')?.split(',')).toEqual(expect.arrayContaining(['5xx', 'ct']));
  });

  it('maps 21211 (invalid number) to a permanent failure', async () => {
    const receipt = await sender.send(sms('12345'));
    expect(receipt).toMatchObject({ ok: false, retryable: false, code: 'invalid-number' });
  });

  it('maps 21610 (recipient unsubscribed) to a permanent failure that records the opt-out', async () => {
    sandbox.unsubscribe('+46709999999');
    const receipt = await sender.send(sms('+46709999999'));
    expect(receipt).toMatchObject({
      ok: false,
      retryable: false,
      code: 'recipient-unsubscribed',
      optedOut: true,
    });
  });

  it('maps 429/20429 to retryable and honours Retry-After', async () => {
    sandbox.faults.failNext(1, { status: 429, code: 20429, retryAfterSeconds: 7 });
    const receipt = await sender.send(sms('+46701234567'));
    expect(receipt).toMatchObject({ ok: false, retryable: true, code: 'rate-limited', retryAfterMs: 7000 });
  });

  it('maps 5xx and an outage to retryable', async () => {
    sandbox.faults.failNext(1, { status: 500 });
    expect(await sender.send(sms('+46701234567'))).toMatchObject({
      ok: false,
      retryable: true,
      code: 'provider-error',
    });
    sandbox.faults.outage({ durationMs: 60_000 });
    expect(await sender.send(sms('+46701234567'))).toMatchObject({
      ok: false,
      retryable: true,
      code: 'provider-error',
    });
    sandbox.faults.endOutage();
  });

  it('maps a hung request (timeout) to retryable network failure', async () => {
    sandbox.faults.hangNext(1);
    expect(await sender.send(sms('+46701234567'))).toMatchObject({
      ok: false,
      retryable: true,
      code: 'network',
    });
  });
});

describe('SendGridEmailSender (real @sendgrid/mail → SendGrid sandbox)', () => {
  let sandbox: SendGridSandbox;
  let sender: SendGridEmailSender;

  beforeAll(async () => {
    sandbox = await startSendGridSandbox({ apiKey: API_KEY, events: 'manual' });
    sender = new SendGridEmailSender({
      mail: createSendGridMail({ apiKey: API_KEY, apiBaseUrl: sandbox.url, timeoutMs: 1500 }),
      from: { email: 'kundservice@acme.example', name: 'Acme' },
    });
  });
  afterAll(async () => sandbox.stop());

  it('sends and returns the X-Message-Id; our message id rides in custom_args', async () => {
    const receipt = await sender.send(email('anna@example.se', 'm-xyz'));
    expect(receipt).toMatchObject({ ok: true, providerId: expect.any(String) });
    const kept = sandbox.messages().at(-1);
    expect(JSON.stringify(kept)).toContain('"messageId":"m-xyz"');
    expect(JSON.stringify(kept)).toContain('anna@example.se');
  });

  it('maps an invalid address (400 on personalizations.0.to.0.email) to a permanent failure', async () => {
    const receipt = await sender.send(email('not-an-address'));
    expect(receipt).toMatchObject({ ok: false, retryable: false, code: 'invalid-address' });
  });

  it('maps 429 and 5xx to retryable', async () => {
    sandbox.faults.failNext(1, { status: 429 });
    expect(await sender.send(email('anna@example.se'))).toMatchObject({
      ok: false,
      retryable: true,
      code: 'rate-limited',
    });
    sandbox.faults.failNext(1, { status: 503 });
    expect(await sender.send(email('anna@example.se'))).toMatchObject({
      ok: false,
      retryable: true,
      code: 'provider-error',
    });
  });
});
