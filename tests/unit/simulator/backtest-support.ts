/** Fixture projects and event factories for the backtest tests. */
import { expect } from 'vitest';
import { parseRuleFiles } from '../../../functions/core/rules/parse-rule-files.ts';
import type { DeployedProject } from '../../../functions/handlers/deployed-project.ts';
import { type BacktestInput, runBacktest } from '../../../functions/simulator/backtest.ts';
import { settings } from '../../support/factories.ts';

export const RULES: Record<string, string> = {
  confirm: `
id: confirm
description: an SMS right after a booking, inside office hours (deferred outside)
on: { source: [acme.test], detail-type: [Booked] }
send: immediately
window: { hours: "08:00-18:00", outside: defer }
channels: [sms]
template: confirm
`,
  reminder: `
id: reminder
description: a reminder two hours before the visit, cancelled by a cancellation
on: { source: [acme.test], detail-type: [Booked] }
send: { at: { field: detail.at, offset: -PT2H }, ifPast: skip }
window: always
cancel: { on: [{ source: [acme.test], detail-type: [Cancelled] }], key: detail.ref }
channels: [sms]
template: reminder
`,
  late: `
id: late
description: an apology when the visit is not done 30 minutes after its time
urgent: true
on: { source: [acme.test], detail-type: [Booked] }
expect: { on: [{ source: [acme.test], detail-type: [Done] }], key: detail.ref, by: { field: detail.at, offset: PT30M } }
window: always
channels: [sms]
template: late
`,
  receipt: `
id: receipt
description: an email when the visit is done
on: { source: [acme.test], detail-type: [Done] }
send: immediately
window: always
channels: [email]
template: receipt
`,
};

export const TEMPLATES: Record<string, string> = {
  'confirm/en.sms.liquid': 'Booking {{ detail.ref }} confirmed.',
  'reminder/en.sms.liquid': 'Reminder: {{ detail.ref }} at {{ detail.at | local_time }}.',
  'late/en.sms.liquid': 'Sorry, we are late for {{ detail.ref }}.',
  'receipt/en.email.liquid': 'subject: Receipt {{ detail.ref }}\n--- text\nThanks.\n',
};

/** A project of the given rules and templates, validated as `nudge rules validate` would. */
export function project(
  rules: Record<string, string> = RULES,
  templates: Record<string, string> = TEMPLATES,
): DeployedProject {
  const parsed = parseRuleFiles(Object.entries(rules).map(([id, text]) => ({ file: `${id}.yaml`, text })));
  expect(parsed.issues).toEqual([]);
  return {
    format: 1,
    settings: settings({
      defaults: { timeZone: 'Europe/Stockholm', locale: 'en' },
      cap: { max: 100, per: 'P1D' },
    }),
    rules: parsed.rules.map((loaded) => loaded.rule),
    templates,
  };
}

/** A journey event of type `type` at `time` about booking `ref` (visit at `at`). */
export function event(id: string, type: string, time: string, ref: string, at: string, customer = 'c-1') {
  return {
    version: '0',
    id,
    source: 'acme.test',
    'detail-type': type,
    time,
    detail: {
      ref,
      at,
      customer: {
        id: customer,
        phone: '+46701234567',
        email: `${customer}@example.se`,
        consent: { sms: true, email: true },
      },
    },
  };
}

/** Lines 1, 2, … of the given values. */
export function lines(...values: unknown[]): BacktestInput[] {
  return values.map((value, index) => ({ line: index + 1, value }));
}

export async function* stream<T>(items: ReadonlyArray<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** The same backtest on the lane and on the exact production path (the lane's oracle). */
export async function bothPaths(
  baseline: DeployedProject,
  candidate: DeployedProject,
  inputs: BacktestInput[],
) {
  const lane = await runBacktest({ baseline, candidate, events: stream(inputs) });
  const exact = await runBacktest({ baseline, candidate, events: stream(inputs), path: 'exact' });
  expect(lane.engine.path).toBe('lane');
  return { lane, exact };
}
