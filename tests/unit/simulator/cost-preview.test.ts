import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../functions/simulator/backtest.ts';
import { costPreview, type PriceTable, readPriceTable } from '../../../functions/simulator/cost-preview.ts';
import { event, lines, project, RULES, stream, TEMPLATES } from './backtest-support.ts';

const SHIPPED = readPriceTable(join(import.meta.dirname, '../../../pricing/sms-prices.yaml'));

const PRICES: PriceTable = {
  currency: 'USD',
  checked: '2026-12-05',
  sms: { SE: { price: 0.05, source: 'test' }, US: { price: 0.01, source: 'test' } },
  email: { price: 0.001, source: 'test' },
  aws: { perMessage: 0.00002, perEvent: 0.000001, source: 'test' },
};

/** A GSM-7 text of 200 characters: two segments (153 each when split). */
const TWO_SEGMENTS = `Booking {{ detail.ref }} confirmed. ${'x'.repeat(200 - 'Booking R-1 confirmed. '.length)}`;

function booked(id: string, phone: string, minutes: number) {
  const value = event(
    id,
    'Booked',
    new Date(Date.parse('2026-11-24T08:00:00Z') + minutes * 60_000).toISOString(),
    `R-${id}`,
    '2026-11-30T12:00:00.000Z',
    id,
  );
  value.detail.customer.phone = phone;
  return value;
}

describe('costPreview', () => {
  it('prices a 2-segment SMS to Sweden at twice the table’s SE price (segments counted by the SMS encoder)', async () => {
    const { confirm } = RULES;
    const fixture = project(
      { confirm: confirm ?? '' },
      { ...TEMPLATES, 'confirm/en.sms.liquid': TWO_SEGMENTS },
    );

    const report = await runBacktest({
      baseline: fixture,
      candidate: fixture,
      events: stream(lines(booked('1', '+46701234567', 0))),
    });
    const preview = costPreview(report, SHIPPED);

    const sePrice = SHIPPED.sms.SE?.price ?? Number.NaN;
    expect(report.rules[0]?.candidate?.sms).toEqual({ SE: { messages: 1, segments: 2 } });
    expect(preview.rules[0]?.candidate?.sms).toBeCloseTo(2 * sePrice, 10);
    expect(preview.rules[0]?.candidate?.aws).toBeCloseTo(SHIPPED.aws.perMessage, 12);
  });

  it('adds SMS by country, emails and AWS per rule and in total, and projects a 30-day month', async () => {
    const { confirm, receipt } = RULES;
    const fixture = project({ confirm: confirm ?? '', receipt: receipt ?? '' });
    const done = event('d-1', 'Done', '2026-11-26T08:00:00.000Z', 'R-1', '2026-11-25T12:00:00.000Z', 'c-9');
    const events = lines(
      booked('1', '+46701234567', 0),
      booked('2', '+46701234568', 1),
      booked('3', '+12025550123', 2),
      booked('4', '+4915112345678', 3), // Germany: no price in the table
      done, // two days after the first event: the window is 2 days
    );

    const report = await runBacktest({ baseline: fixture, candidate: fixture, events: stream(events) });
    const preview = costPreview(report, PRICES);

    // confirm: 2 SE + 1 US + 1 DE one-segment SMS; receipt: 1 email; 5 events archived.
    const confirmCost = preview.rules.find((row) => row.ruleId === 'confirm')?.candidate;
    expect(confirmCost).toEqual({
      sms: expect.closeTo(2 * 0.05 + 0.01, 10),
      email: 0,
      aws: expect.closeTo(4 * 0.00002, 12),
      total: expect.closeTo(0.11 + 4 * 0.00002, 10),
      unpricedSegments: 1,
    });
    expect(preview.total.candidate.total).toBeCloseTo(0.11 + 0.001 + 5 * 0.00002 + 5 * 0.000001, 10);
    expect(preview.windowDays).toBeCloseTo(2, 10);
    expect(preview.monthFactor).toBeCloseTo(15, 10);
  });

  it('refuses a price table with a clear, located message', () => {
    expect(() => readPriceTable(join(import.meta.dirname, '../../../package.json'))).toThrow(
      /is not a valid price table: currency/,
    );
  });
});
