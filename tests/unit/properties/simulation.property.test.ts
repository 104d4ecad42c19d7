import fc from 'fast-check';
import { DateTime, Duration } from 'luxon';
import { describe, expect, it } from 'vitest';
import { buildTemplateCatalog } from '../../../functions/core/messages/index.ts';
import { parseRuleFiles } from '../../../functions/core/rules/parse-rule-files.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { runSimulation, type SimulationInput } from '../../../functions/simulator/run-simulation.ts';
import { settings } from '../../support/factories.ts';

const RULES = `
id: reminder
description: reminder before a date, cancelled by Closed
on: { source: [acme.p], detail-type: [Opened] }
send: { at: { field: detail.dueAt, offset: -PT6H }, ifPast: skip }
window: { hours: "08:00-20:00", outside: defer }
cancel: { on: [{ source: [acme.p], detail-type: [Closed] }], key: detail.caseId }
channels: [sms, email]
template: t
---
id: followup
description: follow-up after a closing event
on: { source: [acme.p], detail-type: [Closed] }
send: { after: PT1H }
channels: [sms, email]
template: t
---
id: alert
description: urgent, bypasses the cap
urgent: true
on: { source: [acme.p], detail-type: [Alert] }
send: immediately
window: always
channels: [sms]
template: t
`;

const TEMPLATES = {
  't/en.sms.liquid': 'Hi {{ customer.firstName }} {{ rule.id }}',
  't/en.email.liquid': 'subject: {{ rule.id }}\n--- text\nHi {{ customer.firstName }}\n',
};

const ZONES = ['Europe/Stockholm', 'America/New_York', 'Asia/Tokyo'];
const START = DateTime.fromISO('2026-03-20T00:00:00Z').toMillis(); // spans the March DST changes

const customerArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  hasPhone: fc.boolean(),
  hasEmail: fc.boolean(),
});

/** One step of a journey: an event type for a customer and case, at a minute offset. */
const stepArb = fc.record({
  customer: fc.integer({ min: 0, max: 3 }),
  caseNo: fc.integer({ min: 0, max: 4 }),
  kind: fc.constantFrom('Opened', 'Opened', 'Closed', 'Alert', 'OptOut', 'OptIn'),
  minute: fc.integer({ min: 0, max: 14 * 24 * 60 }),
  dueInHours: fc.integer({ min: -12, max: 96 }),
});

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function toEvents(
  customers: ReadonlyArray<{ zone: string; hasPhone: boolean; hasEmail: boolean }>,
  steps: ReadonlyArray<Step>,
) {
  return steps.map((step, index): SimulationInput => {
    const c = customers[step.customer % customers.length] ?? { zone: 'UTC', hasPhone: true, hasEmail: true };
    const time = DateTime.fromMillis(START + step.minute * 60_000, { zone: 'utc' });
    const optOut = step.kind === 'OptOut' ? false : step.kind === 'OptIn' ? true : undefined;
    const customer = {
      id: `c${step.customer}`,
      firstName: 'Kim',
      timeZone: c.zone,
      ...(c.hasPhone ? { phone: `+4670123456${step.customer}` } : {}),
      ...(c.hasEmail ? { email: `c${step.customer}@example.com` } : {}),
      ...(optOut === undefined ? {} : { consent: { sms: optOut } }),
    };
    return {
      line: index + 1,
      value: {
        id: `e${index}`,
        source: 'acme.p',
        'detail-type': step.kind === 'OptOut' || step.kind === 'OptIn' ? 'ProfileChanged' : step.kind,
        time: time.toISO(),
        detail: {
          caseId: `c${step.customer}-case${step.caseNo}`,
          dueAt: time.plus({ hours: step.dueInHours }).toISO(),
          customer,
        },
      },
    };
  });
}

