// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright locators, not DOM nodes; the rendered text a user reads is what this test checks.
/**
 * The console per role, in a real browser (Debian Chromium) against `npm start`'s runtime on
 * DynamoDB Local with `--auth oidc` sign-in at a real OIDC provider on loopback (authorization
 * code + PKCE, groups claim). Each role signs in through the provider's login form, does what it
 * may on the pages, and is refused what it may not; the store is read back by key with the
 * test's own DynamoDB client, the sent text from the Twilio sandbox. Then sign-out, a forged and
 * an expired session cookie. Screenshots: test-results/screenshots/<page>-<role>.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bookingEvent,
  call,
  freshContext,
  messageItem,
  orderEvent,
  ROLE_USERS,
  type RolesRig,
  sessionCookie,
  signIn,
  startRolesRig,
} from '../support/console-roles-support.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const START = DateTime.fromISO('2026-12-07T10:00:00Z', { zone: 'utc' });
const TEMPLATE = 'templates/order-thanks/en.sms.liquid';

// The customers the test puts in, each with a phone number only the event carries.
const ANNA = { id: 'cust-anna', phone: '+46701112233' };
const PAT = { id: 'cust-pat', phone: '+46709998877' };
const SAM = { id: 'cust-sam', phone: '+46704445566' };

/** A phone as the console masks it for people without contact access: the first 4 and last 2 kept. */
const maskedForm = (phone: string) => new RegExp(`\\${phone.slice(0, 4)}\\*+${phone.slice(-2)}`);

let rig: RolesRig;
let annaPending = '';
let patPending = '';
let samPending = '';

