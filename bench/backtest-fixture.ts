/**
 * The backtest benchmark's fixture: a project of its own (an SMS confirmation, a reminder
 * cancelled by a later event, an expectation, an email) and a generator of synthetic journey
 * events written to a JSON Lines file, so the benchmark streams from disk as `nudge backtest` does.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileDeployedProject } from '../functions/handlers/compile-project.ts';
import type { DeployedProject } from '../functions/handlers/deployed-project.ts';

const RULES: Record<string, string> = {
  'bt-confirm': `id: bt-confirm
description: Backtest bench, an SMS right after a booking.
on: { source: [acme.bench], detail-type: [Booked] }
send: immediately
window: always
channels: [sms]
template: bt-confirm
`,
  'bt-reminder': `id: bt-reminder
description: Backtest bench, a reminder two hours before, cancelled by a cancellation.
on: { source: [acme.bench], detail-type: [Booked] }
send:
  at: { field: detail.at, offset: -PT2H }
  ifPast: skip
window: { hours: "08:00-21:00", outside: defer }
cancel:
  on: [{ source: [acme.bench], detail-type: [Cancelled] }]
  key: detail.ref
channels: [sms]
template: bt-reminder
`,
  'bt-late': `id: bt-late
description: Backtest bench, an apology when the visit was not done 30 minutes after its time.
urgent: true
on: { source: [acme.bench], detail-type: [Booked] }
expect:
  on: [{ source: [acme.bench], detail-type: [Done] }]
  key: detail.ref
  by: { field: detail.at, offset: PT30M }
window: always
channels: [sms]
template: bt-late
`,
  'bt-receipt': `id: bt-receipt
description: Backtest bench, an email receipt.
on: { source: [acme.bench], detail-type: [Done] }
send: immediately
window: always
channels: [email]
template: bt-receipt
`,
};

const TEMPLATES: Record<string, [string, string]> = {
  'bt-confirm': ['en.sms.liquid', 'Hi {{ customer.firstName }}, booking {{ detail.ref }} is confirmed.'],
  'bt-reminder': ['en.sms.liquid', 'Reminder: {{ detail.ref }} today at {{ detail.at | local_time }}.'],
  'bt-late': ['en.sms.liquid', 'Sorry, we are late for {{ detail.ref }}.'],
  'bt-receipt': [
    'en.email.liquid',
    'subject: Receipt {{ detail.ref }}\n--- text\nThanks {{ customer.firstName }}.\n',
  ],
};

/** The fixture project, compiled and validated as `nudge backtest` reads a folder. */
export function benchProject(
  change: (rules: Record<string, string>) => void = () => undefined,
): DeployedProject {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-backtest-project-'));
  const rules = { ...RULES };
  change(rules);
  mkdirSync(join(dir, 'rules'));
  for (const [id, text] of Object.entries(rules)) {
    writeFileSync(join(dir, 'rules', `${id}.yaml`), text);
    const [file, body] = TEMPLATES[id] ?? ['en.sms.liquid', ''];
    mkdirSync(join(dir, 'templates', id), { recursive: true });
    writeFileSync(join(dir, 'templates', id, file), body);
  }
  writeFileSync(join(dir, 'nudge.config.yaml'), 'defaults: { locale: en, timeZone: Europe/Stockholm }\n');
  return compileDeployedProject(dir);
}

/** Start of the synthetic stream: a Monday morning. */
const START_MS = Date.parse('2026-11-02T06:00:00.000Z');

/** Events are 2.5 s apart: a million span ~29 days, about what the 30-day archive holds. */
const SPACING_MS = 2_500;

/**
 * Writes `count` synthetic journey events, in time order, {@link SPACING_MS} apart: per booking a
 * `Booked` (the visit 3 h later), then a `Done` (80 %) or a `Cancelled` (20 %); 50,000 customers
 * recur, so per-customer state (profiles, caps) reaches a steady size, and the messages pending
 * at any time are those of the last few hours (reminders deferred overnight included).
 */
export async function writeSyntheticEvents(path: string, count: number): Promise<void> {
  const out = createWriteStream(path, 'utf8');
  for (let i = 0; i < count; i++) {
    const booking = Math.floor(i / 2);
    const closing = i % 2 === 1;
    const time = new Date(START_MS + i * SPACING_MS).toISOString();
    const at = new Date(START_MS + booking * 2 * SPACING_MS + 3 * 3_600_000).toISOString();
    const customer = booking % 50_000;
    const type = !closing ? 'Booked' : booking % 5 === 0 ? 'Cancelled' : 'Done';
    const event = {
      version: '0',
      id: `bt-${i}`,
      'detail-type': type,
      source: 'acme.bench',
      time,
      detail: {
        ref: `R-${booking}`,
        at,
        customer: {
          id: `c-${customer}`,
          firstName: 'Anna',
          phone: `+4670${String(1_000_000 + customer)}`,
          email: `c${customer}@example.se`,
          consent: { sms: true, email: true },
        },
      },
    };
    if (!out.write(`${JSON.stringify(event)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
