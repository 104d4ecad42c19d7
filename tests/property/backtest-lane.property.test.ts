import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compileDeployedProject } from '../../functions/handlers/compile-project.ts';
import type { DeployedProject } from '../../functions/handlers/deployed-project.ts';
import { type BacktestInput, runBacktest } from '../../functions/simulator/backtest.ts';

/** One rule of each kind the lane plans: window drop/defer, at-field, cancel, expect, dedupe, holdout + goal, urgent, fallback. */
const RULES: Record<string, string> = {
  'p-now': `id: p-now
description: At once, inside office hours or dropped.
on: { source: [acme.prop], detail-type: [Booked] }
send: immediately
window: { hours: "09:00-17:00", outside: drop }
channels: [sms, email]
template: p-now
`,
  'p-remind': `id: p-remind
description: Two hours before, deferred into the window, cancelled by a cancellation.
on: { source: [acme.prop], detail-type: [Booked] }
send:
  at: { field: detail.at, offset: -PT2H }
  ifPast: send-now
window: { hours: "08:00-21:00", days: [mon, tue, wed, thu, fri], outside: defer }
cancel:
  on: [{ source: [acme.prop], detail-type: [Cancelled] }]
  key: detail.ref
channels: [sms]
template: p-remind
`,
  'p-late': `id: p-late
description: Sorry when not done 30 minutes after the time.
urgent: true
on: { source: [acme.prop], detail-type: [Booked] }
expect:
  on: [{ source: [acme.prop], detail-type: [Done] }]
  key: detail.ref
  by: { field: detail.at, offset: PT30M }
window: always
channels: [sms]
template: p-late
`,
  'p-receipt': `id: p-receipt
description: Once per ref within a day, with a holdout and a goal.
on: { source: [acme.prop], detail-type: [Done] }
send: { after: PT1H }
dedupe: { key: "{{ detail.ref }}", horizon: P1D }
holdout: 30%
goal: { on: { source: [acme.prop], detail-type: [Paid] }, key: detail.ref, within: P2D }
channels: [email, sms]
template: p-receipt
`,
};

const SMS = 'en.sms.liquid';
const EMAIL = 'en.email.liquid';
const TEMPLATES: Record<string, Array<[string, string]>> = {
  'p-now': [
    [SMS, 'Hi {{ customer.firstName }}, {{ detail.ref }} is booked.'],
    [EMAIL, 'subject: Booked {{ detail.ref }}\n--- text\nHi.\n'],
  ],
  'p-remind': [[SMS, 'Reminder: {{ detail.ref }} at {{ detail.at | local_time }}.']],
  'p-late': [[SMS, 'Sorry, we are late for {{ detail.ref }}.']],
  'p-receipt': [
    [EMAIL, 'subject: Receipt {{ detail.ref }}\n--- text\nThanks.\n'],
    [SMS, 'Receipt {{ detail.ref }}.'],
  ],
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The fixture project; `change` edits rule and template texts before they are written. */
function project(
  cap: string,
  change: (rules: Record<string, string>, templates: Record<string, Array<[string, string]>>) => void = () =>
    undefined,
): DeployedProject {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-lane-prop-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'rules'));
  const rules = { ...RULES };
  const templates = structuredClone(TEMPLATES);
  change(rules, templates);
  for (const [id, text] of Object.entries(rules)) {
    writeFileSync(join(dir, 'rules', `${id}.yaml`), text);
    mkdirSync(join(dir, 'templates', id), { recursive: true });
    for (const [file, body] of templates[id] ?? []) writeFileSync(join(dir, 'templates', id, file), body);
  }
  writeFileSync(
    join(dir, 'nudge.config.yaml'),
    `defaults: { locale: en, timeZone: Europe/Stockholm }\ncap: ${cap}\n`,
  );
  return compileDeployedProject(dir);
}

const START = Date.parse('2026-10-23T05:00:00.000Z'); // the week of the October DST change
const ZONES = ['Europe/Stockholm', 'America/New_York', 'Asia/Kolkata'];

