import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../../functions/core/messages/render-message.ts';
import { buildTemplateCatalog } from '../../../functions/core/messages/template-catalog.ts';

const STOCKHOLM = 'Europe/Stockholm';
const NEW_YORK = 'America/New_York';

interface Probe {
  locale: string;
  timeZone: string;
  channel?: 'sms' | 'email';
  data?: Record<string, unknown>;
}

/**
 * Renders one Liquid expression as the whole body of a template in the probe's locale, and returns
 * the text (or throws with the failure, so a broken expectation shows why).
 */
function render(expression: string, { locale, timeZone, channel = 'sms', data = {} }: Probe): string {
  const body = `{{ ${expression} }}`;
  const file = channel === 'sms' ? body : `subject: probe\n--- text\n${body}`;
  const { catalog, issues } = buildTemplateCatalog({ [`probe/${locale}.${channel}.liquid`]: file });
  expect(issues).toEqual([]);
  const result = renderMessage(catalog, {
    template: 'probe',
    channel,
    locale,
    defaultLocale: locale,
    timeZone,
    data,
  });
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  return result.text;
}

/** Renders and expects a failure; returns it. */
function renderFailure(expression: string, probe: Probe) {
  const { catalog } = buildTemplateCatalog({ [`probe/${probe.locale}.sms.liquid`]: `{{ ${expression} }}` });
  const result = renderMessage(catalog, {
    template: 'probe',
    channel: 'sms',
    locale: probe.locale,
    defaultLocale: probe.locale,
    timeZone: probe.timeZone,
    data: probe.data ?? {},
  });
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

// 13:20 UTC on a Monday in November: 14:20 in Stockholm (CET), 08:20 in New York (EST).
const INSTANT = "'2026-11-23T13:20:00Z'";

describe('date filters', () => {
  it.each([
    ['sv', STOCKHOLM, '23 november 2026', '14:20', '23 november 2026 kl. 14:20', 'måndag'],
    ['sv', NEW_YORK, '23 november 2026', '08:20', '23 november 2026 kl. 08:20', 'måndag'],
    ['da', STOCKHOLM, '23. november 2026', '14.20', '23. november 2026 kl. 14.20', 'mandag'],
    ['da', NEW_YORK, '23. november 2026', '08.20', '23. november 2026 kl. 08.20', 'mandag'],
    ['en', STOCKHOLM, 'November 23, 2026', '2:20 PM', 'November 23, 2026 at 2:20 PM', 'Monday'],
    ['en', NEW_YORK, 'November 23, 2026', '8:20 AM', 'November 23, 2026 at 8:20 AM', 'Monday'],
    ['en-GB', STOCKHOLM, '23 November 2026', '14:20', '23 November 2026 at 14:20', 'Monday'],
  ])('formats an instant in %s for %s', (locale, timeZone, date, time, dateTime, weekday) => {
    // Arrange
    const probe = { locale, timeZone };
    // Act + Assert
    expect(render(`${INSTANT} | local_date`, probe)).toBe(date);
    expect(render(`${INSTANT} | local_time`, probe)).toBe(time);
    expect(render(`${INSTANT} | local_datetime`, probe)).toBe(dateTime);
    expect(render(`${INSTANT} | weekday`, probe)).toBe(weekday);
  });

  it('shows an instant near midnight UTC on different days in each zone', () => {
    // 03:30 UTC Monday 7 December: 04:30 Monday in Stockholm, 22:30 Sunday 6 December in New York.
    const instant = "'2026-12-07T03:30:00Z'";
    expect(render(`${instant} | local_datetime`, { locale: 'sv', timeZone: STOCKHOLM })).toBe(
      '7 december 2026 kl. 04:30',
    );
    expect(render(`${instant} | local_datetime`, { locale: 'sv', timeZone: NEW_YORK })).toBe(
      '6 december 2026 kl. 22:30',
    );
    expect(render(`${instant} | weekday`, { locale: 'en', timeZone: NEW_YORK })).toBe('Sunday');
  });

  it('never shifts a date-only value: it is a calendar date, the same in every zone', () => {
    for (const timeZone of [STOCKHOLM, NEW_YORK, 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      expect(render("'2026-12-07' | local_date", { locale: 'sv', timeZone })).toBe('7 december 2026');
      expect(render("'2026-12-07' | weekday", { locale: 'da', timeZone })).toBe('mandag');
    }
  });

  it('reads a date-time without an offset as wall-clock time in the customer zone', () => {
    expect(render("'2026-12-07T10:00' | local_time", { locale: 'sv', timeZone: NEW_YORK })).toBe('10:00');
  });

  it.each([
    // Stockholm springs forward at 01:00 UTC on 29 March 2026: 02:00 CET becomes 03:00 CEST.
    ['2026-03-29T00:59:00Z', STOCKHOLM, '01:59'],
    ['2026-03-29T01:00:00Z', STOCKHOLM, '03:00'],
    // Stockholm falls back at 01:00 UTC on 25 October 2026: 02:30 happens twice.
    ['2026-10-25T00:30:00Z', STOCKHOLM, '02:30'],
    ['2026-10-25T01:30:00Z', STOCKHOLM, '02:30'],
    ['2026-10-25T02:30:00Z', STOCKHOLM, '03:30'],
    // New York springs forward at 07:00 UTC on 8 March 2026 and falls back at 06:00 UTC on 1 November.
    ['2026-03-08T06:59:00Z', NEW_YORK, '01:59'],
    ['2026-03-08T07:00:00Z', NEW_YORK, '03:00'],
    ['2026-11-01T05:30:00Z', NEW_YORK, '01:30'],
    ['2026-11-01T06:30:00Z', NEW_YORK, '01:30'],
    // Between the US and EU switches the two zones are 5 hours apart, not 6.
    ['2026-03-20T12:00:00Z', STOCKHOLM, '13:00'],
    ['2026-03-20T12:00:00Z', NEW_YORK, '08:00'],
  ])('shows %s as %s local time %s across a DST boundary', (instant, timeZone, expected) => {
    expect(render(`'${instant}' | local_time`, { locale: 'sv', timeZone })).toBe(expected);
  });

  it('converts an instant given with an offset into the customer zone', () => {
    expect(render("'2026-11-23T14:20:00+01:00' | local_time", { locale: 'en-GB', timeZone: NEW_YORK })).toBe(
      '08:20',
    );
  });

  it.each([
    ['short', '2026-11-23'],
    ['medium', '23 nov. 2026'],
    ['long', '23 november 2026'],
    ['full', 'måndag 23 november 2026'],
  ])("takes the date style '%s'", (style, expected) => {
    expect(render(`${INSTANT} | local_date: '${style}'`, { locale: 'sv', timeZone: STOCKHOLM })).toBe(
      expected,
    );
  });

  it('reads dates from the data, as events carry them', () => {
    const data = { detail: { renewalDate: '2026-12-07', sendAt: '2026-12-01T07:00:00Z' } };
    const probe = { locale: 'sv', timeZone: STOCKHOLM, data };
    expect(render('detail.renewalDate | local_date', probe)).toBe('7 december 2026');
    expect(render('detail.sendAt | local_time', probe)).toBe('08:00');
  });

  it("applies the customer's zone and locale to the built-in date filter too", () => {
    expect(render(`${INSTANT} | date: '%H:%M'`, { locale: 'sv', timeZone: STOCKHOLM })).toBe('14:20');
    expect(render(`${INSTANT} | date: '%H:%M'`, { locale: 'sv', timeZone: NEW_YORK })).toBe('08:20');
  });

  it.each([
    ["'not a date' | local_date", "local_date: invalid date 'not a date'"],
    ["'2026-02-30' | local_date", "local_date: invalid date '2026-02-30'"],
    ["'2026-12-07' | local_time", "local_time: '2026-12-07' is a calendar date without a time of day"],
    ["'2026-12-07' | local_datetime", 'calendar date without a time of day'],
    ['12345 | weekday', 'weekday: expected an ISO 8601 date or date-time, got 12345'],
    [
      `${INSTANT} | local_date: 'huge'`,
      "local_date: style must be one of short, medium, long, full, got 'huge'",
    ],
  ])('fails `%s` as an invalid value naming template and value', (expression, message) => {
    const failure = renderFailure(expression, { locale: 'sv', timeZone: STOCKHOLM });
    expect(failure.reason).toBe('invalid-value');
    expect(failure.detail).toContain('templates/probe/sv.sms.liquid: ');
    expect(failure.detail).toContain(message);
    expect(failure.line).toBe(1);
  });
});

describe('money and number', () => {
  it.each([
    ['sv', 'SEK', '1\u00a0234,50\u00a0kr'],
    ['da', 'DKK', '1.234,50\u00a0kr.'],
    ['en', 'USD', '$1,234.50'],
    ['en', 'SEK', 'SEK\u00a01,234.50'],
  ])('formats money in %s %s for email with Intl spacing', (locale, currency, expected) => {
    const probe = { locale, timeZone: STOCKHOLM, channel: 'email' as const, data: { amount: 1234.5 } };
    expect(render(`amount | money: '${currency}'`, probe)).toBe(expected);
  });

  it('keeps SMS money in GSM-7: no-break spaces and the minus sign become plain ASCII', () => {
    const probe = { locale: 'sv', timeZone: STOCKHOLM, data: { amount: '-1234.50' } };
    expect(render("amount | money: 'SEK'", probe)).toBe('-1 234,50 kr');
  });

  it('accepts decimal strings, which events use to avoid float drift', () => {
    const probe = { locale: 'sv', timeZone: NEW_YORK, data: { detail: { amount: '1234.50' } } };
    expect(render("detail.amount | money: 'SEK'", probe)).toBe('1 234,50 kr');
  });

  it.each([
    ['sv', '1 234 567,891'],
    ['da', '1.234.567,891'],
    ['en', '1,234,567.891'],
  ])('groups numbers per locale in %s', (locale, expected) => {
    expect(render('n | number', { locale, timeZone: NEW_YORK, data: { n: 1234567.891 } })).toBe(expected);
  });

  it('fixes the number of decimals when asked', () => {
    expect(render('n | number: 2', { locale: 'en', timeZone: STOCKHOLM, data: { n: 1234.5 } })).toBe(
      '1,234.50',
    );
    expect(render('n | number: 0', { locale: 'sv', timeZone: STOCKHOLM, data: { n: 1234.5 } })).toBe('1 235');
  });

  it.each([
    ["amount | money: 'SEK'", { amount: 'abc' }, "money: expected a number, got 'abc'"],
    ["amount | money: 'SEK'", { amount: null }, 'money: expected a number, got null'],
    ['amount | money', { amount: 1 }, 'money: currency must be a 3-letter ISO 4217 code, got undefined'],
    [
      "amount | money: 'kronor'",
      { amount: 1 },
      "money: currency must be a 3-letter ISO 4217 code, got 'kronor'",
    ],
    ["amount | number: 'two'", { amount: 1 }, "number: decimals must be an integer from 0 to 20, got 'two'"],
  ])('fails `%s` with %j as an invalid value', (expression, data, message) => {
    const failure = renderFailure(expression, { locale: 'sv', timeZone: STOCKHOLM, data });
    expect(failure.reason).toBe('invalid-value');
    expect(failure.detail).toBe(`templates/probe/sv.sms.liquid: ${message}`);
  });
});

describe('duration', () => {
  it.each([
    ['sv', 'PT4H', '4 timmar'],
    ['sv', 'P1D', '1 dygn'],
    ['sv', 'PT30M', '30 minuter'],
    ['da', 'PT4H', '4 timer'],
    ['da', 'P1D', '1 dag'],
    ['da', 'PT30M', '30 minutter'],
    ['en', 'PT4H', '4 hours'],
    ['en', 'P1D', '1 day'],
    ['en', 'PT30M', '30 minutes'],
    ['en', 'PT1H30M', '1 hour and 30 minutes'],
    ['sv', 'PT1H30M', '1 timme och 30 minuter'],
    ['en', 'PT1H0M', '1 hour'],
    ['en', 'PT0S', '0 seconds'],
  ])('says %s %s as %j', (locale, iso, expected) => {
    for (const timeZone of [STOCKHOLM, NEW_YORK]) {
      expect(render(`'${iso}' | duration`, { locale, timeZone })).toBe(expected);
    }
  });

  it('fails an invalid duration as an invalid value', () => {
    const failure = renderFailure("'four hours' | duration", { locale: 'en', timeZone: STOCKHOLM });
    expect(failure).toMatchObject({
      reason: 'invalid-value',
      detail: "templates/probe/en.sms.liquid: duration: invalid ISO 8601 duration 'four hours'",
    });
  });
});
