import { createHmac } from 'node:crypto';
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { signUnsubscribeToken } from '../../../functions/adapters/links/unsubscribe-link.ts';
import { createMemoryStores, type MemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import type { AddressOptOut } from '../../../functions/app/ports/suppressions.ts';
import type { OutcomePublisher } from '../../../functions/app/ports.ts';
import {
  OUTCOME_SCHEMA_VERSION,
  type OutcomeEvent,
} from '../../../functions/core/outcomes/outcome-events.ts';
import { keywordTable } from '../../../functions/core/replies/inbound-keywords.ts';
import type { Channel } from '../../../functions/core/rules/rule-schema.ts';
import {
  createWebhookRouter,
  type WebhookRequest,
  type WebhookResponse,
} from '../../../functions/handlers/webhook-router.ts';
import { aProfile } from '../../support/factories.ts';

const KEY = 'unsubscribe-test-signing-key-0123456789abcdef';
const NOW = DateTime.fromISO('2026-11-23T10:00:00Z', { zone: 'utc' });
const NOW_S = Math.floor(NOW.toSeconds());

class RecordingPublisher implements OutcomePublisher {
  readonly events: OutcomeEvent[] = [];
  async publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> {
    this.events.push(...events);
  }
}

/** Counts every write the route asks of the suppression list, whatever its answer. */
class CountingSuppressions extends MemorySuppressionStore {
  writes = 0;
  override async suppress(input: AddressOptOut): Promise<'applied' | 'already-suppressed' | 'duplicate'> {
    this.writes++;
    return super.suppress(input);
  }
  override async lift(input: { channel: Channel; address: string; source: string; at: string }) {
    this.writes++;
    return super.lift(input);
  }
}

function token(
  overrides: { key?: string; now?: number; locale?: string; address?: string; ttlDays?: number } = {},
): string {
  return signUnsubscribeToken(
    {
      address: overrides.address ?? 'Anna@Example.se',
      messageId: 'm-2',
      customerId: 'cust-anna',
      ...(overrides.locale === undefined ? {} : { locale: overrides.locale }),
    },
    {
      key: overrides.key ?? KEY,
      nowEpochSeconds: overrides.now ?? NOW_S,
      ...(overrides.ttlDays === undefined ? {} : { ttlDays: overrides.ttlDays }),
    },
  );
}

function request(
  method: string,
  t: string | undefined,
  headers: Record<string, string> = {},
  rawBody = method === 'POST' ? 'List-Unsubscribe=One-Click' : '',
): WebhookRequest {
  return {
    method,
    path: '/unsubscribe',
    query: t === undefined ? '' : new URLSearchParams({ t }).toString(),
    headers: {
      host: 'hooks.example.com',
      ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...headers,
    },
    rawBody,
  };
}

describe('one-click unsubscribe route', () => {
  let stores: MemoryStores;
  let suppressions: CountingSuppressions;
  let outcomes: RecordingPublisher;
  let route: (request: WebhookRequest) => Promise<WebhookResponse>;
  let profileBefore: string;

  beforeEach(async () => {
    stores = createMemoryStores();
    suppressions = new CountingSuppressions();
    outcomes = new RecordingPublisher();
    await stores.profiles.putProfile(aProfile({ email: 'anna@example.se' }));
    profileBefore = JSON.stringify(await stores.profiles.getProfile('cust-anna'));
    route = createWebhookRouter({
      ...stores,
      outcomes,
      suppressions,
      keywords: keywordTable(),
      clock: { now: () => NOW },
      twilioAuthToken: 'unused-twilio-token',
      sendgridPublicKey: 'unused',
      unsubscribeSigningKey: KEY,
    });
  });

  async function expectNothingChanged(): Promise<void> {
    expect(suppressions.writes).toBe(0);
    expect(await suppressions.list([{ channel: 'email', address: 'anna@example.se' }])).toEqual([]);
    expect(JSON.stringify(await stores.profiles.getProfile('cust-anna'))).toBe(profileBefore);
    expect(outcomes.events).toEqual([]);
  }

  it('GET shows a confirmation page with a form posting back to the same link, and changes nothing', async () => {
    const t = token();
    const response = await route(request('GET', t));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['content-security-policy']).toContain("form-action 'self'");
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toContain('<form method="post"');
    expect(response.body).toContain(`action="?t=${encodeURIComponent(t)}"`);
    expect(response.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(response.body).toContain('anna@example.se');
    // A scanner may fetch it any number of times.
    await route(request('GET', t));
    await route(request('HEAD', t));
    await expectNothingChanged();
  });

  it("POST suppresses the address, withdraws the customer's email consent and publishes CustomerOptedOut", async () => {
    const response = await route(request('POST', token()));
    expect(response.status).toBe(200);
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.body).toContain('anna@example.se');
    const entry = await suppressions.get('email', 'anna@example.se');
    expect(entry).toMatchObject({
      channel: 'email',
      address: 'anna@example.se',
      suppressed: true,
      reason: 'one-click-unsubscribe',
      source: 'unsubscribe:m-2',
      customerId: 'cust-anna',
      at: '2026-11-23T10:00:00.000Z',
    });
    expect((await stores.profiles.getProfile('cust-anna'))?.consent.email).toEqual({
      granted: false,
      at: '2026-11-23T10:00:00.000Z',
      source: 'unsubscribe:m-2',
    });
    expect(outcomes.events).toEqual([
      {
        detailType: 'CustomerOptedOut',
        time: '2026-11-23T10:00:00.000Z',
        detail: {
          schemaVersion: OUTCOME_SCHEMA_VERSION,
          customerId: 'cust-anna',
          channel: 'email',
          source: 'unsubscribe:m-2',
          at: '2026-11-23T10:00:00.000Z',
        },
      },
    ]);
  });

  it('POST works whatever the body (the page form, a client sending multipart, an empty body)', async () => {
    const response = await route(request('POST', token(), { 'content-type': 'multipart/form-data' }, ''));
    expect(response.status).toBe(200);
    expect((await suppressions.get('email', 'anna@example.se'))?.suppressed).toBe(true);
  });

  it('a replayed POST is idempotent: one suppression change, one consent change, one event', async () => {
    const t = token();
    await route(request('POST', t));
    const profileAfterFirst = JSON.stringify(await stores.profiles.getProfile('cust-anna'));
    const again = await route(request('POST', t));
    expect(again.status).toBe(200);
    expect((await suppressions.get('email', 'anna@example.se'))?.history).toHaveLength(1);
    expect(JSON.stringify(await stores.profiles.getProfile('cust-anna'))).toBe(profileAfterFirst);
    expect(outcomes.events).toHaveLength(1);
  });

  it.each([
    ['signed with another key', () => token({ key: 'another-signing-key-entirely-0123456789abcdef' }), 403],
    ['tampered (address swapped in the payload)', () => tamperAddress(token()), 403],
    ['expired', () => token({ now: NOW_S - 91 * 86_400 }), 403],
    ['expired (1-day link, a day later)', () => token({ now: NOW_S - 86_400, ttlDays: 1 }), 403],
    ['malformed', () => 'not-a-token', 400],
    ['missing', () => undefined, 400],
  ])(
    'refuses a link %s on GET and POST with a "not valid" page, and changes nothing',
    async (_name, make, status) => {
      const t = make();
      for (const method of ['GET', 'POST']) {
        const response = await route(request(method, t));
        expect(response.status).toBe(status);
        expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(response.body).toContain('This link is not valid');
        expect(response.body).not.toContain('<form');
      }
      await expectNothingChanged();
    },
  );

  it('escapes what the link carries', async () => {
    // Signed with the right key (as if the address field held markup): escaped, never markup.
    const response = await route(request('GET', token({ address: '"><script>alert(1)</script>@x.se' })));
    expect(response.body).not.toContain('<script>');
    expect(response.body).toContain('&lt;script&gt;');
  });

  it("speaks Swedish by the link's locale, and by Accept-Language on a refused link", async () => {
    const confirm = await route(request('GET', token({ locale: 'sv-SE' }), { 'accept-language': 'en' }));
    expect(confirm.body).toContain('<html lang="sv">');
    expect(confirm.body).toContain('Sluta skicka e-post till anna@example.se?');
    const done = await route(request('POST', token({ locale: 'sv' })));
    expect(done.body).toContain('Vi skickar inga fler mejl till anna@example.se.');
    const refused = await route(
      request('GET', 'x', { 'accept-language': 'de;q=0.9, sv-FI;q=0.8, en;q=0.5' }),
    );
    expect(refused.body).toContain('Länken gäller inte');
    const english = await route(request('GET', token(), { 'accept-language': 'fr, de' }));
    expect(english.body).toContain('<html lang="en">');
  });

  it('answers other methods 405 and, without a signing key, 404', async () => {
    const put = await route(request('PUT', token()));
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    const unconfigured = createWebhookRouter({
      ...stores,
      outcomes,
      suppressions,
      keywords: keywordTable(),
      clock: { now: () => NOW },
      twilioAuthToken: 'unused-twilio-token',
      sendgridPublicKey: 'unused',
    });
    expect((await unconfigured(request('POST', token()))).status).toBe(404);
    await expectNothingChanged();
  });

  it('still refuses GET on the provider webhook routes', async () => {
    const response = await route({ ...request('GET', undefined), path: '/webhooks/sendgrid/events' });
    expect(response.status).toBe(405);
  });
});

/** Replaces the payload by one naming another address, keeping the original signature. */
function tamperAddress(t: string): string {
  const [body, signature] = t.split('.');
  const payload = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8'));
  const forged = Buffer.from(JSON.stringify({ ...payload, a: 'anna@example.se ' })).toString('base64url');
  // Sanity: the forged payload differs, and the signature is not one the key makes for it.
  const wouldBe = createHmac('sha256', KEY).update(`nudge-unsubscribe.v1.${forged}`).digest('base64url');
  if (forged === body || wouldBe === signature) throw new Error('tamper produced the same token');
  return `${forged}.${signature}`;
}
