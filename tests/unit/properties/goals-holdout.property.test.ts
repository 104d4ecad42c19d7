import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { evaluateEvent } from '../../../functions/app/evaluate-event.ts';
import type { SendScheduler } from '../../../functions/app/ports.ts';
import type { JourneyEvent } from '../../../functions/core/journey-event.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { aCustomer, aRule, settings } from '../../support/factories.ts';

const START = DateTime.fromISO('2026-11-01T08:00:00Z', { zone: 'utc' });
const WITHIN_HOURS = 7 * 24;

const rule = aRule({
  id: 'invoice-reminder',
  on: { source: ['acme.billing'], 'detail-type': ['InvoiceOverdue'] },
  goal: {
    on: { source: ['acme.billing'], 'detail-type': ['PaymentReceived'] },
    key: 'detail.invoiceId',
    within: 'P7D',
  },
  holdout: '50%',
});

function event(id: string, type: string, hour: number, detail: Record<string, unknown>): JourneyEvent {
  return {
    version: '0',
    id,
    'detail-type': type,
    source: 'acme.billing',
    account: '111122223333',
    time: START.plus({ hours: hour }).toISO() ?? '',
    region: 'eu-north-1',
    resources: [],
    detail,
  };
}

/** Overdue invoices (customer, hour) and payments (invoice, hour), some delivered twice. */
const journeyArb = fc.record({
  invoices: fc.array(
    fc.record({
      customer: fc.integer({ min: 0, max: 7 }),
      hour: fc.integer({ min: 0, max: 400 }),
      redeliver: fc.boolean(),
    }),
    { minLength: 1, maxLength: 25 },
  ),
  payments: fc.array(
    fc.record({
      invoice: fc.integer({ min: 0, max: 30 }),
      hour: fc.integer({ min: 0, max: 600 }),
      copies: fc.integer({ min: 1, max: 3 }),
    }),
    { maxLength: 40 },
  ),
  order: fc.integer(),
});

class RecordingScheduler implements SendScheduler {
  readonly scheduled = new Set<string>();
  async schedule(messageId: string): Promise<void> {
    this.scheduled.add(messageId);
  }
  async cancel(): Promise<void> {}
}

describe('goals and holdouts: properties over random journeys', () => {
  it('each decision converts at most once, exactly when a payment falls in its window; holdout is per customer and sends nothing', async () => {
    await fc.assert(
      fc.asyncProperty(journeyArb, async ({ invoices, payments, order }) => {
        // Arrange
        const stores = createMemoryStores();
        const scheduler = new RecordingScheduler();
        let now = START;
        const deps = {
          ...stores,
          scheduler,
          clock: { now: () => now },
          settings: settings(),
          rules: compileRuleSet([rule]),
        };
        const triggers = invoices
          .map((invoice, index) => ({ ...invoice, index }))
          .sort((a, b) => a.hour - b.hour || a.index - b.index);
        const paymentEvents = payments.flatMap((payment, index) =>
          Array.from({ length: payment.copies }, () =>
            event(`pay-${index}`, 'PaymentReceived', payment.hour, { invoiceId: `INV-${payment.invoice}` }),
          ),
        );
        // A fixed shuffle of the goal events (duplicates and late ones included).
        paymentEvents.sort((a, b) => ((a.id.length * 31 + order) % 7) - ((b.id.length * 31 + order) % 7));

        // Act: triggers in time order (each arriving on time, some twice), then every goal event late.
        let conversionsReported = 0;
        for (const trigger of triggers) {
          now = START.plus({ hours: trigger.hour });
          const overdue = event(`inv-${trigger.index}`, 'InvoiceOverdue', trigger.hour, {
            invoiceId: `INV-${trigger.index}`,
            customer: aCustomer({ id: `cust-${trigger.customer}` }),
          });
          await evaluateEvent(overdue, deps);
          if (trigger.redeliver) await evaluateEvent(overdue, deps);
        }
        now = START.plus({ hours: 1000 });
        for (const payment of paymentEvents) {
          conversionsReported += (await evaluateEvent(payment, deps)).converted?.length ?? 0;
        }

        // Assert
        const records = [...stores.messages.records.values()];
        expect(records).toHaveLength(triggers.length);
        const groupOf = new Map<string, string>();
        const expectedConverted = new Set<string>();
        for (const record of records) {
          expect(['scheduled', 'held-out']).toContain(record.status);
          // Stable membership: one group per customer for the rule.
          const seen = groupOf.get(record.customerId);
          expect(seen ?? record.status).toBe(record.status);
          groupOf.set(record.customerId, record.status);
          // Held out: never scheduled, so never sent.
          expect(scheduler.scheduled.has(record.messageId)).toBe(record.status === 'scheduled');
          // The oracle: a payment of this invoice within 7 days after the send time.
          const sentHour = DateTime.fromISO(record.sendAt, { zone: 'utc' }).diff(START, 'hours').hours;
          const invoice = record.trigger.detail.invoiceId;
          if (
            payments.some(
              (p) =>
                `INV-${p.invoice}` === invoice && p.hour >= sentHour && p.hour <= sentHour + WITHIN_HOURS,
            )
          )
            expectedConverted.add(record.messageId);
        }
        const tallies = await stores.goals.tallies('invoice-reminder', '2026-01-01', '2027-12-31');
        const sum = (key: 'decisions' | 'goals') => tallies.reduce((total, tally) => total + tally[key], 0);
        expect(conversionsReported).toBe(expectedConverted.size);
        expect(sum('goals')).toBe(expectedConverted.size);
        expect(sum('decisions')).toBe(records.length);
      }),
      { numRuns: 80 },
    );
  });
});
