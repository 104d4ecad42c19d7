import { generateKeyPairSync, sign } from 'node:crypto';
import { DateTime } from 'luxon';
import twilio from 'twilio';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStores, type MemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import type { MessageRecord } from '../../../functions/app/message-record.ts';
import type { OutcomePublisher } from '../../../functions/app/ports.ts';
import type { OutcomeEvent } from '../../../functions/core/outcomes/outcome-events.ts';
import { keywordTable } from '../../../functions/core/replies/inbound-keywords.ts';
import {
  createWebhookRouter,
  MAX_WEBHOOK_BODY_BYTES,
  type WebhookRequest,
} from '../../../functions/handlers/webhook-router.ts';
import { computeTwilioSignature } from '../../../local/sandboxes/index.ts';
import { aProfile, settings } from '../../support/factories.ts';

const AUTH_TOKEN = 'webhook-test-auth-token';
const BASE = 'https://hooks.example.com';
const NOW = DateTime.fromISO('2026-11-23T10:00:00Z', { zone: 'utc' });
const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PUBLIC_KEY = keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

class RecordingPublisher implements OutcomePublisher {
  readonly events: OutcomeEvent[] = [];
  async publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> {
    this.events.push(...events);
  }
}

function sentRecord(overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    messageId: 'm-1',
    ruleId: 'appointment-reminder',
    customerId: 'cust-anna',
    trigger: {
      id: 'ev-1',
      source: 'acme.bookings',
      detailType: 'AppointmentBooked',
      time: '2026-11-22T10:00:00Z',
      detail: {},
    },
    createdAt: '2026-11-22T10:00:00.000Z',
    sendAt: '2026-11-23T09:00:00.000Z',
    status: 'sent',
    dedupeKey: 'ev-1',
    attempts: 1,
    channel: 'sms',
    to: '+46701234567',
    providerId: 'SM00000000000000000000000000000001',
    sentAt: '2026-11-23T09:00:00.000Z',
    history: [{ at: '2026-11-23T09:00:00.000Z', status: 'sent' }],
    ...overrides,
  };
}

function twilioRequest(
  path: string,
  query: string,
  params: Record<string, string>,
  token = AUTH_TOKEN,
): WebhookRequest {
  const url = `${BASE}${path}${query === '' ? '' : `?${query}`}`;
  return {
    method: 'POST',
    path,
    query,
    headers: { 'x-twilio-signature': computeTwilioSignature(token, url, params), host: 'hooks.example.com' },
    rawBody: new URLSearchParams(params).toString(),
  };
}

function sendgridRequest(events: unknown[], timestamp = Math.floor(NOW.toSeconds())): WebhookRequest {
  const rawBody = JSON.stringify(events);
  const signature = sign('sha256', Buffer.from(`${timestamp}${rawBody}`), keys.privateKey).toString('base64');
  return {
    method: 'POST',
    path: '/webhooks/sendgrid/events',
    query: '',
    headers: {
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': String(timestamp),
    },
    rawBody,
  };
}

