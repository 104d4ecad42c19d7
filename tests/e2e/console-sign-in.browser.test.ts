// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright locators, not DOM nodes; the rendered text a user reads is what this test checks.
/**
 * Console sign-in in a real browser (Debian Chromium through playwright-core) against a real
 * OpenID Connect provider on loopback (oidc-provider): each role signs in through the provider's
 * login form, does what its role allows and is refused one thing it does not; expired and forged
 * session cookies, a callback with another state or nonce, an ID token for another audience, a
 * cross-origin form post, a user
 * with no Nudge group, and sign-out. Writes are checked in the audit trail (DynamoDB on dynalite).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, SignJWT } from 'jose';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthTestApp, startAuthTestApp, TEST_CUSTOMER_PHONE } from '../support/auth-test-app.ts';
import { TEST_ACCOUNTS, type TestAccount } from '../support/oidc-provider-server.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync('bash', [join(ROOT, 'scripts', 'ensure-chromium.sh')], { stdio: 'pipe', timeout: 300_000 });
}

let app: AuthTestApp;
let browser: Browser;

beforeAll(async () => {
  ensureChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startAuthTestApp();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** A fresh browser profile: no cookies at the console or the provider. Only loopback is reachable. */
async function freshContext(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  // The provider's login page imports a web font: keep the test off the network.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  // A slow page load on a busy machine is not what these tests check.
  page.setDefaultNavigationTimeout(30_000);
  return { context, page };
}

/** Opens the console and signs in through the provider's own login form. */
async function signIn(page: Page, account: TestAccount, path = '/'): Promise<void> {
  await page.goto(`${app.url}${path}`);
  await page.waitForURL((url) => url.href.startsWith(app.provider.issuer));
  await page.fill('input[name="login"]', account.login);
  await page.fill('input[name="password"]', 'any password');
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(app.url)),
    page.click('button[type="submit"]'),
  ]);
}

/** A same-origin request from the page (its cookies, its Origin): the status and the JSON body. */
async function call(
  page: Page,
  method: 'GET' | 'POST',
  path: string,
): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ method, path }) => {
      const response = await fetch(path, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      return { status: response.status, body: await response.json() };
    },
    { method, path },
  );
}

async function auditActions(): Promise<string[]> {
  const { entries } = await app.audit.list({ limit: 100 });
  return entries.map((entry) => `${entry.actor.name}|${entry.role}|${entry.action}|${entry.target ?? ''}`);
}

