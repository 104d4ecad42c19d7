// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright locators, not DOM nodes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// The console of the real local runtime (DynamoDB Local, sandboxes, engine) in Debian's Chromium:
// an operations person sends a sample event from the form and follows it to the customer.
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'tests', 'artifacts');

let runtime: LocalRuntime;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    execFileSync('bash', ['scripts/ensure-chromium.sh'], { stdio: 'inherit', timeout: 300_000 });
  runtime = await startLocalRuntime({
    projectDir: process.cwd(),
    demo: false,
    watch: false,
    ports: { console: 0, events: 0 },
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
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  // A slow page load on a busy machine is not what these tests check.
  page.setDefaultNavigationTimeout(30_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe('the local console, live', () => {
  it('sends a sample event from the form; the SMS appears in the outbox and on the customer timeline', async () => {
    await page.goto(`${runtime.urls.console}/try`);
    await page.selectOption('#sample', { label: 'callback: CallbackBooked' });
    expect(await page.inputValue('#event')).toContain('"CallbackBooked"');

    await Promise.all([page.waitForURL(/\/try\/report\?event=/), page.click('#send-event')]);
    await runtime.settle();
    await page.reload();
    // Try it reports on the page what the event did: the rule that planned the confirmation.
    const report = page.locator('section.try-report[data-state="evaluated"]');
    await report.waitFor();
    expect(await report.innerText()).toMatch(/Rules matched: [^.]*callback-booked/);
    expect(
      await report.locator('tr[data-decision="scheduled"]', { hasText: 'callback-booked' }).count(),
    ).toBe(1);
    const screenshots = join(process.cwd(), 'test-results', 'screenshots');
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'try-report.png'), fullPage: true });

    await page.goto(`${runtime.urls.console}/`);

    const row = page.locator('tr[data-message-id]', { hasText: 'callback-booked' });
    await expect.poll(() => row.count()).toBeGreaterThan(0);
    const text = await row.first().innerText();
    expect(text).toContain('Hej Anna!');
    // The open local console's user holds every role, privacy included: contact data unmasked.
    expect(text).toContain('+46701234567');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'runtime-outbox.png'), fullPage: true });

    await page.goto(`${runtime.urls.console}/customers/cust-anna`);
    const timeline = await page.locator('ol.timeline').innerText();
    expect(timeline).toContain('CallbackBooked');
    expect(timeline).toContain('Hej Anna!');
    expect(timeline).toContain('delivered');
    await page.screenshot({ path: join(ARTIFACTS, 'runtime-timeline.png'), fullPage: true });

    await page.goto(`${runtime.urls.console}/rules`);
    expect(await page.locator('main').innerText()).toContain('callback-late'); // its apology is planned
  }, 120_000);

  it('an event no rule matched is on the timeline too, said so in words, times with UTC on hover', async () => {
    await page.goto(`${runtime.urls.console}/try`);
    const quiet = {
      id: 'ev-browser-quiet',
      source: 'acme.marketing',
      'detail-type': 'NewsletterOpened',
      detail: { customer: { id: 'cust-anna' } },
    };
    await page.fill('#event', JSON.stringify(quiet));
    await Promise.all([page.waitForURL(/\/try\/report\?event=/), page.click('#send-event')]);
    await runtime.settle();
    await page.reload();
    const report = page.locator('section.try-report[data-state="evaluated"]');
    await report.waitFor();
    expect(await report.innerText()).toContain('No message was planned or closed.');

    await page.goto(`${runtime.urls.console}/customers/cust-anna?tz=Europe/Stockholm`);
    const rows = page.locator('ol.timeline > li[data-kind="event"]');
    const unmatched = rows.filter({ hasText: 'NewsletterOpened' });
    const matched = rows.filter({ hasText: 'CallbackBooked' });
    expect(await unmatched.innerText()).toContain('no rule matched');
    expect(await matched.locator('[data-decision="scheduled"]').count()).toBeGreaterThan(0);
    // The sample's callback time (24 Nov 2026) is past: the apology's reason `late`, in words.
    expect(await matched.locator('[data-reason="late"]').innerText()).toBe(
      'The planned time had passed; sent at once',
    );
    // Newest first: the unmatched event came last, so it is above the booked callback.
    const order = await rows.evaluateAll((items) => items.map((item) => item.textContent ?? ''));
    expect(order.findIndex((text) => text.includes('NewsletterOpened'))).toBeLessThan(
      order.findIndex((text) => text.includes('CallbackBooked')),
    );
    const title = await unmatched.locator('time').first().getAttribute('title');
    const shown = await unmatched.locator('time').first().innerText();
    expect(title).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    expect(shown).toMatch(/ (CET|CEST)$/);
    const screenshots = join(process.cwd(), 'test-results', 'screenshots');
    await page.screenshot({ path: join(screenshots, 'customer-timeline.png'), fullPage: true });
  });
});
