// The rule author's loop, "explain every suppression": a fixture payment-failed rule (SMS within
// an hour in business hours, in Swedish, cancelled by PaymentSucceeded) run through the real
// `nudge simulate` and `nudge preview`. Every held-back message names its reason AND the detail
// the engine recorded, in both output formats; preview renders with the rule's `vars`.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateCommand } from '../../../cli/commands/simulate.command.ts';

const run = promisify(execFile);

const RULE = `id: payment-failed
description: Tell the customer within an hour, in business hours, that a payment failed.
on:
  source: [acme.billing]
  detail-type: [PaymentFailed]
send:
  after: PT30M
window:
  hours: "08:00-17:00"
  days: [mon, tue, wed, thu, fri]
  outside: defer
cancel:
  on:
    - source: [acme.billing]
      detail-type: [PaymentSucceeded]
  key: detail.paymentId
dedupe:
  key: "{{ detail.paymentId }}"
channels: [sms, email]
template: payment-failed
vars:
  helpline: 010-100 00 00
`;

const TEMPLATES: Record<string, string> = {
  'sv.sms.liquid':
    'Hej {{ customer.firstName }}! Betalningen på {{ detail.amount }} kr ({{ detail.paymentId }}) gick inte igenom. Frågor? Ring {{ vars.helpline }}.\n',
  'en.sms.liquid':
    'Hi {{ customer.firstName }}, the payment of {{ detail.amount }} ({{ detail.paymentId }}) failed. Questions? Call {{ vars.helpline }}.\n',
  'sv.email.liquid':
    'subject: Betalningen gick inte igenom\n--- text\nHej {{ customer.firstName }}, {{ detail.amount }} kr ({{ detail.paymentId }}).\n',
  'en.email.liquid':
    'subject: Your payment failed\n--- text\nHi {{ customer.firstName }}, {{ detail.amount }} ({{ detail.paymentId }}).\n',
};

function billingEvent(id: string, type: string, time: string, detail: Record<string, unknown>) {
  return {
    version: '0',
    id,
    'detail-type': type,
    source: 'acme.billing',
    account: '111122223333',
    time,
    region: 'eu-north-1',
    resources: [],
    detail,
  };
}

// Monday 23 November 2026, 10:00 in Stockholm: inside the rule's window.
const EVENTS = [
  billingEvent('ev-1', 'PaymentFailed', '2026-11-23T09:00:00Z', {
    paymentId: 'P-1',
    amount: 499,
    customer: { id: 'cust-anna', firstName: 'Anna', phone: '+46701234567', locale: 'sv' },
  }),
  // Opted out of SMS and no email address: no channel left.
  billingEvent('ev-2', 'PaymentFailed', '2026-11-23T09:01:00Z', {
    paymentId: 'P-2',
    amount: 99,
    customer: { id: 'cust-olle', phone: '+46709876543', locale: 'sv', consent: { sms: false } },
  }),
  // Paid ten minutes later: the message is cancelled.
  billingEvent('ev-3', 'PaymentFailed', '2026-11-23T09:02:00Z', {
    paymentId: 'P-3',
    amount: 250,
    customer: { id: 'cust-lars', firstName: 'Lars', phone: '+46701111111', locale: 'sv' },
  }),
  billingEvent('ev-4', 'PaymentSucceeded', '2026-11-23T09:12:00Z', {
    paymentId: 'P-3',
    customer: { id: 'cust-lars' },
  }),
  // The producer left out the amount the template quotes.
  billingEvent('ev-5', 'PaymentFailed', '2026-11-23T09:03:00Z', {
    paymentId: 'P-5',
    customer: { id: 'cust-maja', firstName: 'Maja', phone: '+46702222222', locale: 'sv' },
  }),
  // The same failure published again under another event id.
  billingEvent('ev-6', 'PaymentFailed', '2026-11-23T09:04:00Z', {
    paymentId: 'P-1',
    amount: 499,
    customer: { id: 'cust-anna' },
  }),
];

