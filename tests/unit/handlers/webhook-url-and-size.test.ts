// The URL the Twilio signature is checked against, and the body cap. Signatures are made with the
// `twilio` package's own helper over the URL Twilio would have called, never with our code.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DateTime } from 'luxon';
import twilio from 'twilio';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStores, type MemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import type { MessageRecord } from '../../../functions/app/message-record.ts';
import { keywordTable } from '../../../functions/core/replies/inbound-keywords.ts';
import { webhookRequestFromFunctionUrl } from '../../../functions/handlers/function-url-request.ts';
import {
  createWebhookRouter,
  MAX_WEBHOOK_BODY_BYTES,
  type WebhookRequest,
} from '../../../functions/handlers/webhook-router.ts';

const AUTH_TOKEN = 'url-and-size-auth-token';
const DOMAIN = 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-north-1.on.aws';
const PATH = '/webhooks/twilio/status';
const QUERY = 'messageId=m-1';
const NOW = DateTime.fromISO('2026-11-23T10:00:00Z', { zone: 'utc' });
const STATUS = {
  MessageSid: 'SM00000000000000000000000000000001',
  MessageStatus: 'delivered',
  AccountSid: 'AC1',
};

function sentRecord(): MessageRecord {
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
    providerId: STATUS.MessageSid,
    sentAt: '2026-11-23T09:00:00.000Z',
    history: [{ at: '2026-11-23T09:00:00.000Z', status: 'sent' }],
  };
}

/** A Function URL event as Lambda delivers it: the caller chooses the headers, Lambda the domain. */
function functionUrlEvent(input: {
  signedUrl: string;
  hostHeader: string;
  query?: string;
}): APIGatewayProxyEventV2 {
  const body = new URLSearchParams(STATUS).toString();
  const query = input.query ?? QUERY;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: PATH,
    rawQueryString: query,
    headers: {
      Host: input.hostHeader,
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, input.signedUrl, STATUS),
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnopqrstuvwxyz012345',
      domainName: DOMAIN,
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz012345',
      http: {
        method: 'POST',
        path: PATH,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.7',
        userAgent: 'TwilioProxy/1.1',
      },
      requestId: 'r-1',
      routeKey: '$default',
      stage: '$default',
      time: '23/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_428_000_000,
    },
    body,
    isBase64Encoded: false,
  };
}

describe('Twilio signature URL and body cap', () => {
  let stores: MemoryStores;
  let route: ReturnType<typeof createWebhookRouter>;

  beforeEach(async () => {
    stores = createMemoryStores();
    await stores.messages.createMessage(sentRecord());
    // No publicBaseUrl: the deployment without a custom domain, where the URL is the Function URL's.
    route = createWebhookRouter({
      ...stores,
      suppressions: new MemorySuppressionStore(),
      outcomes: { publish: async () => {} },
      keywords: keywordTable(),
      clock: { now: () => NOW },
      twilioAuthToken: AUTH_TOKEN,
      sendgridPublicKey: 'unused',
    });
  });

  const genuine = `https://${DOMAIN}${PATH}?${QUERY}`;

  it('accepts the report signed over the Function URL Twilio called', async () => {
    const response = await route(
      webhookRequestFromFunctionUrl(functionUrlEvent({ signedUrl: genuine, hostHeader: DOMAIN })),
    );
    expect(response.status).toBe(200);
    expect((await stores.messages.getMessage('m-1'))?.status).toBe('delivered');
  });

  it.each([
    ['another host, named in the Host header', 'https://hooks.attacker.example', 'hooks.attacker.example'],
    ['the same host over http', `http://${DOMAIN}`, DOMAIN],
    ['the same host on another port, named in the Host header', `https://${DOMAIN}:8443`, `${DOMAIN}:8443`],
  ])('refuses a signature over %s', async (_what, signedBase, hostHeader) => {
    const event = functionUrlEvent({ signedUrl: `${signedBase}${PATH}?${QUERY}`, hostHeader });
    expect((await route(webhookRequestFromFunctionUrl(event))).status).toBe(403);
    expect((await stores.messages.getMessage('m-1'))?.status).toBe('sent');
  });

  it('refuses a request whose query has a parameter the signature did not cover, and the reverse', async () => {
    const added = functionUrlEvent({
      signedUrl: genuine,
      hostHeader: DOMAIN,
      query: `${QUERY}&messageId=m-2`,
    });
    expect((await route(webhookRequestFromFunctionUrl(added))).status).toBe(403);
    const signedMore = functionUrlEvent({ signedUrl: `${genuine}&x=1`, hostHeader: DOMAIN });
    expect((await route(webhookRequestFromFunctionUrl(signedMore))).status).toBe(403);
    expect((await stores.messages.getMessage('m-1'))?.status).toBe('sent');
  });

  it.each(['exa mple.com', '[::1', 'host/with/path', 'a@b.example', ''])(
    'answers 403, not an error, for the malformed Host %j (local front door, no base URL)',
    async (host) => {
      const request: WebhookRequest = {
        method: 'POST',
        path: PATH,
        query: QUERY,
        headers: {
          host,
          'x-twilio-signature': twilio.getExpectedTwilioSignature(
            AUTH_TOKEN,
            `https://${host}${PATH}?${QUERY}`,
            STATUS,
          ),
        },
        rawBody: new URLSearchParams(STATUS).toString(),
      };
      expect((await route(request)).status).toBe(403);
      // A wrong signature makes the check parse the URL; a malformed host must still be a 403.
      const wrong = { ...request, headers: { host, 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' } };
      expect((await route(wrong)).status).toBe(403);
    },
  );

  it('accepts a status callback signed over the URL with its connection-override fragment', async () => {
    // The URL Nudge gives Twilio ends in #rc=…&rp=…; whether Twilio signs it with or without the
    // fragment, both are the URL it was given and both are accepted; another fragment is not.
    for (const signedUrl of [`${genuine}#rc=3&rp=ct,5xx`, genuine]) {
      const event = functionUrlEvent({ signedUrl, hostHeader: DOMAIN });
      expect((await route(webhookRequestFromFunctionUrl(event))).status).toBe(200);
    }
    const other = functionUrlEvent({ signedUrl: `${genuine}#rc=5&rp=all`, hostHeader: DOMAIN });
    expect((await route(webhookRequestFromFunctionUrl(other))).status).toBe(403);
  });

  it('takes a SendGrid-sized batch of 900 KB to the signature check, and refuses one byte over the cap with 413', async () => {
    const batch = `[${' '.repeat(900 * 1024)}]`;
    const sendgrid = (rawBody: string): WebhookRequest => ({
      method: 'POST',
      path: '/webhooks/sendgrid/events',
      query: '',
      headers: { host: DOMAIN },
      rawBody,
    });
    // Unsigned: a body under the cap gets as far as the signature check (403), not a 413.
    expect((await route(sendgrid(batch))).status).toBe(403);
    expect(MAX_WEBHOOK_BODY_BYTES).toBeGreaterThanOrEqual(1_000_000);
    expect((await route(sendgrid('x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1)))).status).toBe(413);
  });
});