/** A session cookie as the console would write it, signed with `secret`. */
async function sessionCookie(secret: string, roles: string[], expiresInSeconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: 'Mallory', roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('mallory')
    .setIssuer('nudge-console')
    .setAudience('nudge-console-session')
    .setIssuedAt(now - 9 * 3600)
    .setExpirationTime(now + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
}

describe('signing in to the console per role', () => {
  const cases = [
    { role: 'viewer', allowed: ['GET', '/api/things'], refused: ['POST', '/api/drafts', 'editor'] },
    {
      role: 'editor',
      allowed: ['POST', '/api/drafts'],
      refused: ['POST', '/api/rules/r-1/publish', 'publisher'],
    },
    {
      role: 'publisher',
      allowed: ['POST', '/api/rules/renewal-reminder/publish'],
      refused: ['POST', '/api/customers/cust-anna/erase', 'privacy'],
    },
    {
      role: 'privacy',
      allowed: ['POST', '/api/customers/cust-anna/erase'],
      refused: ['POST', '/api/drafts', 'editor'],
    },
  ] as const;

  for (const { role, allowed, refused } of cases) {
    it(`${role}: signs in through the provider, may ${allowed.join(' ')}, is refused ${refused[1]}`, async () => {
      const account = TEST_ACCOUNTS[role];
      const { context, page } = await freshContext();
      try {
        await signIn(page, account);

        expect(new URL(page.url()).pathname).toBe('/');
        expect(await page.locator('#who').innerText()).toBe(`Signed in as ${account.name} (${role})`);
        const phone = await page.locator('#phone').innerText();
        if (role === 'privacy') expect(phone).toBe(TEST_CUSTOMER_PHONE);
        else expect(phone).not.toContain('01234');
        await page.screenshot({ path: join(ARTIFACTS, `sign-in-${role}.png`), fullPage: true });
        const session = (await context.cookies(app.url)).find((cookie) => cookie.name === 'nudge_session');
        expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });

        const ok = await call(page, allowed[0], allowed[1]);
        const no = await call(page, refused[0], refused[1]);

        expect(ok.status).toBe(200);
        expect(no.status).toBe(403);
        expect(no.body).toEqual({
          error: {
            code: 'forbidden',
            message: `this needs the ${refused[2]} role; ${account.name} has ${role}`,
          },
        });
        const audited = await auditActions();
        if (allowed[0] === 'POST') {
          const target = allowed[1].split('/')[3] ?? '';
          const route = allowed[1].includes('/rules/')
            ? 'POST /api/rules/:id/publish'
            : allowed[1].includes('/customers/')
              ? 'POST /api/customers/:id/erase'
              : 'POST /api/drafts';
          expect(audited).toContain(
            `${account.name}|${role}|${route}|${route.includes(':id') ? target : ''}`,
          );
        }
        expect(
          audited.some(
            (line) =>
              line.includes(refused[1].replace(/r-1|cust-anna/, ':id')) && line.startsWith(account.name),
          ),
        ).toBe(false);
      } finally {
        await context.close();
      }
    });
  }

  it('a signed-in user whose groups map to no role gets a 403 page that says so', async () => {
    const { context, page } = await freshContext();
    try {
      await page.goto(`${app.url}/`);
      await page.fill('input[name="login"]', TEST_ACCOUNTS.nobody.login);
      await page.fill('input[name="password"]', 'any password');
      const [response] = await Promise.all([
        page.waitForResponse((res) => res.url() === `${app.url}/`),
        page.click('button[type="submit"]'),
      ]);

      expect(response.status()).toBe(403);
      expect(await page.locator('h1').innerText()).toBe('Your account has no Nudge role');
      expect(await page.locator('main').innerText()).toContain('Noah Nobody');
      expect((await call(page, 'GET', '/api/things')).status).toBe(403);
      await page.screenshot({ path: join(ARTIFACTS, 'sign-in-no-role.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});

describe('sessions that must not work', () => {
  it('without a session the API answers 401 and a page sends the browser to the provider', async () => {
    const { context, page } = await freshContext();
    try {
      const api = await page.request.get(`${app.url}/api/things`);
      expect(api.status()).toBe(401);
      expect(await api.json()).toEqual({
        error: { code: 'unauthenticated', message: 'sign in to use the console' },
      });

      await page.goto(`${app.url}/audit`);

      expect(page.url().startsWith(`${app.provider.issuer}/interaction/`)).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('an expired session cookie: the API says so (401), a page goes back to sign-in', async () => {
    const { context, page } = await freshContext();
    try {
      const expired = await sessionCookie(app.sessionSecret, ['publisher'], -60);
      await context.addCookies([{ name: 'nudge_session', value: expired, url: app.url }]);

      const api = await page.request.post(`${app.url}/api/rules/r-1/publish`, {
        headers: { origin: app.url },
      });
      await page.goto(`${app.url}/`);

      expect(api.status()).toBe(401);
      expect(await api.json()).toEqual({
        error: { code: 'unauthenticated', message: 'your session has expired: sign in again' },
      });
      expect(page.url().startsWith(`${app.provider.issuer}/interaction/`)).toBe(true);
      expect(await page.locator('input[name="login"]').count()).toBe(1);
      expect(await auditActions()).not.toContain('Mallory|publisher|POST /api/rules/:id/publish|r-1');
    } finally {
      await context.close();
    }
  });

  it('a forged session cookie (signed with another key, claiming publisher) is refused and writes nothing', async () => {
    const { context, page } = await freshContext();
    try {
      const forged = await sessionCookie(randomBytes(32).toString('base64url'), ['publisher'], 3600);
      await context.addCookies([{ name: 'nudge_session', value: forged, url: app.url }]);

      const publish = await page.request.post(`${app.url}/api/rules/r-1/publish`, {
        headers: { origin: app.url },
      });
      const read = await page.request.get(`${app.url}/api/things`);

      expect(publish.status()).toBe(401);
      expect(await publish.json()).toEqual({
        error: { code: 'unauthenticated', message: 'your session is not valid: sign in again' },
      });
      expect(read.status()).toBe(401);
      expect((await auditActions()).some((line) => line.startsWith('Mallory|'))).toBe(false);
    } finally {
      await context.close();
    }
  });
});

describe('the callback', () => {
  /**
   * Signs in once in the browser (the provider then knows the user), then starts a second
   * sign-in with the context's own HTTP client (same cookie jar), following redirects by hand up
   * to the provider's redirect back to the console, and holds that callback URL instead of
   * following it. The console session of the first sign-in is dropped, so any session found
   * afterwards comes from the callback under test.
   */
  async function heldCallback(page: Page, context: BrowserContext, again = false): Promise<URL> {
    // `again`: the provider already knows the user (an earlier sign-in in this context).
    if (!again) await signIn(page, TEST_ACCOUNTS.editor);
    await context.clearCookies({ name: 'nudge_session' });
    let location = `${app.url}/auth/login`;
    for (let hop = 0; hop < 10; hop += 1) {
      const response = await context.request.get(location, { maxRedirects: 0 });
      const next = response.headers().location;
      if (next === undefined) throw new Error(`sign-in stopped at ${location} (${response.status()})`);
      location = new URL(next, location).href;
      if (location.startsWith(`${app.url}/auth/callback`)) return new URL(location);
    }
    throw new Error('no callback after 10 redirects');
  }

  it('with another state than this browser started is refused, and no session is set', async () => {
    const { context, page } = await freshContext();
    try {
      const callback = await heldCallback(page, context);
      callback.searchParams.set('state', 'not-the-state-we-sent');

      const response = await page.goto(callback.href);

      expect(response?.status()).toBe(400);
      expect(await page.locator('h1').innerText()).toBe('Sign-in failed');
      expect(await page.locator('main').innerText()).toMatch(/state/);
      expect((await context.cookies(app.url)).some((cookie) => cookie.name === 'nudge_session')).toBe(false);
    } finally {
      await context.close();
    }
  });

  it('whose ID token the provider signed for another client (audience) is refused, and no session is set', async () => {
    const { context, page } = await freshContext();
    try {
      // Control: the same rewrite-and-sign path with the claims unchanged signs in.
      app.provider.tamperIdToken = (claims) => ({ ...claims });
      const control = await page.goto((await heldCallback(page, context)).href);
      expect(control?.url().startsWith(`${app.url}/auth/callback`)).toBe(false);
      expect((await context.cookies(app.url)).some((cookie) => cookie.name === 'nudge_session')).toBe(true);

      // A validly signed ID token from the right issuer, for another audience.
      const callback = await heldCallback(page, context, true);
      app.provider.tamperIdToken = (claims) => ({ ...claims, aud: 'another-app' });
      const response = await page.goto(callback.href);

      expect(response?.status()).toBe(400);
      expect(await page.locator('h1').innerText()).toBe('Sign-in failed');
      expect(await page.locator('main').innerText()).toMatch(/aud/);
      expect((await context.cookies(app.url)).some((cookie) => cookie.name === 'nudge_session')).toBe(false);
    } finally {
      app.provider.tamperIdToken = undefined;
      await context.close();
    }
  });

  it('whose ID token carries another nonce than this sign-in sent is refused', async () => {
    const { context, page } = await freshContext();
    try {
      const callback = await heldCallback(page, context);
      const login = (await context.cookies()).find((cookie) => cookie.name === 'nudge_sign_in');
      if (login === undefined) throw new Error('no sign-in cookie');
      // The same transaction (state, PKCE verifier) re-signed with the right key but another nonce:
      // only the ID token's nonce check can catch it.
      const claims = decodeJwt(login.value);
      const swapped = await new SignJWT({ ...claims, nonce: 'another-nonce' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode(app.sessionSecret));
      await context.addCookies([{ ...login, value: swapped }]);

      const response = await page.goto(callback.href);

      expect(response?.status()).toBe(400);
      expect(await page.locator('main').innerText()).toMatch(/nonce/);
      expect((await context.cookies(app.url)).some((cookie) => cookie.name === 'nudge_session')).toBe(false);
      await page.screenshot({ path: join(ARTIFACTS, 'sign-in-refused-callback.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});

describe('a signed-in editor', () => {
  it('posting from another origin (CSRF) is refused and nothing is audited; from the console it works', async () => {
    const attacker = await startAttackerPage(`${app.url}/drafts`);
    const { context, page } = await freshContext();
    try {
      await signIn(page, TEST_ACCOUNTS.editor);
      const before = (await auditActions()).filter((line) => line.includes('POST /drafts')).length;

      const [forged] = await Promise.all([
        page.waitForResponse((res) => res.url() === `${app.url}/drafts`),
        page.goto(attacker.url),
      ]);
      const afterForgery = (await auditActions()).filter((line) => line.includes('POST /drafts')).length;
      await page.goto(`${app.url}/`);
      await Promise.all([page.waitForURL(`${app.url}/?saved=draft`), page.click('#draft')]);

      expect(forged.status()).toBe(403);
      expect(afterForgery).toBe(before);
      expect(
        (await auditActions()).filter((line) => line.includes('Ed Editor|editor|POST /drafts')).length,
      ).toBe(before + 1);
    } finally {
      await context.close();
      await attacker.stop();
    }
  });

  it('sees writes in the audit page, then signs out of the console and the provider', async () => {
    const { context, page } = await freshContext();
    try {
      await signIn(page, TEST_ACCOUNTS.editor);
      await page.goto(`${app.url}/audit`);
      const trail = await page.locator('table.audit-trail').innerText();
      expect(trail).toContain('Ed Editor');
      expect(trail).toContain('POST /drafts');
      await page.screenshot({ path: join(ARTIFACTS, 'audit-trail.png'), fullPage: true });

      await page.goto(`${app.url}/`);
      await page.click('#sign-out');
      await page.waitForURL((url) => url.href.startsWith(`${app.provider.issuer}/session/end`));
      await Promise.all([
        page.waitForURL(`${app.url}/auth/signed-out`),
        page.click('button[name="logout"][value="yes"]'),
      ]);

      expect(await page.locator('h1').innerText()).toBe('Signed out');
      expect((await context.cookies(app.url)).some((cookie) => cookie.name === 'nudge_session')).toBe(false);
      expect((await page.request.get(`${app.url}/api/things`)).status()).toBe(401);
      await page.goto(`${app.url}/`);
      // The provider's session ended too: its login form asks again.
      expect(await page.locator('input[name="login"]').count()).toBe(1);
    } finally {
      await context.close();
    }
  });
});

/** Another origin on loopback whose page posts a form to `target` as soon as it loads. */
async function startAttackerPage(target: string): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><form id="f" method="post" action="${target}"><input name="x" value="1"></form><script>document.getElementById('f').submit()</script>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
