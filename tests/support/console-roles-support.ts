/**
 * The rig of the per-role console test (tests/e2e/console-roles.browser.test.ts): a fixture
 * project, the real local runtime (`npm start`'s, on DynamoDB Local) with `--auth oidc` against
 * the loopback OIDC provider (oidc-provider-server.ts) holding one user per role, Debian
 * Chromium, and the test's own DynamoDB client to read items back by key.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { SignJWT } from 'jose';
import type { DateTime } from 'luxon';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';
import { type OidcProviderServer, startOidcProvider, type TestAccount } from './oidc-provider-server.ts';

/** One user per role; the groups are named like the roles (the console's default group map). */
export const ROLE_USERS = {
  viewer: { login: 'vera', name: 'Vera Viewer', email: 'vera@staff.example', groups: ['viewer'] },
  editor: { login: 'ed', name: 'Ed Editor', email: 'ed@staff.example', groups: ['editor', 'sales'] },
  publisher: { login: 'paula', name: 'Paula Publisher', email: 'paula@staff.example', groups: ['publisher'] },
  privacy: { login: 'priya', name: 'Priya Privacy', email: 'priya@staff.example', groups: ['privacy'] },
} as const satisfies Record<string, TestAccount>;

/** The fixture project: a reminder two hours after a booking (pending), and an immediate thank-you. */
const FILES: Readonly<Record<string, string>> = {
  'nudge.config.yaml': 'defaults:\n  locale: en\n  timeZone: Europe/Stockholm\n',
  'rules/booking-followup.yaml': `id: booking-followup
description: Follow up two hours after a booking.
on:
  source: [acme.bookings]
  detail-type: [Booked]
send: { after: PT2H }
window: always
channels: [sms]
template: booking-followup
dedupe:
  key: "{{ detail.bookingId }}"
`,
  'templates/booking-followup/en.sms.liquid': 'How was booking {{ detail.bookingId }}?\n',
  'rules/order-thanks.yaml': `id: order-thanks
description: Thank the customer for an order.
on:
  source: [acme.orders]
  detail-type: [OrderPlaced]
send: immediately
window: always
channels: [sms]
template: order-thanks
dedupe:
  key: "{{ detail.orderId }}"
`,
  'templates/order-thanks/en.sms.liquid': 'Thanks for order {{ detail.orderId }}.\n',
};

/** Everything the test drives. */
export interface RolesRig {
  runtime: LocalRuntime;
  provider: OidcProviderServer;
  /** The console's session secret (the test forges an expired session with it). */
  sessionSecret: string;
  browser: Browser;
  /** The test's own client on the runtime's DynamoDB. */
  ddb: DynamoDBClient;
  stop(): Promise<void>;
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** A free loopback port (the provider must know the console's callback before the console starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Writes the project, starts the provider, the runtime with OIDC sign-in, and Chromium. */
export async function startRolesRig(start: DateTime): Promise<RolesRig> {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-roles-'));
  mkdirSync(join(dir, 'examples', 'events'), { recursive: true });
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const port = await freePort();
  const consoleUrl = `http://127.0.0.1:${port}`;
  const provider = await startOidcProvider({
    redirectUrl: `${consoleUrl}/auth/callback`,
    postLogoutRedirectUrl: `${consoleUrl}/auth/signed-out`,
    accounts: Object.values(ROLE_USERS),
  });
  const sessionSecret = randomBytes(32).toString('base64url');
  const runtime = await startLocalRuntime({
    projectDir: dir,
    dynamodb: 'dynamodb-local',
    log: () => undefined,
    demo: false,
    watch: false,
    speed: 0,
    clockStart: start,
    ports: { console: port, events: 0 },
    consoleAuth: {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      sessionSecret,
      groupsClaim: 'groups',
    },
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const ddb = new DynamoDBClient(dynamoDbLocalClientConfig(runtime.urls.dynamodb));
  return {
    runtime,
    provider,
    sessionSecret,
    browser,
    ddb,
    async stop() {
      await browser.close();
      ddb.destroy();
      await runtime.stop();
      await provider.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser profile (no cookies); only loopback is reachable. */
export async function freshContext(rig: RolesRig): Promise<{ context: BrowserContext; page: Page }> {
  const context = await rig.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  // A slow page load on a busy machine is not what these tests check.
  page.setDefaultNavigationTimeout(30_000);
  return { context, page };
}

/** Opens a console page and signs in through the provider's own login form (code flow + PKCE). */
export async function signIn(
  rig: RolesRig,
  page: Page,
  account: TestAccount,
  path = '/rules',
): Promise<void> {
  const consoleUrl = rig.runtime.urls.console;
  await page.goto(`${consoleUrl}${path}`);
  await page.waitForURL((url) => url.href.startsWith(rig.provider.issuer));
  await page.fill('input[name="login"]', account.login);
  await page.fill('input[name="password"]', 'any password');
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(consoleUrl)),
    page.click('button[type="submit"]'),
  ]);
}

/** A same-origin request from the page (its cookies, its Origin): the status and the body. */
export async function call(
  page: Page,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(path, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
      });
      return { status: response.status, text: await response.text() };
    },
    { method, path, body },
  );
}

/** The message item read back by its key with the test's own client (undefined when gone). */
export async function messageItem(
  rig: RolesRig,
  messageId: string,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await rig.ddb.send(
    new GetItemCommand({
      TableName: rig.runtime.tableName,
      Key: { PK: { S: `MSG#${messageId}` }, SK: { S: 'MSG' } },
      ConsistentRead: true,
    }),
  );
  return Item === undefined ? undefined : unmarshall(Item);
}

/** A session cookie as the console writes one (claims per the session format), signed with `secret`. */
export async function sessionCookie(
  secret: string,
  roles: string[],
  expiresInSeconds: number,
): Promise<string> {
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

/** An event for `customerId` with `phone` on it. */
export function bookingEvent(runtime: LocalRuntime, customerId: string, phone: string, bookingId: string) {
  return envelope(runtime, 'acme.bookings', 'Booked', {
    bookingId,
    customer: { id: customerId, phone, locale: 'en', timeZone: 'Europe/Stockholm' },
  });
}

/** An order for `customerId` with `phone` on it. */
export function orderEvent(runtime: LocalRuntime, customerId: string, phone: string, orderId: string) {
  return envelope(runtime, 'acme.orders', 'OrderPlaced', {
    orderId,
    customer: { id: customerId, phone, locale: 'en', timeZone: 'Europe/Stockholm' },
  });
}

function envelope(
  runtime: LocalRuntime,
  source: string,
  detailType: string,
  detail: Record<string, unknown>,
) {
  return {
    version: '0',
    id: `ev-${randomBytes(6).toString('hex')}`,
    source,
    'detail-type': detailType,
    time: runtime.clock.now().minus({ minutes: 1 }).toISO(),
    detail,
  };
}
