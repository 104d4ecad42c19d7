// `nudge preview` renders as the send step would: the customer's locale, else the rule's
// `locale:`, else the configured default. A fixture project of its own (a Swedish-speaking rule,
// an English default) and the real CLI.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let dir = '';

function rule(locale: string | undefined): string {
  return [
    'id: payment-failed',
    'description: Tell the customer a payment failed.',
    'on:',
    '  source: [acme.billing]',
    '  detail-type: [PaymentFailed]',
    'dedupe:',
    '  key: "{{ detail.paymentId }}"',
    'send: immediately',
    'channels: [sms]',
    'template: payment-failed',
    ...(locale === undefined ? [] : [`locale: ${locale}`]),
    '',
  ].join('\n');
}

function event(customer: Record<string, unknown>): string {
  return JSON.stringify({
    version: '0',
    id: 'ev-1',
    'detail-type': 'PaymentFailed',
    source: 'acme.billing',
    account: '111122223333',
    time: '2026-11-23T09:00:00Z',
    region: 'eu-north-1',
    resources: [],
    detail: { paymentId: 'P-1', customer: { id: 'cust-1', phone: '+46701234567', ...customer } },
  });
}

async function preview(ruleLocale: string | undefined, customer: Record<string, unknown>): Promise<string> {
  writeFileSync(join(dir, 'rules', 'payment-failed.yaml'), rule(ruleLocale));
  writeFileSync(join(dir, 'event.json'), event(customer));
  const args = ['bin/nudge.js', 'preview', 'payment-failed', '--event', join(dir, 'event.json')];
  const options = ['--rules', join(dir, 'rules'), '--templates', join(dir, 'templates')];
  const config = ['--config', join(dir, 'nudge.config.yaml')];
  const { stdout } = await run('node', [...args, ...options, ...config], { encoding: 'utf8' });
  return stdout;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nudge-preview-locale-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'templates', 'payment-failed'), { recursive: true });
  writeFileSync(join(dir, 'templates', 'payment-failed', 'sv.sms.liquid'), 'Betalningen gick inte igenom.\n');
  writeFileSync(join(dir, 'templates', 'payment-failed', 'en.sms.liquid'), 'Your payment failed.\n');
  writeFileSync(join(dir, 'nudge.config.yaml'), 'defaults:\n  timeZone: Europe/Stockholm\n  locale: en\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nudge preview and a rule that says its language', () => {
  it("renders in the rule's locale for a customer without one", async () => {
    const out = await preview('sv', {});
    expect(out).toContain('Betalningen gick inte igenom.');
    expect(out).toMatch(/^SMS · sv · /);
  });

  it("keeps the customer's own locale first", async () => {
    const out = await preview('sv', { locale: 'en' });
    expect(out).toContain('Your payment failed.');
  });

  it('falls back to the configured default when the rule says nothing', async () => {
    const out = await preview(undefined, {});
    expect(out).toContain('Your payment failed.');
  });
});
