// The real console app with the real sign-in middleware (session cookies signed as the callback
// signs them), the memory audit log and the fake backend: each role's reads and refused writes,
// masking, the audit of every write, and the open local console.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../functions/adapters/memory/memory-audit-log.ts';
import { createConsoleAuth } from '../../../functions/console/auth/console-auth.ts';
import type { Role } from '../../../functions/console/auth/roles.ts';
import { sessionKey, signSession } from '../../../functions/console/auth/session-token.ts';
import { createConsoleApp } from '../../../functions/console/console-app.ts';
import { aMessage, aProfile, FakeConsoleBackend } from '../../support/fake-console-backend.ts';

const ORIGIN = 'http://127.0.0.1:3999';
const SECRET = randomBytes(32).toString('base64url');
const PHONE = '+46701234567';
const EMAIL = 'anna@example.se';
const HOST = { host: '127.0.0.1:3999' };

function aConsole(options: { open?: boolean } = {}) {
  const backend = new FakeConsoleBackend();
  backend.messages.push(aMessage());
  backend.profiles.set('cust-anna', aProfile());
  const audit = new MemoryAuditLog();
  const auth = createConsoleAuth({
    // Never contacted: these tests carry sessions, they do not sign in.
    issuer: 'http://127.0.0.1:9/',
    clientId: 'console',
    redirectUrl: `${ORIGIN}/auth/callback`,
    sessionSecret: SECRET,
  });
  const app = createConsoleApp({
    backend,
    origins: () => [ORIGIN],
    audit,
    onError: () => {},
    ...(options.open === true ? { localUser: { sub: 'local:ops', name: 'local:ops' } } : { auth }),
  });
  return { app, backend, audit };
}

async function cookieFor(role: Role, options: { secret?: string; hours?: number; at?: Date } = {}) {
  const user = { sub: `sub-${role}`, name: `${role} person`, roles: [role] };
  const token = await signSession(
    user,
    sessionKey(options.secret ?? SECRET),
    options.at ?? new Date(),
    options.hours ?? 1,
  );
  return `nudge_session=${token}`;
}

type App = ReturnType<typeof aConsole>['app'];

async function get(app: App, path: string, cookie?: string): Promise<Response> {
  return app.request(`${ORIGIN}${path}`, {
    headers: { ...HOST, ...(cookie === undefined ? {} : { cookie }) },
  });
}

async function post(
  app: App,
  path: string,
  cookie: string | undefined,
  body: unknown = {},
): Promise<Response> {
  return app.request(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: {
      ...HOST,
      origin: ORIGIN,
      'content-type': 'application/json',
      ...(cookie === undefined ? {} : { cookie }),
    },
    body: JSON.stringify(body),
  });
}

const EVENT = {
  source: 'acme.contact-centre',
  'detail-type': 'CallbackBooked',
  detail: { customer: { id: 'cust-bo' } },
};

describe('contact data per role', () => {
  for (const role of ['viewer', 'editor', 'publisher'] as const) {
    it(`${role}: the customer page, the message page and the API show the phone and email masked`, async () => {
      const { app } = aConsole();
      const cookie = await cookieFor(role);

      const pages = [
        await (await get(app, '/customers/cust-anna', cookie)).text(),
        await (await get(app, '/messages/msg-1', cookie)).text(),
        await (await get(app, '/', cookie)).text(),
        await (await get(app, '/api/customers/cust-anna', cookie)).text(),
        await (await get(app, '/api/messages', cookie)).text(),
      ];

      for (const text of pages) {
        expect(text).not.toContain(PHONE);
        expect(text).not.toContain(EMAIL);
      }
      expect(pages[3]).toContain('+467******67');
    });
  }

  it('privacy: sees them unmasked', async () => {
    const { app } = aConsole();
    const cookie = await cookieFor('privacy');

    const page = await (await get(app, '/customers/cust-anna', cookie)).text();
    const api = await (await get(app, '/api/customers/cust-anna', cookie)).json();

    expect(page).toContain(PHONE);
    expect(api).toMatchObject({ profile: { phone: PHONE, email: EMAIL } });
  });
});

