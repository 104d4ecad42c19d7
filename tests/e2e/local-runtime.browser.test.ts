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

    await Promise.all([page.waitForURL(/\/\?sent=/), page.click('#send-event')]);
    await runtime.settle();
    await page.reload();

    const row = page.locator('tr[data-message-id]', { hasText: 'callback-booked' });
    await expect.poll(() => row.count()).toBeGreaterThan(0);
    const text = await row.first().innerText();
    expect(text).toContain('Hej Anna!');
    expect(text).toContain('+467******67'); // masked in the list
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
  });
});