const stepArb = fc.record({
  gapMin: fc.integer({ min: 0, max: 240 }),
  type: fc.constantFrom('Booked', 'Booked', 'Cancelled', 'Cancelled', 'Done', 'Paid', 'Paid', 'Other'),
  customer: fc.integer({ min: 0, max: 3 }),
  ref: fc.integer({ min: 0, max: 4 }),
  atHours: fc.integer({ min: -3, max: 30 }),
  zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
  sms: fc.constantFrom(true, true, undefined, undefined, false),
  phone: fc.constantFrom('+46701234567', '+46709876543', '+12125550123', 'not-a-phone', undefined),
  inline: fc.constantFrom(true, true, true, false),
  withAt: fc.constantFrom(true, true, true, false),
  malformed: fc.integer({ min: 0, max: 30 }),
});

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function journey(steps: ReadonlyArray<Step>): BacktestInput[] {
  let time = START;
  return steps.map((step, i) => {
    time += step.gapMin * 60_000;
    if (step.malformed === 0) return { line: i + 1, error: 'not JSON' };
    const customer = `c-${step.customer}`;
    const detail: Record<string, unknown> = { ref: `R-${step.ref}` };
    if (step.withAt) detail.at = new Date(time + step.atHours * 3_600_000).toISOString();
    if (step.inline) {
      detail.customer = {
        id: customer,
        firstName: 'Ann',
        ...(step.phone === undefined ? {} : { phone: step.phone }),
        email: `${customer}@example.se`,
        ...(step.zone === undefined ? {} : { timeZone: step.zone }),
        ...(step.sms === undefined ? {} : { consent: { sms: step.sms } }),
      };
    } else detail.customerId = customer;
    const value = {
      version: '0',
      id: step.malformed === 1 ? '' : `e-${i}`,
      'detail-type': step.type,
      source: 'acme.prop',
      time: new Date(time).toISOString(),
      detail,
    };
    return { line: i + 1, value };
  });
}

async function* stream(inputs: BacktestInput[]): AsyncGenerator<BacktestInput> {
  for (const input of inputs) yield structuredClone(input);
}

/** The lane and the exact path agree on every count and on the differences, on random journeys. */
async function laneMatchesExact(baseline: DeployedProject, candidate: DeployedProject): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 60 }), async (steps) => {
      const inputs = journey(steps);
      const lane = await runBacktest({ baseline, candidate, events: stream(inputs) });
      const exact = await runBacktest({ baseline, candidate, events: stream(inputs), path: 'exact' });
      expect(lane.engine.path).toBe('lane');
      expect(exact.engine.path).toBe('exact');
      expect(lane.rules).toEqual(exact.rules);
      expect(lane.events).toEqual(exact.events);
      expect(lane.malformed).toEqual(exact.malformed);
      expect([lane.differences.compared, lane.differences.differing]).toEqual([
        exact.differences.compared,
        exact.differences.differing,
      ]);
      // When every difference fits the sample, the differences shown (send times as ISO
      // instants, texts) are the same too, whatever order the two paths found them in.
      if (exact.differences.differing <= exact.differences.sample.length) {
        const byId = (a: { messageId: string }, b: { messageId: string }) =>
          a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
        expect([...lane.differences.sample].sort(byId)).toEqual([...exact.differences.sample].sort(byId));
      }
    }),
    { numRuns: 40 },
  );
}

describe('the backtest lane', () => {
  it('counts per rule what the exact production path counts, on random journeys', async () => {
    await laneMatchesExact(project('{ max: 2, per: PT12H }'), project('{ max: 1, per: P1D }'));
  }, 240_000);

  it('counts the same with rules unchanged between the sides (planned once for both), the cap telling them apart', async () => {
    // Same settings: p-remind and p-receipt are the same on both sides (twins). The baseline sends
    // p-now at any hour, the candidate only 10:00-12:00, and p-late is reworded: the sides' cap
    // ledgers (one message a day) differ and decide the twins' sends differently.
    const baseline = project('{ max: 1, per: P1D }', (rules) => {
      rules['p-now'] = (rules['p-now'] ?? '').replace('{ hours: "09:00-17:00", outside: drop }', 'always');
    });
    const candidate = project('{ max: 1, per: P1D }', (rules, templates) => {
      rules['p-now'] = (rules['p-now'] ?? '').replace('09:00-17:00', '10:00-12:00');
      templates['p-late'] = [[SMS, 'We are running late for {{ detail.ref }}, sorry.']];
    });
    await laneMatchesExact(baseline, candidate);
  }, 240_000);
});
