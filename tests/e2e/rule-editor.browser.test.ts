// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright locators, not DOM nodes; the rendered text a user reads is what this test checks.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// The rule editor in a real browser against `npm start`'s runtime on DynamoDB Local (no sign-in:
// the local console is open on 127.0.0.1; per-role sign-in has its own test). Type an error, see
// the CLI's located message next to the field, fix it, see the preview, go through the gate,
// publish, and the next event's message carries the new text and version.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(ROOT, 'test-results', 'screenshots');
const START = DateTime.fromISO('2026-12-07T10:00:00Z', { zone: 'utc' });
const TEMPLATE = 'templates/order-thanks/en.sms.liquid';

const RULE = `id: order-thanks
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
`;

let dir: string;
let runtime: LocalRuntime;
let browser: Browser;
let page: Page;
let eventCount = 0;

function orderPlaced(orderId: string) {
  eventCount++;
  return {
    version: '0',
    id: `ev-${orderId}-${eventCount}`,
    source: 'acme.orders',
    'detail-type': 'OrderPlaced',
    time: runtime.clock.now().minus({ minutes: 1 }).toISO(),
    detail: {
      orderId,
      customer: { id: `cust-${orderId}`, phone: '+46701234500', locale: 'en', timeZone: 'Europe/Stockholm' },
    },
  };
}

async function sentFor(orderId: string) {
  const [record] = (await runtime.stores.queries.customerTimeline(`cust-${orderId}`, 10)).messages;
  const sms = runtime.twilio.messages().find((message) => message.body.includes(orderId));
  return { body: sms?.body, ruleSetVersion: record?.ruleSetVersion };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nudge-editor-'));
  const files: Record<string, string> = {
    'rules/order-thanks.yaml': RULE,
    [TEMPLATE]: 'Thanks for order {{ detail.orderId }}.\n',
    'nudge.config.yaml': 'defaults:\n  locale: en\n  timeZone: Europe/Stockholm\n',
  };
  mkdirSync(join(dir, 'examples', 'events'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  runtime = await startLocalRuntime({
    projectDir: dir,
    log: () => undefined,
    demo: false,
    watch: false,
    speed: 0,
    clockStart: START,
    ports: { console: 0, events: 0 },
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
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
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('rule editor in a browser (local runtime, DynamoDB Local)', () => {
  it('validates as you type, previews, publishes through the gate, and the next event uses the new text', async () => {
    // Arrange: one message under version 1 (it also puts a matching event in the archive).
    await runtime.evaluate(orderPlaced('O-1'));
    await runtime.settle();
    expect(await sentFor('O-1')).toEqual({ body: 'Thanks for order O-1.', ruleSetVersion: 1 });

    // Act 1: an unknown variable in the template → the CLI's located message next to it.
    await page.goto(`${runtime.urls.console}/rules/order-thanks/edit`);
    const template = page.locator(`textarea[data-file="${TEMPLATE}"]`);
    await template.fill('We got order {{ detail.orderId }}, {{ custmer.firstName }}!');
    const issue = page.locator('#issues-template-0 li');
    await expect.poll(() => issue.count(), { timeout: 8_000 }).toBeGreaterThan(0);
    expect(await issue.first().innerText()).toMatch(
      /^templates\/order-thanks\/en\.sms\.liquid:1:\d+ .*custmer/,
    );
    await page.screenshot({ path: join(SHOTS, 'rule-editor-error.png'), fullPage: true });

    // Act 2: fixed → valid, and the preview renders the archived event with its segments.
    await template.fill('We got order {{ detail.orderId }}!');
    await expect.poll(() => page.locator('#validity').innerText(), { timeout: 8_000 }).toContain('Valid');
    // The page previews the active text on load; the edited text's preview replaces it when it lands.
    await expect
      .poll(() => page.locator('#preview .bubble').allInnerTexts(), { timeout: 8_000 })
      .toEqual(['We got order O-1!']);
    expect(await page.locator('#preview .sms-meta').innerText()).toContain('GSM-7 · 1 segment');
    await page.screenshot({ path: join(SHOTS, 'rule-editor.png'), fullPage: true });

    // Act 3: the gate shows the template change and the backtest; publish with a reason.
    // One day of archive: the backtest reads it hour by hour (24 × shards queries).
    await page.fill('#days', '1');
    page.setDefaultTimeout(60_000);
    await Promise.all([page.waitForURL(/\/rules\/gate$/, { timeout: 60_000 }), page.click('#open-gate')]);
    expect(await page.locator('#gate-diff').innerText()).toContain('+ We got order {{ detail.orderId }}!');
    expect(await page.locator('#gate-backtest').innerText()).toMatch(/1 events replayed/);
    await page.screenshot({ path: join(SHOTS, 'rule-gate.png'), fullPage: true });
    await page.fill('#publish-message', 'warmer thanks');
    await Promise.all([page.waitForURL(/\/rules\/versions\?published=2$/), page.click('#publish')]);
    expect(await page.locator('#versions-active').innerText()).toBe('2');
    expect(await page.locator('#history tbody tr').first().innerText()).toContain('warmer thanks');
    await page.screenshot({ path: join(SHOTS, 'rule-versions.png'), fullPage: true });

    // Assert: the pointer moved, and the next matching event uses the new text under version 2.
    expect((await runtime.stores.ruleSets.active())?.version).toBe(2);
    await runtime.evaluate(orderPlaced('O-2'));
    await runtime.settle();
    expect(await sentFor('O-2')).toEqual({ body: 'We got order O-2!', ruleSetVersion: 2 });
  }, 120_000);
});
