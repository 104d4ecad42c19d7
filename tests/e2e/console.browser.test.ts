// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright locators, not DOM nodes; the rendered text a user reads is what this test checks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aMessage, type ConsoleHarness, startConsoleHarness } from '../support/fake-console-backend.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

/** Debian's Chromium, installed by the project's script when missing; never a browser download. */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  try {
    execFileSync('bash', [join(ROOT, 'scripts', 'ensure-chromium.sh')], { stdio: 'pipe', timeout: 300_000 });
  } catch (error) {
    const stderr =
      typeof error === 'object' && error !== null && 'stderr' in error && Buffer.isBuffer(error.stderr)
        ? error.stderr.toString('utf8').trim()
        : String(error);
    throw new Error(`cannot run the browser test: ${stderr}`);
  }
}

let harness: ConsoleHarness;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  ensureChromium();
  harness = await startConsoleHarness((backend) => {
    // An email whose template tries to script the console: the sandbox must keep it inert.
    backend.messages.push(
      aMessage({
        messageId: 'msg-email',
        ruleId: 'email-received',
        customerId: 'cust-emily',
        trigger: {
          id: 'ev-em-1',
          source: 'acme.contact-centre',
          detailType: 'EmailReceived',
          time: '2026-11-24T07:59:58Z',
          detail: { customer: { id: 'cust-emily', firstName: 'Emily', timeZone: 'America/New_York' } },
        },
        createdAt: '2026-11-24T07:59:59Z',
        sendAt: '2026-11-24T07:59:59Z',
        sentAt: '2026-11-24T08:00:00Z',
        channel: 'email',
        to: 'emily@example.com',
        status: 'sent',
        rendered: {
          channel: 'email',
          subject: 'We got your email',
          text: 'Hi Emily, expect an answer within 4 hours.',
          html: '<h1 id="mail-heading">Hi Emily</h1><p>Expect an answer within 4 hours.</p><script>alert("email script ran")</script><img src="x" onerror="alert(\'email onerror ran\')">',
        },
      }),
    );
  });
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
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  // Fail fast with Playwright's own message rather than at vitest's 30 s test timeout.
  page.setDefaultTimeout(8_000);
  // A slow page load on a busy machine is not what these tests check.
  page.setDefaultNavigationTimeout(30_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.server.stop();
});

describe('console in a browser', () => {
  it('sends a sample from Try it and shows the message in the outbox and the customer timeline', async () => {
    // Arrange
    await page.goto(`${harness.server.url}/try`);
    // Switching samples refills the textarea (the page's own script).
    await page.selectOption('#sample', { label: 'Email received (Emily, New York)' });
    expect(await page.inputValue('#event')).toContain('"ev-sample-em"');
    await page.selectOption('#sample', { label: 'Callback booked (Anna, Stockholm)' });
    expect(await page.inputValue('#event')).toContain('"ev-sample-cb"');

    // Act
    await Promise.all([
      page.waitForURL(/\/try\/report\?event=ev-sample-cb&customer=cust-anna$/),
      page.click('#send-event'),
    ]);

    // Assert: Try it reports what the event did, on the page.
    const report = page.locator('section.try-report[data-state="evaluated"]');
    expect(await report.innerText()).toContain('Rules matched: callback-booked.');
    expect(await report.locator('tr[data-decision="scheduled"]').innerText()).toContain('Hej Anna!');
    await page.goto(`${harness.server.url}/?sent=ev-sample-cb`);

    // Assert: the outbox lists it, masked, with its text and encoding.
    const row = page.locator('tr[data-message-id="msg-fake-1"]');
    await expect.poll(() => row.count()).toBe(1);
    const rowText = await row.innerText();
    expect(rowText).toContain('callback-booked');
    // The open console's user holds every role, privacy included: contact data unmasked.
    expect(rowText).toContain('+46701234567');
    expect(rowText).toContain('Hej Anna!');
    expect(rowText).toContain('GSM-7 · 1 segment');
    expect(await page.locator('.notice').innerText()).toContain('ev-sample-cb');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'console-outbox.png'), fullPage: true });

    // The customer's timeline tells the story in their time zone.
    await page.click('tr[data-message-id="msg-fake-1"] a[href="/customers/cust-anna"]');
    await page.waitForURL(/\/customers\/cust-anna\?tz=/);
    const timeline = await page.locator('ol.timeline').innerText();
    expect(timeline).toContain('CallbackBooked');
    expect(timeline).toContain('Hej Anna!');
    // In the viewer's zone: the page's script put the browser's zone into the address.
    const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(new URL(page.url()).searchParams.get('tz')).toBe(browserZone);
    expect(await page.locator('main').innerText()).toContain(`Times in ${browserZone}`);
  });

  it('picks up a message that arrives later without a reload (auto-refresh)', async () => {
    await page.goto(`${harness.server.url}/`);
    expect(await page.locator('tr[data-message-id="msg-late"]').count()).toBe(0);
    harness.backend.messages.push(aMessage({ messageId: 'msg-late', createdAt: '2026-11-24T09:30:00Z' }));
    await page.locator('tr[data-message-id="msg-late"]').waitFor({ timeout: 5_000 });
  });

  it('replies as the customer with a quick button and shows the reply on the timeline', async () => {
    await page.goto(`${harness.server.url}/try`);
    await page.click('.captured-sms [data-fill-from]');
    expect(await page.inputValue('#from')).toBe('+46701234567');
    await Promise.all([
      page.waitForURL(/\/try\?replied=1$/),
      page.click('button[name="quick"][value="STOPP"]'),
    ]);
    expect(await page.locator('.notice').innerText()).toContain('Reply sent');
    await page.goto(`${harness.server.url}/customers/cust-anna`);
    expect(await page.locator('.reply-body').innerText()).toBe('STOPP');
  });

  it('shows email HTML in a sandboxed frame where its scripts never run', async () => {
    await page.goto(`${harness.server.url}/messages/msg-email`);
    const frame = page.frameLocator('iframe.email');
    expect(await frame.locator('#mail-heading').innerText()).toBe('Hi Emily');
    expect(await page.locator('iframe.email').getAttribute('sandbox')).toBe('');
    expect(await page.locator('.email-text').innerText()).toContain('expect an answer within 4 hours');
    // Give a would-be onerror handler time to fire.
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