describe('simulated journeys (property)', () => {
  const rules = parseRuleFiles([{ file: 'rules.yaml', text: RULES }]);
  const catalog = buildTemplateCatalog(TEMPLATES);
  const engine = settings({
    defaults: { timeZone: 'Europe/Stockholm', locale: 'en' },
    cap: { max: 2, per: 'PT12H' },
  });

  it('the test fixtures themselves are valid', () => {
    expect(rules.issues).toEqual([]);
    expect(catalog.issues).toEqual([]);
  });

  it('never exceeds the cap, never sends outside the window, after opt-out, or after a cancel', async () => {
    const ruleSet = compileRuleSet(rules.rules.map((loaded) => loaded.rule));
    await fc.assert(
      fc.asyncProperty(
        fc.array(customerArb, { minLength: 4, maxLength: 4 }),
        fc.array(stepArb, { minLength: 1, maxLength: 60 }),
        async (customers, steps) => {
          const events = toEvents(customers, steps);
          const lines = await runSimulation({
            rules: ruleSet,
            settings: engine,
            catalog: catalog.catalog,
            events,
          });
          const sent = lines.filter((line) => line.outcome === 'sent');
          const byTime = [...events].flatMap((input) => ('value' in input ? [input.value] : []));

          for (const line of sent) {
            const at = DateTime.fromISO(line.time, { zone: 'utc' });
            const customerIndex = Number(line.customerId?.slice(1));
            const zone = customers[customerIndex]?.zone ?? 'UTC';
            // Cap: a non-urgent send went out only if fewer than 2 messages (any rule) went to this
            // customer in the 12 h before it.
            if (line.ruleId !== 'alert') {
              const since = at.minus(Duration.fromISO('PT12H'));
              const before = sent.filter(
                (other) =>
                  other !== line &&
                  other.customerId === line.customerId &&
                  DateTime.fromISO(other.time) >= since &&
                  DateTime.fromISO(other.time) < at,
              );
              expect(before.length).toBeLessThan(2);
              const local = at.setZone(zone);
              const minute = local.hour * 60 + local.minute;
              if (line.ruleId === 'reminder' || line.ruleId === 'followup') {
                expect(minute >= 8 * 60 && minute < 20 * 60).toBe(true);
              }
            }
            // Opt-out: the latest consent statement for SMS at or before the send must not be a withdrawal.
            if (line.channel === 'sms') {
              const statements = byTime
                .filter((value) => isConsentFor(value, line.customerId) && eventTime(value) <= at.toMillis())
                .sort((a, b) => eventTime(a) - eventTime(b));
              const last = statements[statements.length - 1];
              if (last !== undefined) expect(consentOf(last)).not.toBe(false);
            }
            // Cancel: no reminder goes out after a Closed event for its case has been seen.
            if (line.ruleId === 'reminder') {
              const trigger = byTime.find((value) => Reflect.get(Object(value), 'id') === line.eventId);
              const caseId = Reflect.get(Object(Reflect.get(Object(trigger), 'detail')), 'caseId');
              const closedBefore = byTime.some(
                (value) =>
                  Reflect.get(Object(value), 'detail-type') === 'Closed' &&
                  Reflect.get(Object(Reflect.get(Object(value), 'detail')), 'caseId') === caseId &&
                  eventTime(value) >= eventTime(trigger) &&
                  eventTime(value) <= at.toMillis(),
              );
              expect(closedBefore).toBe(false);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

function eventTime(value: unknown): number {
  return DateTime.fromISO(String(Reflect.get(Object(value), 'time'))).toMillis();
}

function consentOf(value: unknown): unknown {
  const customer = Reflect.get(Object(Reflect.get(Object(value), 'detail')), 'customer');
  return Reflect.get(Object(Reflect.get(Object(customer), 'consent')), 'sms');
}

function isConsentFor(value: unknown, customerId: string | null): boolean {
  const customer = Reflect.get(Object(Reflect.get(Object(value), 'detail')), 'customer');
  return Reflect.get(Object(customer), 'id') === customerId && consentOf(value) !== undefined;
}
