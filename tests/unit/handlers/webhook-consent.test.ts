import { generateKeyPairSync, sign } from 'node:crypto';
import { DateTime } from 'luxon';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import type { OutcomePublisher } from '../../../functions/app/ports.ts';
import type { OutcomeEvent } from '../../../functions/core/outcomes/outcome-events.ts';
import { keywordTable } from '../../../functions/core/replies/inbound-keywords.ts';
import { createWebhookRouter, type WebhookRequest } from '../../../functions/handlers/webhook-router.ts';
import { aMessageRecord } from '../../support/store-contract-fixtures.ts';

// Consent through the real front door: requests signed the way Twilio (its own helper) and
// SendGrid (ECDSA over timestamp + body) sign them, routed as the webhook function routes them.
const AUTH_TOKEN = 'consent-test-auth-token';
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

function harness() {
  const stores = createMemoryStores();
  const suppressions = new MemorySuppressionStore();
  const outcomes = new RecordingPublisher();
  const route = createWebhookRouter({
    ...stores,
    suppressions,
    defaultCountry: 'SE',
    outcomes,
    keywords: keywordTable(),
    clock: { now: () => NOW },
    twilioAuthToken: AUTH_TOKEN,
    sendgridPublicKey: PUBLIC_KEY,
    publicBaseUrl: BASE,
  });
  return { stores, suppressions, outcomes, route };
}

function twilioInbound(params: Record<string, string>): WebhookRequest {
  const path = '/webhooks/twilio/inbound';
  return {
    method: 'POST',
    path,
    query: '',
    headers: { 'x-twilio-signature': getExpectedTwilioSignature(AUTH_TOKEN, `${BASE}${path}`, params) },
    rawBody: new URLSearchParams(params).toString(),
  };
}

function sendgridEvents(events: unknown[]): WebhookRequest {
  const rawBody = JSON.stringify(events);
  const timestamp = Math.floor(NOW.toSeconds());
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

describe('consent through the webhook', () => {
  it('a signed STOP from a number Nudge never texted suppresses that number', async () => {
    const h = harness();

    const response = await h.route(
      twilioInbound({
        MessageSid: 'SM0000000000000000000000000000stop',
        From: '+46701234567',
        Body: 'STOPP',
      }),
    );

    expect(response.status).toBe(200);
    expect(await h.suppressions.get('sms', '+46701234567')).toMatchObject({
      suppressed: true,
      reason: 'stop-reply',
    });
    expect(h.outcomes.events.map((event) => event.detailType)).toEqual([
      'CustomerReplied',
      'CustomerOptedOut',
    ]);
  });

  it('a forged STOP changes nothing', async () => {
    const h = harness();
    const signed = twilioInbound({ MessageSid: 'SM1', From: '+46701234567', Body: 'STOP' });

    const response = await h.route({
      ...signed,
      rawBody: signed.rawBody.replace('46701234567', '46709999999'),
    });

    expect(response.status).toBe(403);
    expect(await h.suppressions.get('sms', '+46709999999')).toBeUndefined();
    expect(await h.suppressions.get('sms', '+46701234567')).toBeUndefined();
  });

  it('a signed hard bounce marks the message bounced and suppresses the address; a blocked one does not', async () => {
    // Arrange
    const h = harness();
    await h.stores.messages.createMessage(
      aMessageRecord({ messageId: 'm-2', status: 'sent', channel: 'email', to: 'Anna@Example.SE' }),
    );
    await h.stores.messages.createMessage(
      aMessageRecord({ messageId: 'm-3', status: 'sent', channel: 'email', to: 'lars@example.se' }),
    );

    // Act
    const response = await h.route(
      sendgridEvents([
        {
          email: 'Anna@Example.SE',
          event: 'bounce',
          type: 'bounce',
          sg_event_id: 'b1',
          timestamp: 1,
          messageId: 'm-2',
        },
        {
          email: 'lars@example.se',
          event: 'bounce',
          type: 'blocked',
          sg_event_id: 'b2',
          timestamp: 2,
          messageId: 'm-3',
        },
      ]),
    );

    // Assert
    expect(response.status).toBe(200);
    expect((await h.stores.messages.getMessage('m-2'))?.status).toBe('bounced');
    expect(await h.suppressions.get('email', 'anna@example.se')).toMatchObject({
      suppressed: true,
      reason: 'hard-bounce',
    });
    expect(await h.suppressions.get('email', 'lars@example.se')).toBeUndefined();
  });
});