let dir = '';
const paths = () => ({
  events: join(dir, 'events.jsonl'),
  rules: join(dir, 'rules'),
  templates: join(dir, 'templates'),
  config: join(dir, 'nudge.config.yaml'),
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nudge-payment-failed-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'templates', 'payment-failed'), { recursive: true });
  writeFileSync(join(dir, 'rules', 'payment-failed.yaml'), RULE);
  for (const [name, text] of Object.entries(TEMPLATES))
    writeFileSync(join(dir, 'templates', 'payment-failed', name), text);
  writeFileSync(join(dir, 'nudge.config.yaml'), 'defaults:\n  timeZone: Europe/Stockholm\n  locale: en\n');
  writeFileSync(join(dir, 'events.jsonl'), EVENTS.map((event) => JSON.stringify(event)).join('\n'));
  for (const event of EVENTS) writeFileSync(join(dir, `${event.id}.json`), JSON.stringify(event));
});

interface Line {
  eventId: string;
  customerId: string;
  outcome: string;
  reason: string | null;
  detail: string | null;
}

describe('nudge simulate explains every suppression', () => {
  it('jsonl: each held-back message carries its reason and the detail behind it', async () => {
    const output = await simulateCommand({ ...paths(), format: 'jsonl' });
    expect(output.exitCode).toBe(0);
    const lines: Line[] = output.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const held = lines.filter((line) => line.outcome !== 'sent');
    const byEvent = Object.fromEntries(held.map((line) => [line.eventId, line]));
    expect(Object.keys(byEvent).sort()).toEqual(['ev-2', 'ev-3', 'ev-5', 'ev-6']);
    expect(byEvent['ev-2']).toMatchObject({ outcome: 'suppressed', reason: 'no-usable-channel' });
    expect(byEvent['ev-2']?.detail).toMatch(/sms: .*opted out/);
    expect(byEvent['ev-2']?.detail).toMatch(/email: no address/);
    expect(byEvent['ev-3']).toMatchObject({ outcome: 'cancelled', reason: 'closed-by-event' });
    expect(byEvent['ev-3']?.detail).toContain('PaymentSucceeded ev-4');
    expect(byEvent['ev-5']).toMatchObject({ outcome: 'suppressed', reason: 'template-error' });
    expect(byEvent['ev-5']?.detail).toContain(join('payment-failed', 'sv.sms.liquid'));
    expect(byEvent['ev-5']?.detail).toContain("unknown variable 'detail.amount'");
    expect(byEvent['ev-6']).toMatchObject({ outcome: 'suppressed', reason: 'duplicate' });
    expect(byEvent['ev-6']?.detail).toContain("dedupe key 'P-1'");
    // Nothing held back goes unexplained.
    for (const line of held) expect(line.detail, JSON.stringify(line)).toEqual(expect.any(String));
  });

  it('table: the reason and its detail are printed whole, one row per decision', async () => {
    const output = await simulateCommand({ ...paths(), format: 'table' });
    expect(output.exitCode).toBe(0);
    const row = (customer: string, outcome: string) =>
      output.text.split('\n').find((line) => line.includes(` ${customer} `) && line.includes(` ${outcome} `));
    expect(row('cust-olle', 'suppressed')).toMatch(
      /no-usable-channel: sms: [^;]*opted out; email: no address$/,
    );
    expect(row('cust-lars', 'cancelled')).toMatch(/closed-by-event: PaymentSucceeded ev-4$/);
    expect(row('cust-maja', 'suppressed')).toMatch(
      /template-error: \S*payment-failed\/sv\.sms\.liquid: unknown variable 'detail\.amount'$/,
    );
    expect(row('cust-anna', 'suppressed')).toMatch(/duplicate: dedupe key 'P-1' /);
  });
});

async function preview(event: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const { rules, templates, config } = paths();
  const args = ['bin/nudge.js', 'preview', 'payment-failed', '--event', join(dir, `${event}.json`)];
  args.push('--rules', rules, '--templates', templates, '--config', config);
  try {
    const { stdout, stderr } = await run('node', args, { encoding: 'utf8' });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('nudge preview', () => {
  it("renders with the rule's vars, in the customer's language", async () => {
    const result = await preview('ev-1');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SMS · sv · Europe\/Stockholm · /);
    expect(result.stdout).toContain(
      'Hej Anna! Betalningen på 499 kr (P-1) gick inte igenom. Frågor? Ring 010-100 00 00.',
    );
  });

  it('explains a template that cannot render for this event, with the template file and variable', async () => {
    const result = await preview('ev-5');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^unknown-variable: \S*payment-failed\/sv\.sms\.liquid: unknown variable 'detail\.amount'\n/,
    );
    expect(result.stderr).toContain('held back: suppressed, reason template-error');
  });
});