describe('webhook router', () => {
  let stores: MemoryStores;
  let outcomes: RecordingPublisher;
  let route: ReturnType<typeof createWebhookRouter>;

  beforeEach(async () => {
    stores = createMemoryStores();
    outcomes = new RecordingPublisher();
    await stores.profiles.putProfile(aProfile());
    await stores.messages.createMessage(sentRecord());
    await stores.messages.createMessage(
      sentRecord({ messageId: 'm-2', channel: 'email', to: 'anna@example.se', providerId: 'sg-1' }),
    );
    route = createWebhookRouter({
      ...stores,
      suppressions: new MemorySuppressionStore(),
      outcomes,
      keywords: keywordTable(),
      clock: { now: () => NOW },
      twilioAuthToken: AUTH_TOKEN,
      sendgridPublicKey: PUBLIC_KEY,
      publicBaseUrl: BASE,
      replies: settings({ replies: { sender: 'Acme' } }).replies,
      defaultLocale: 'en',
    });
  });

  const status = {
    MessageSid: 'SM00000000000000000000000000000001',
    MessageStatus: 'delivered',
    AccountSid: 'AC1',
  };

  it('records a signed Twilio delivery report once and publishes MessageDelivered once', async () => {
    const request = twilioRequest('/webhooks/twilio/status', 'messageId=m-1', status);
    expect(await route(request)).toMatchObject({ status: 200, body: 'applied' });
    expect(await route(request)).toMatchObject({ status: 200, body: 'duplicate' });
    expect((await stores.messages.getMessage('m-1'))?.status).toBe('delivered');
    expect(outcomes.events.map((event) => event.detailType)).toEqual(['MessageDelivered']);
  });

  it('refuses a Twilio callback with a missing, wrong-key or tampered signature and changes nothing', async () => {
    const unsigned = { ...twilioRequest('/webhooks/twilio/status', 'messageId=m-1', status), headers: {} };
    const wrongKey = twilioRequest(
      '/webhooks/twilio/status',
      'messageId=m-1',
      status,
      'another-token-entirely',
    );
    const signed = twilioRequest('/webhooks/twilio/status', 'messageId=m-1', status);
    const tampered = { ...signed, rawBody: signed.rawBody.replace('delivered', 'undelivered') };
    const otherMessage = { ...signed, query: 'messageId=m-2' };
    for (const request of [unsigned, wrongKey, tampered, otherMessage]) {
      expect((await route(request)).status).toBe(403);
    }
    expect((await stores.messages.getMessage('m-1'))?.status).toBe('sent');
    expect(outcomes.events).toEqual([]);
  });

  it('acknowledges intermediate Twilio statuses without a write', async () => {
    const before = JSON.stringify(await stores.messages.getMessage('m-1'));
    const response = await route(
      twilioRequest('/webhooks/twilio/status', 'messageId=m-1', { ...status, MessageStatus: 'sent' }),
    );
    expect(response.status).toBe(200);
    expect(JSON.stringify(await stores.messages.getMessage('m-1'))).toBe(before);
  });

  it('understands STOPP from the customer: opts out of SMS and publishes both events, once', async () => {
    const inbound = {
      MessageSid: 'SMin0000000000000000000000000001',
      From: '+46701234567',
      To: '+46766861004',
      Body: 'Stopp',
    };
    const request = twilioRequest('/webhooks/twilio/inbound', '', inbound);
    const response = await route(request);
    expect(response).toMatchObject({ status: 200, headers: { 'content-type': 'text/xml' } });
    await route(request); // Twilio retries: nothing happens twice
    expect((await stores.profiles.getProfile('cust-anna'))?.consent.sms).toMatchObject({ granted: false });
    expect(outcomes.events.map((event) => event.detailType)).toEqual(['CustomerReplied', 'CustomerOptedOut']);
    expect(outcomes.events[0]?.detail).toMatchObject({
      intent: 'stop',
      messageId: 'm-1',
      customerId: 'cust-anna',
      text: 'Stopp',
    });
  });

  it('records a YES in Swedish as a reply to the latest message', async () => {
    await route(
      twilioRequest('/webhooks/twilio/inbound', '', {
        MessageSid: 'SMin2',
        From: '+46701234567',
        Body: 'ja tack',
      }),
    );
    expect(outcomes.events[0]?.detail).toMatchObject({ intent: 'yes', ruleId: 'appointment-reminder' });
    expect((await stores.profiles.getProfile('cust-anna'))?.consent.sms).toBeUndefined();
  });

  describe('answers to HELP, STOP and START in the TwiML response', () => {
    // The oracle: the TwiML Twilio's own library writes for a reply with this text.
    const twimlReplying = (text: string) => {
      const response = new twilio.twiml.MessagingResponse();
      response.message(text);
      return response.toString();
    };
    // Signed with Twilio's own helper, as Twilio signs the request it sends.
    const inbound = (params: Record<string, string>): WebhookRequest => {
      const path = '/webhooks/twilio/inbound';
      return {
        method: 'POST',
        path,
        query: '',
        headers: {
          'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${BASE}${path}`, params),
          host: 'hooks.example.com',
        },
        rawBody: new URLSearchParams(params).toString(),
      };
    };

    it("confirms a STOP once, in the customer's language; Twilio's retry of it gets no second answer", async () => {
      const request = inbound({
        MessageSid: 'SMin-stop-1',
        From: '+46701234567',
        To: '+46766861004',
        Body: 'STOP🙏',
      });

      const first = await route(request);
      const retry = await route(request);

      expect(first).toEqual({
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: twimlReplying('Du får inga fler meddelanden från Acme. Svara START för att prenumerera igen.'),
      });
      expect(retry.status).toBe(200);
      expect(retry.body).not.toContain('<Message');
      expect((await stores.profiles.getProfile('cust-anna'))?.consent.sms).toMatchObject({ granted: false });
    });

    it('answers HELP from an unknown Danish number with the program message in Danish', async () => {
      const response = await route(
        inbound({ MessageSid: 'SMin-help-1', From: '+4520123456', Body: 'hjælp' }),
      );
      expect(response.body).toBe(
        twimlReplying(
          'Acme: påmindelser og besked om dine bookinger og forsikringer. Svar STOP for at afmelde, START for at tilmelde igen.',
        ),
      );
    });

    it("confirms a START in the customer's own locale over the number's country", async () => {
      await stores.profiles.putProfile(aProfile({ id: 'cust-ben', phone: '+46709999999', locale: 'en' }));
      await stores.messages.createMessage(
        sentRecord({ messageId: 'm-ben', customerId: 'cust-ben', to: '+46709999999', providerId: 'SMben' }),
      );
      const response = await route(
        inbound({ MessageSid: 'SMin-start-1', From: '+46709999999', Body: 'Start' }),
      );
      expect(response.body).toBe(
        twimlReplying('You will get messages from Acme again. Reply STOP to opt out, HELP for help.'),
      );
    });

    it('escapes the answer as XML, exactly as Twilio’s library does', async () => {
      const escaping = createWebhookRouter({
        ...stores,
        suppressions: new MemorySuppressionStore(),
        outcomes,
        keywords: keywordTable(),
        clock: { now: () => NOW },
        twilioAuthToken: AUTH_TOKEN,
        sendgridPublicKey: PUBLIC_KEY,
        publicBaseUrl: BASE,
        replies: settings({
          replies: { sender: 'Smith & Sons <AB>', stop: { en: '"{sender}" won\'t text you ]]> again.' } },
        }).replies,
        defaultLocale: 'en',
      });
      const response = await escaping(
        inbound({ MessageSid: 'SMin-esc', From: '+447700900123', Body: 'stop' }),
      );
      expect(response.body).toBe(twimlReplying('"Smith & Sons <AB>" won\'t text you ]]> again.'));
    });

    it('answers nothing to YES or free text, nor to any keyword when Twilio answers them', async () => {
      const yes = await route(inbound({ MessageSid: 'SMin-yes', From: '+46701234567', Body: 'ja' }));
      const text = await route(
        inbound({ MessageSid: 'SMin-txt', From: '+46701234567', Body: 'Thanks, see you' }),
      );
      const twilioAnswers = createWebhookRouter({
        ...stores,
        suppressions: new MemorySuppressionStore(),
        outcomes,
        keywords: keywordTable(),
        clock: { now: () => NOW },
        twilioAuthToken: AUTH_TOKEN,
        sendgridPublicKey: PUBLIC_KEY,
        publicBaseUrl: BASE,
        replies: settings({ replies: { answer: 'twilio' } }).replies,
      });
      const stop = await twilioAnswers(
        inbound({ MessageSid: 'SMin-tw', From: '+46701234567', Body: 'STOP' }),
      );
      for (const response of [yes, text, stop]) {
        expect(response).toMatchObject({ status: 200, headers: { 'content-type': 'text/xml' } });
        expect(response.body).not.toContain('<Message');
      }
      // Twilio answers; Nudge still applies the STOP.
      expect((await stores.profiles.getProfile('cust-anna'))?.consent.sms).toMatchObject({ granted: false });
    });
  });

  it('records a signed SendGrid delivery once, deduplicating on sg_event_id', async () => {
    const request = sendgridRequest([
      { email: 'anna@example.se', event: 'processed', sg_event_id: 'e0', timestamp: 1, messageId: 'm-2' },
      { email: 'anna@example.se', event: 'delivered', sg_event_id: 'e1', timestamp: 2, messageId: 'm-2' },
    ]);
    expect(await route(request)).toMatchObject({ status: 200, body: 'ignored,applied' });
    expect(await route(request)).toMatchObject({ status: 200, body: 'ignored,duplicate' });
    expect((await stores.messages.getMessage('m-2'))?.status).toBe('delivered');
  });

  it('refuses a stale, tampered or unsigned SendGrid batch and changes nothing', async () => {
    const events = [{ event: 'bounce', sg_event_id: 'e9', timestamp: 2, messageId: 'm-2', reason: '550' }];
    const stale = sendgridRequest(events, Math.floor(NOW.toSeconds()) - 301);
    const signed = sendgridRequest(events);
    const tampered = { ...signed, rawBody: signed.rawBody.replace('bounce', 'delivered') };
    const unsigned = { ...signed, headers: {} };
    for (const request of [stale, tampered, unsigned]) expect((await route(request)).status).toBe(403);
    expect((await stores.messages.getMessage('m-2'))?.status).toBe('sent');
  });

  it('withdraws email consent on a spam report', async () => {
    await route(
      sendgridRequest([{ event: 'spamreport', sg_event_id: 'e5', timestamp: 3, messageId: 'm-2' }]),
    );
    expect((await stores.profiles.getProfile('cust-anna'))?.consent.email).toMatchObject({ granted: false });
    expect(outcomes.events.map((event) => event.detailType)).toEqual(['CustomerOptedOut']);
  });

  it('refuses oversized bodies before any work, and unknown paths', async () => {
    const huge = {
      ...twilioRequest('/webhooks/twilio/status', 'messageId=m-1', status),
      rawBody: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1),
    };
    expect((await route(huge)).status).toBe(413);
    expect((await route({ ...twilioRequest('/webhooks/nope', '', status) })).status).toBe(404);
  });
});