describe('writes per role', () => {
  it('viewer: sending a test event is refused (403), nothing is sent and nothing audited', async () => {
    const { app, backend, audit } = aConsole();

    const response = await post(app, '/api/events', await cookieFor('viewer'), EVENT);

    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: { code: 'forbidden', message: 'this needs the editor role; viewer person has viewer' },
    });
    expect(backend.sentEvents).toEqual([]);
    expect((await audit.list({ limit: 10 })).entries).toEqual([]);
  });

  it('editor: sends it, and the audit names who, what, when and the outcome', async () => {
    const { app, backend, audit } = aConsole();
    const before = Date.now();

    const response = await post(app, '/api/events', await cookieFor('editor'), EVENT);

    expect(response.status).toBe(200);
    expect(backend.sentEvents).toHaveLength(1);
    const [entry] = (await audit.list({ limit: 10 })).entries;
    expect(entry).toMatchObject({
      actor: { sub: 'sub-editor', name: 'editor person' },
      role: 'editor',
      action: 'POST /api/events',
      detail: 'ok 200',
    });
    expect(Date.parse(entry?.at ?? '')).toBeGreaterThanOrEqual(before - 1000);
  });

  it('publisher: an erase is refused (403) and the customer is still there', async () => {
    const { app, backend, audit } = aConsole();
    await backend.privacyStores.profiles.putProfile(aProfile());

    const response = await post(app, '/api/customers/cust-anna/erase', await cookieFor('publisher'));

    expect(response.status).toBe(403);
    expect(await backend.privacyStores.profiles.getProfile('cust-anna')).toBeDefined();
    expect((await audit.list({ limit: 10 })).entries).toEqual([]);
  });

  it('privacy: erases, audited with the customer id; then the audit page and API list it', async () => {
    const { app, backend } = aConsole();
    await backend.privacyStores.profiles.putProfile(aProfile());
    const cookie = await cookieFor('privacy');

    const response = await post(app, '/api/customers/cust-anna/erase', cookie);
    const page = await (await get(app, '/audit', await cookieFor('viewer'))).text();
    const api = await (await get(app, '/api/audit', await cookieFor('viewer'))).json();

    expect(response.status).toBe(200);
    expect(await backend.privacyStores.profiles.getProfile('cust-anna')).toBeUndefined();
    expect(page).toContain('POST /api/customers/:id/erase');
    expect(page).toContain('privacy person');
    expect(api).toMatchObject({
      entries: [{ action: 'POST /api/customers/:id/erase', target: 'cust-anna', role: 'privacy' }],
    });
  });

  it('privacy: a page-form write it lacks the role for (Try it) is refused with a 403 page', async () => {
    const { app, backend } = aConsole();

    const response = await app.request(`${ORIGIN}/try/events`, {
      method: 'POST',
      headers: {
        ...HOST,
        origin: ORIGIN,
        'content-type': 'application/x-www-form-urlencoded',
        cookie: await cookieFor('privacy'),
      },
      body: `event=${encodeURIComponent(JSON.stringify(EVENT))}`,
    });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('this needs the editor role');
    expect(backend.sentEvents).toEqual([]);
  });
});

describe('sessions and origins that must not work', () => {
  it('an expired session cookie and a forged one (another key) get 401; nothing is sent', async () => {
    const { app, backend } = aConsole();
    const expired = await cookieFor('publisher', { at: new Date(Date.now() - 3 * 3600_000), hours: 1 });
    const forged = await cookieFor('publisher', { secret: randomBytes(32).toString('base64url') });

    const answers = [
      await post(app, '/api/events', expired, EVENT),
      await post(app, '/api/events', forged, EVENT),
    ];

    expect(answers.map((answer) => answer.status)).toEqual([401, 401]);
    expect(await answers[0]?.json()).toMatchObject({
      error: { message: 'your session has expired: sign in again' },
    });
    expect(backend.sentEvents).toEqual([]);
  });

  it('a post from another origin is refused (403) even with a valid editor session', async () => {
    const { app, backend } = aConsole();

    const response = await app.request(`${ORIGIN}/api/events`, {
      method: 'POST',
      headers: {
        ...HOST,
        origin: 'http://127.0.0.1:4444',
        'content-type': 'application/json',
        cookie: await cookieFor('editor'),
      },
      body: JSON.stringify(EVENT),
    });

    expect(response.status).toBe(403);
    expect(backend.sentEvents).toEqual([]);
  });
});

describe('the open local console', () => {
  it('needs no sign-in, shows contact data, and audits writes as the local user', async () => {
    const { app, audit } = aConsole({ open: true });

    const page = await (await get(app, '/customers/cust-anna')).text();
    const response = await post(app, '/api/events', undefined, EVENT);

    expect(page).toContain(PHONE);
    expect(response.status).toBe(200);
    expect((await audit.list({ limit: 10 })).entries).toMatchObject([
      { actor: { sub: 'local:ops' }, action: 'POST /api/events', detail: 'ok 200' },
    ]);
  });
});