async function shot(page: Page, name: string, role: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}-${role}.png`), fullPage: true });
}

/** Each test signs in as `role` in a fresh browser profile, and closes it after. */
async function as(
  role: keyof typeof ROLE_USERS,
  body: (page: Page, context: BrowserContext) => Promise<void>,
) {
  const { context, page } = await freshContext(rig);
  try {
    await signIn(rig, page, ROLE_USERS[role]);
    await body(page, context);
  } finally {
    await context.close();
  }
}

/** The scheduled send of `customerId` (the runtime's own list, then each record by id). */
async function pendingId(customerId: string): Promise<string> {
  for (const { messageId } of rig.runtime.pendingSends()) {
    const record = await rig.runtime.stores.messages.getMessage(messageId);
    if (record?.customerId === customerId) return messageId;
  }
  throw new Error(`no pending send for ${customerId}`);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  rig = await startRolesRig(START);
  for (const [customer, booking] of [
    [ANNA, 'B-1'],
    [PAT, 'B-2'],
    [SAM, 'B-3'],
  ] as const) {
    await rig.runtime.evaluate(bookingEvent(rig.runtime, customer.id, customer.phone, booking));
  }
  await rig.runtime.evaluate(orderEvent(rig.runtime, PAT.id, PAT.phone, 'O-1'));
  await rig.runtime.settle();
  annaPending = await pendingId(ANNA.id);
  patPending = await pendingId(PAT.id);
  samPending = await pendingId(SAM.id);
}, 180_000);

afterAll(async () => {
  await rig?.stop();
});

describe('the console per role (OIDC sign-in, local runtime on DynamoDB Local)', () => {
  it('viewer: reads rules, timeline, pending and stats with contacts masked; a cancel is refused and changes nothing', async () => {
    await as('viewer', async (page) => {
      const console = rig.runtime.urls.console;
      const texts: string[] = [];
      for (const [name, path] of [
        ['rules', '/rules'],
        ['customer', `/customers/${ANNA.id}`],
        ['pending', '/pending'],
        ['effect', '/rules/booking-followup/effect'],
        ['try', '/try'],
      ] as const) {
        const response = await page.goto(`${console}${path}`);
        expect(response?.status(), path).toBe(200);
        texts.push(await page.locator('body').innerText());
        await shot(page, name, 'viewer');
      }
      const stats = await call(page, 'GET', '/api/rules/booking-followup/stats');
      const [, customerText = ''] = texts;

      expect(stats.status).toBe(200);
      expect(texts.join('\n')).not.toContain(ANNA.phone);
      expect((await page.content()).includes(ANNA.phone)).toBe(false);
      expect(customerText).toMatch(maskedForm(ANNA.phone));
      expect(texts[2]).toContain(annaPending);

      // The pages offer a viewer no Cancel button (the editor's test presses it), and the API refuses.
      for (const path of ['/pending', `/messages/${annaPending}`]) {
        await page.goto(`${console}${path}`);
        expect(await page.locator('button', { hasText: /^Cancel/ }).count(), path).toBe(0);
      }
      const refused = await call(page, 'POST', `/api/messages/${annaPending}/cancel`);
      expect(refused.status).toBe(403);
      expect((await messageItem(rig, annaPending))?.status).toBe('scheduled');
      // No privacy card for a viewer, and the page's erase route refuses them.
      expect(customerText).not.toContain('Privacy requests');
      const erase = await call(page, 'POST', `/customers/${ANNA.id}/erase`);
      expect(erase.status).toBe(403);
      expect((await messageItem(rig, annaPending))?.status).toBe('scheduled');
    });
  }, 120_000);

  it('editor: cancels a pending send from the pending page (audited with their id); publishing is refused', async () => {
    await as('editor', async (page) => {
      const console = rig.runtime.urls.console;
      const activeBefore = (await rig.runtime.stores.ruleSets.active())?.version;
      await page.goto(`${console}/pending`);
      await shot(page, 'pending', 'editor');
      await Promise.all([
        page.waitForURL((url) => !url.pathname.endsWith('/cancel')),
        page.click(`tr[data-message-id="${annaPending}"] button[type="submit"]`),
      ]);
      await page.goto(`${console}/audit`);
      const row = page.locator('tr[data-audit-action="POST /messages/:id/cancel"]').first();
      await shot(page, 'audit', 'editor');

      expect((await messageItem(rig, annaPending))?.status).toBe('cancelled');
      expect(await row.locator('td').nth(1).getAttribute('title')).toBe(ROLE_USERS.editor.login);
      expect(await row.innerText()).toContain(annaPending);

      const publish = await call(page, 'POST', '/api/rule-sets/publish', { message: 'sneaky' });
      expect(publish.status).toBe(403);
      expect((await rig.runtime.stores.ruleSets.active())?.version).toBe(activeBefore);
    });
  }, 120_000);

  it("editor: the Try it report and reply form mask the contact data the editor's own event carried", async () => {
    const lee = { id: 'lee@example.se', phone: '+46706667788' };
    await as('editor', async (page) => {
      const console = rig.runtime.urls.console;
      await page.goto(`${console}/try`);
      await page.fill('#event', JSON.stringify(orderEvent(rig.runtime, lee.id, lee.phone, 'O-9')));
      await Promise.all([page.waitForURL(/\/try\/report\?/), page.click('#send-event')]);
      await rig.runtime.settle();
      await page.reload();
      await page.locator('section.try-report[data-state="evaluated"]').waitFor();
      await shot(page, 'try-report', 'editor');
      const report = { text: await page.locator('main').innerText(), html: await page.content() };
      await page.goto(`${console}/try`);
      await page.fill('#from', lee.phone);
      await Promise.all([
        page.waitForURL(/\/try\/replies$/),
        page.click('form[action="/try/replies"] button[type="submit"]:not([name])'),
      ]);
      await shot(page, 'try-reply', 'editor');

      expect(report.text).toContain('order-thanks');
      for (const contact of [lee.id, lee.phone]) {
        expect(report.html).not.toContain(contact);
        expect(await page.content()).not.toContain(contact);
      }
      expect(await page.locator('#from').inputValue()).toMatch(maskedForm(lee.phone));
      expect(await page.locator('[role="alert"]').innerText()).toContain('`body` is required');
    });
  }, 120_000);

  it('publisher: edits a template, runs the gate, publishes; history says who; the next event uses the new text', async () => {
    await as('publisher', async (page) => {
      const console = rig.runtime.urls.console;
      await page.goto(`${console}/rules/order-thanks/edit`);
      await page
        .locator(`textarea[data-file="${TEMPLATE}"]`)
        .fill('Order {{ detail.orderId }} is on its way!');
      await expect.poll(() => page.locator('#validity').innerText(), { timeout: 10_000 }).toContain('Valid');
      await shot(page, 'rule-editor', 'publisher');
      await page.fill('#days', '1');
      page.setDefaultTimeout(60_000);
      await Promise.all([page.waitForURL(/\/rules\/gate$/), page.click('#open-gate')]);
      await shot(page, 'rule-gate', 'publisher');
      await page.fill('#publish-message', 'friendlier thanks');
      await Promise.all([page.waitForURL(/\/rules\/versions\?published=\d+$/), page.click('#publish')]);
      await shot(page, 'rule-versions', 'publisher');
      const history = await call(page, 'GET', '/api/rule-sets/versions');

      expect(history.status).toBe(200);
      const moves = (JSON.parse(history.text) as { history: Array<{ by: string; message: string }> }).history;
      expect(moves.find((move) => move.message === 'friendlier thanks')?.by).toBe(ROLE_USERS.publisher.login);
    });
    await rig.runtime.evaluate(orderEvent(rig.runtime, 'cust-otto', '+46705550001', 'O-77'));
    await rig.runtime.settle();
    const sms = rig.runtime.twilio.messages().find((message) => message.body.includes('O-77'));
    expect(sms?.body).toBe('Order O-77 is on its way!');
  }, 180_000);

  it('privacy: sees the contact unmasked, exports the customer, erases them: timeline empty, message gone by key', async () => {
    await as('privacy', async (page) => {
      const console = rig.runtime.urls.console;
      await page.goto(`${console}/customers/${PAT.id}`);
      await shot(page, 'customer', 'privacy');
      expect(await page.locator('body').innerText()).toContain(PAT.phone);

      // The page's download link: the export as a file.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#privacy a[download]'),
      ]);
      const exported = readFileSync(await download.path(), 'utf8');
      expect(JSON.stringify(JSON.parse(exported))).toContain(PAT.phone);
      expect(exported).toContain(patPending);
      expect((await messageItem(rig, patPending))?.status).toBe('scheduled');

      // The erase form wants the id typed again: a wrong one erases nothing.
      await page.fill('#privacy input[name="confirm"]', 'someone-else');
      await page.click('#privacy button[type="submit"]');
      expect(await page.locator('body').innerText()).toContain('Nothing was erased');
      expect((await messageItem(rig, patPending))?.status).toBe('scheduled');

      await page.goto(`${console}/customers/${PAT.id}`);
      await page.fill('#privacy input[name="confirm"]', PAT.id);
      await page.click('#privacy button[type="submit"]');
      const erasedText = await page.locator('body').innerText();
      await shot(page, 'customer-erase-done', 'privacy');
      expect(erasedText).toContain(`${PAT.id} erased`);
      expect(erasedText).toMatch(/Messages: \d+ \(1 still scheduled/);
      const timeline = await call(page, 'GET', `/api/customers/${PAT.id}/timeline`);
      await page.goto(`${console}/customers/${PAT.id}`);
      await shot(page, 'customer-erased', 'privacy');

      expect(await messageItem(rig, patPending)).toBeUndefined();
      // Nothing left on the timeline: no profile and no entry, so there is no such customer.
      expect(timeline.status).toBe(404);
      expect(JSON.parse(timeline.text)).toEqual({
        error: { code: 'not-found', message: `no customer with id ${PAT.id}` },
      });
      expect(await page.locator('body').innerText()).not.toContain(PAT.phone);
      // The export (a read that discloses a person) and the erase are in the audit, by this user.
      const audit = JSON.parse((await call(page, 'GET', '/api/audit')).text) as {
        entries: Array<{ action: string; target?: string; actor: { sub: string; name: string } }>;
      };
      const mine = audit.entries
        .filter((entry) => entry.target === PAT.id)
        .map((entry) => [entry.action, entry.actor.name]);
      expect(mine).toEqual(
        expect.arrayContaining([
          ['GET /customers/:id/export', ROLE_USERS.privacy.name],
          ['POST /customers/:id/erase', ROLE_USERS.privacy.name],
        ]),
      );
    });
  }, 120_000);
});

describe('sessions', () => {
  it('sign-out clears the session: the next page goes to sign-in', async () => {
    await as('viewer', async (page, context) => {
      const console = rig.runtime.urls.console;
      await page.goto(`${console}/auth/logout`);
      await page.click('button[type="submit"]');
      await page.waitForURL((url) => url.href.startsWith(`${rig.provider.issuer}/session/end`));
      await Promise.all([
        page.waitForURL(`${console}/auth/signed-out`),
        page.click('button[name="logout"][value="yes"]'),
      ]);
      await shot(page, 'signed-out', 'viewer');

      expect((await context.cookies(console)).some((cookie) => cookie.name === 'nudge_session')).toBe(false);
      await page.goto(`${console}/pending`);
      expect(page.url().startsWith(rig.provider.issuer)).toBe(true);
    });
  }, 60_000);

  it('a forged cookie (one byte changed) and an expired one are refused and change nothing', async () => {
    const before = rig.runtime.twilio.messages().length;
    const signedIn = await freshContext(rig);
    await signIn(rig, signedIn.page, ROLE_USERS.editor);
    const real = (await signedIn.context.cookies(rig.runtime.urls.console)).find(
      (c) => c.name === 'nudge_session',
    );
    await signedIn.context.close();
    if (real === undefined) throw new Error('no session cookie after sign-in');
    const flipped = real.value.slice(0, -3) + (real.value.at(-3) === 'A' ? 'B' : 'A') + real.value.slice(-2);
    const expired = await sessionCookie(rig.sessionSecret, ['publisher', 'editor'], -60);
    const bookingBefore = (await messageItem(rig, samPending))?.status;
    expect(bookingBefore).toBe('scheduled');

    for (const [what, value] of [
      ['forged', flipped],
      ['expired', expired],
    ] as const) {
      const { context, page } = await freshContext(rig);
      try {
        await context.addCookies([{ ...real, value }]);
        const api = await page.request.post(`${rig.runtime.urls.console}/api/messages/${samPending}/cancel`, {
          headers: { origin: rig.runtime.urls.console },
        });
        await page.goto(`${rig.runtime.urls.console}/pending`);

        expect(api.status(), what).toBe(401);
        expect(page.url().startsWith(rig.provider.issuer), what).toBe(true);
      } finally {
        await context.close();
      }
    }
    expect((await messageItem(rig, samPending))?.status).toBe(bookingBefore);
    expect(rig.runtime.twilio.messages().length).toBe(before);
  }, 60_000);
});
