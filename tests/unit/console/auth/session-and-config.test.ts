import { Hono } from 'hono';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ConsoleSessionSecretSchema,
  parseConsoleAuthConfig,
} from '../../../../functions/console/auth/auth-config.ts';
import {
  type AuthEnv,
  createConsoleAuth,
  safeReturnTo,
} from '../../../../functions/console/auth/console-auth.ts';
import type { Role } from '../../../../functions/console/auth/roles.ts';
import {
  sessionKey,
  signLogin,
  signSession,
  verifyLogin,
  verifySession,
} from '../../../../functions/console/auth/session-token.ts';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const NOW = new Date('2026-12-05T08:00:00Z');
const USER = { sub: 's-1', name: 'Ed Editor', roles: ['editor' as const] };

describe('session tokens', () => {
  it('a session verifies until its end, then is expired', async () => {
    const token = await signSession(USER, sessionKey(SECRET), NOW, 8);

    const during = await verifySession(token, sessionKey(SECRET), new Date('2026-12-05T15:59:00Z'));
    const after = await verifySession(token, sessionKey(SECRET), new Date('2026-12-05T16:01:00Z'));

    expect(during).toEqual({ ok: true, user: USER });
    expect(after).toEqual({ ok: false, reason: 'expired' });
  });

  it('signed with another key, altered, or of another purpose: invalid', async () => {
    const other = await signSession(USER, sessionKey(`${SECRET}-other`), NOW, 8);
    const token = await signSession(USER, sessionKey(SECRET), NOW, 8);
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 's-1', name: 'Ed', roles: ['publisher'] })).toString(
      'base64url',
    );
    const login = await signLogin(
      { state: 's', nonce: 'n', verifier: 'v', returnTo: '/' },
      sessionKey(SECRET),
      NOW,
    );
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;

    for (const bad of [other, `${header}.${payload}.${signature}`, login, none, 'not-a-jwt']) {
      expect(await verifySession(bad, sessionKey(SECRET), NOW)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('a well-signed session whose roles are not console roles is invalid', async () => {
    const token = await new SignJWT({ name: 'x', roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('s')
      .setIssuer('nudge-console')
      .setAudience('nudge-console-session')
      .setExpirationTime('1h')
      .sign(sessionKey(SECRET));

    expect(await verifySession(token, sessionKey(SECRET), new Date())).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('a sign-in transaction lasts ten minutes and is no session', async () => {
    const login = { state: 's', nonce: 'n', verifier: 'v', returnTo: '/rules' };
    const token = await signLogin(login, sessionKey(SECRET), NOW);

    expect(await verifyLogin(token, sessionKey(SECRET), new Date('2026-12-05T08:09:00Z'))).toEqual({
      ok: true,
      login,
    });
    expect(await verifyLogin(token, sessionKey(SECRET), new Date('2026-12-05T08:11:00Z'))).toEqual({
      ok: false,
      reason: 'expired',
    });
  });
});

describe('the sign-in configuration', () => {
  const valid = {
    issuer: 'https://cognito-idp.eu-north-1.amazonaws.com/eu-north-1_abc',
    clientId: 'client',
    clientSecret: 'secret',
    redirectUrl: 'https://console.example/auth/callback',
    sessionSecret: SECRET,
  };

  it('defaults: Cognito groups claim, 8 h, secure cookies, signed-out page beside the callback', () => {
    const config = parseConsoleAuthConfig(valid);

    expect(config.groupsClaim).toBe('cognito:groups');
    expect(config.sessionHours).toBe(8);
    expect(config.secureCookies).toBe(true);
    expect(config.postLogoutRedirectUrl.href).toBe('https://console.example/auth/signed-out');
  });

  it('plain http only on loopback, where cookies lose Secure', () => {
    expect(
      parseConsoleAuthConfig({ ...valid, redirectUrl: 'http://127.0.0.1:3000/auth/callback' }).secureCookies,
    ).toBe(false);
    expect(() =>
      parseConsoleAuthConfig({ ...valid, redirectUrl: 'http://console.example/auth/callback' }),
    ).toThrow(/redirectUrl must be https/);
  });

  it('names every wrong field and never a secret', () => {
    let message = '';
    try {
      parseConsoleAuthConfig({
        ...valid,
        issuer: 'not a url',
        sessionSecret: 'short-secret-value',
        groupRoles: JSON.parse('{"a":"admin"}'),
      });
    } catch (error) {
      message = error instanceof Error ? error.message : '';
    }

    expect(message).toMatch(/issuer/);
    expect(message).toMatch(/sessionSecret must be at least 32 characters/);
    expect(message).toMatch(/groupRoles\.a/);
    expect(message).not.toContain('short-secret-value');
  });
});

describe('where sign-in returns to', () => {
  it('a path of this console only', () => {
    expect(safeReturnTo('/rules?x=1')).toBe('/rules?x=1');
    expect(safeReturnTo('//evil.example/')).toBe('/');
    expect(safeReturnTo('/\\evil.example')).toBe('/');
    expect(safeReturnTo('https://evil.example/')).toBe('/');
    expect(safeReturnTo(undefined)).toBe('/');
  });
});

describe('the one-middleware form for a console with a least role per route', () => {
  it('lets a role through that includes the route role, refuses one that does not, 401 without a session', async () => {
    const auth = createConsoleAuth({
      issuer: 'https://issuer.example',
      clientId: 'c',
      clientSecret: 's',
      redirectUrl: 'https://console.example/auth/callback',
      sessionSecret: SECRET,
    });
    const app = new Hono<AuthEnv>();
    app.post(
      '/api/rules/:id/publish',
      async (c, next) => {
        c.set('requiredRole', 'publisher');
        await next();
      },
      auth.middleware,
      (c) => c.json({ published: true }),
    );
    const cookie = async (roles: Role[]) =>
      `__Host-nudge_session=${await signSession({ sub: 's', name: 'N', roles }, sessionKey(SECRET), new Date(), 1)}`;

    const publisher = await app.request('/api/rules/r/publish', {
      method: 'POST',
      headers: { cookie: await cookie(['publisher']) },
    });
    const editor = await app.request('/api/rules/r/publish', {
      method: 'POST',
      headers: { cookie: await cookie(['editor']) },
    });
    const nobody = await app.request('/api/rules/r/publish', { method: 'POST' });

    expect([publisher.status, editor.status, nobody.status]).toEqual([200, 403, 401]);
    expect(await editor.json()).toEqual({
      error: { code: 'forbidden', message: 'this needs the publisher role; N has editor' },
    });
  });
});

describe('the console session-key secret', () => {
  it('needs a signing key of 32 characters or more', () => {
    expect(ConsoleSessionSecretSchema.safeParse({ signingKey: SECRET }).success).toBe(true);
    const short = ConsoleSessionSecretSchema.safeParse({ signingKey: 'short' });
    expect(short.success ? [] : short.error.issues.map((issue) => issue.path.join('.'))).toEqual([
      'signingKey',
    ]);
  });
});

describe('cookies outside loopback', () => {
  it('a refused session cookie is cleared with the __Host- name and Secure', async () => {
    const auth = createConsoleAuth({
      issuer: 'https://issuer.example',
      clientId: 'c',
      clientSecret: 's',
      redirectUrl: 'https://console.example/auth/callback',
      sessionSecret: SECRET,
    });
    const app = new Hono<AuthEnv>();
    app.use(auth.session);
    app.get('/api/things', (c) => c.json({}));

    const response = await app.request('https://console.example/api/things', {
      headers: { cookie: '__Host-nudge_session=forged.token.value' },
    });

    expect(response.status).toBe(401);
    const cleared = response.headers.get('set-cookie') ?? '';
    expect(cleared).toMatch(/^__Host-nudge_session=;/);
    expect(cleared).toContain('Secure');
    expect(cleared).toContain('Path=/');
  });

  it('a page without a session is sent to sign-in with where it was going', async () => {
    const auth = createConsoleAuth({
      issuer: 'https://issuer.example',
      clientId: 'c',
      clientSecret: 's',
      redirectUrl: 'https://console.example/auth/callback',
      sessionSecret: SECRET,
    });
    const app = new Hono<AuthEnv>();
    app.use(auth.session);
    app.get('/customers/:id', (c) => c.text('page'));

    const response = await app.request('https://console.example/customers/c-1?tab=timeline');

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/auth/login?returnTo=%2Fcustomers%2Fc-1%3Ftab%3Dtimeline');
  });
});
