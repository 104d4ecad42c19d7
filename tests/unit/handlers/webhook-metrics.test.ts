// What the webhook counts: refusals by a closed reason (a forged or tampered call, a malformed
// one, an oversized body) and the delivery reports it applied, once each (a replayed report
// counts nothing). Signatures are computed as Twilio does (the sandbox's helper).
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemoryMetrics } from '../../../functions/adapters/metrics/memory-metrics.ts';
import type { MessageRecord } from '../../../functions/app/message-record.ts';
import { keywordTable } from '../../../functions/core/replies/inbound-keywords.ts';
import {
  createWebhookRouter,
  MAX_WEBHOOK_BODY_BYTES,
  type WebhookRequest,
} from '../../../functions/handlers/webhook-router.ts';
import { computeTwilioSignature } from '../../../local/sandboxes/index.ts';

const AUTH_TOKEN = 'webhook-metrics-auth-token';
const BASE = 'https://hooks.example.com';
const NOW = DateTime.fromISO('2026-11-23T10:00:00Z', { zone: 'utc' });

function sent(messageId: string, providerId: string): MessageRecord {
  return {
    messageId,
    ruleId: 'r-1',
    customerId: 'cust-anna',
    trigger: {
      id: `ev-${messageId}`,
      source: 'acme.test',
      detailType: 'Thing',
      time: '2026-11-23T09:00:00Z',
      detail: {},
    },
    createdAt: '2026-11-23T09:00:00.000Z',
    sendAt: '2026-11-23T09:00:00.000Z',
    status: 'sent',
    dedupeKey: `ev-${messageId}`,
    attempts: 1,
    channel: 'sms',
    to: '+46701234567',
    providerId,
    sentAt: '2026-11-23T09:00:00.000Z',
    history: [{ at: '2026-11-23T09:00:00.000Z', status: 'sent' }],
  };
}

function statusCallback(
  messageId: string,
  providerId: string,
  status: string,
  token = AUTH_TOKEN,
): WebhookRequest {
  const path = '/webhooks/twilio/status';
  const query = `messageId=${messageId}`;
  const params = { MessageSid: providerId, MessageStatus: status, AccountSid: 'AC1' };
  return {
    method: 'POST',
    path,
    query,
    headers: {
      'x-twilio-signature': computeTwilioSignature(token, `${BASE}${path}?${query}`, params),
      host: 'hooks.example.com',
    },
    rawBody: new URLSearchParams(params).toString(),
  };
}

describe('webhook metrics', () => {
  let metrics: MemoryMetrics;
  let route: ReturnType<typeof createWebhookRouter>;

  beforeEach(async () => {
    const stores = createMemoryStores();
    await stores.messages.createMessage(sent('m-1', 'SM1'));
    await stores.messages.createMessage(sent('m-2', 'SM2'));
    metrics = new MemoryMetrics();
    route = createWebhookRouter({
      ...stores,
      outcomes: { publish: async () => {} },
      keywords: keywordTable(),
      clock: { now: () => NOW },
      twilioAuthToken: AUTH_TOKEN,
      sendgridPublicKey: 'unused',
      publicBaseUrl: BASE,
      metrics,
    });
  });

  it('counts each refusal by its reason', async () => {
    const forged = statusCallback('m-1', 'SM1', 'delivered', 'not-the-token');
    const malformed = statusCallback('m-1', 'SM1', 'no-such-status');
    const huge = {
      ...statusCallback('m-1', 'SM1', 'delivered'),
      rawBody: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1),
    };

    expect((await route(forged)).status).toBe(403);
    expect((await route(malformed)).status).toBe(400);
    expect((await route(huge)).status).toBe(413);

    expect(metrics.total('WebhookRefused', { reason: 'bad-signature' })).toBe(1);
    expect(metrics.total('WebhookRefused', { reason: 'malformed' })).toBe(1);
    expect(metrics.total('WebhookRefused', { reason: 'payload-too-large' })).toBe(1);
    expect(metrics.total('MessagesDelivered')).toBe(0);
  });

  it('counts an applied delivery report once, and a failed one as MessagesFailed provider-report', async () => {
    const delivered = statusCallback('m-1', 'SM1', 'delivered');
    await route(delivered);
    await route(delivered); // Twilio's retry: a duplicate, counted nothing
    await route(statusCallback('m-2', 'SM2', 'undelivered'));

    expect(metrics.total('MessagesDelivered', { channel: 'sms' })).toBe(1);
    expect(metrics.total('MessagesFailed', { reason: 'provider-report' })).toBe(1);
    expect(metrics.total('WebhookRefused')).toBe(0);
  });
});
