import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateCommand } from '../../../cli/commands/simulate.command.ts';

let project: string;

const RULE = `id: invoice-reminder
description: Remind about an overdue invoice
on: { source: [acme.billing], detail-type: [InvoiceOverdue] }
send: immediately
window: always
channels: [sms]
template: invoice-reminder
goal:
  on: { detail-type: [PaymentReceived] }
  key: detail.invoiceId
  within: P7D
`;

const event = (id: string, type: string, time: string, detail: Record<string, unknown>) =>
  JSON.stringify({
    version: '0',
    id,
    'detail-type': type,
    source: 'acme.billing',
    account: '1',
    time,
    region: 'eu-north-1',
    resources: [],
    detail,
  });

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'nudge-sim-goals-'));
  mkdirSync(join(project, 'rules'));
  mkdirSync(join(project, 'templates', 'invoice-reminder'), { recursive: true });
  writeFileSync(join(project, 'rules', 'invoice-reminder.yaml'), RULE);
  writeFileSync(
    join(project, 'templates', 'invoice-reminder', 'en.sms.liquid'),
    'Invoice {{ detail.invoiceId }}\n',
  );
  const customer = (n: number) => ({ id: `c-${n}`, phone: `+4670100000${n}`, locale: 'en' });
  const lines = [
    ...[1, 2, 3, 4].map((n) =>
      event(`inv-${n}`, 'InvoiceOverdue', '2026-11-02T10:00:00Z', {
        invoiceId: `I-${n}`,
        customer: customer(n),
      }),
    ),
    // Paid within 7 days: 1, 2 (twice: the duplicate converts nothing more); 3 too late; 4 never.
    event('pay-1', 'PaymentReceived', '2026-11-03T10:00:00Z', { invoiceId: 'I-1' }),
    event('pay-2', 'PaymentReceived', '2026-11-09T10:00:00Z', { invoiceId: 'I-2' }),
    event('pay-2-again', 'PaymentReceived', '2026-11-09T11:00:00Z', { invoiceId: 'I-2' }),
    event('pay-3', 'PaymentReceived', '2026-11-09T10:00:01Z', { invoiceId: 'I-3' }),
  ];
  writeFileSync(join(project, 'nudge.config.yaml'), 'defaults:\n  locale: en\n');
  writeFileSync(join(project, 'events.jsonl'), `${lines.join('\n')}\n`);
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('nudge simulate: goal rates', () => {
  it('prints each goal rule’s rate in the simulated journey', async () => {
    const output = await simulateCommand({
      events: join(project, 'events.jsonl'),
      rules: join(project, 'rules'),
      templates: join(project, 'templates'),
      config: join(project, 'nudge.config.yaml'),
      format: 'table',
    });

    expect(output.exitCode).toBe(0);
    expect(output.text).toContain(
      'Goal rates (simulated):\ninvoice-reminder goal rate: messaged 2/4 (50.0 %), held out 0/0\n',
    );
  });
});
