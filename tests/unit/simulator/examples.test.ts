import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../../cli/commands/simulate.command.ts';
import type { SimulationLine } from '../../../functions/simulator/run-simulation.ts';

/** Runs the real `nudge simulate` over a shipped example and returns its decisions. */
async function simulate(example: string, extra: { until?: string } = {}): Promise<SimulationLine[]> {
  const output = await simulateCommand({
    events: `examples/events/${example}.jsonl`,
    rules: 'rules',
    templates: 'templates',
    format: 'jsonl',
    ...extra,
  });
  expect(output.exitCode).toBe(0);
  return output.text
    .trim()
    .split('\n')
    .map((line): SimulationLine => JSON.parse(line));
}

const brief = (line: SimulationLine) => [line.ruleId, line.customerId, line.outcome, line.reason];

describe('nudge simulate over the shipped examples', () => {
  it('renewal: reminder at 10:00 local 14 days before, cancelled when renewed, skipped when too late', async () => {
    const lines = await simulate('renewal');
    const anna = lines.find((line) => line.customerId === 'cust-anna' && line.outcome === 'sent');
    expect(anna).toMatchObject({ channel: 'sms', to: '+46701234567', locale: 'sv', encoding: 'GSM-7' });
    expect(anna?.time).toBe('2027-01-01T09:00:00.000Z'); // 10:00 in Stockholm
    expect(anna?.body).toContain('HEM-1001');
    expect(anna?.body).toContain('15 januari 2027');
    expect(lines.filter((line) => line.customerId === 'cust-lars').map(brief)).toEqual([
      ['renewal-reminder', 'cust-lars', 'cancelled', 'closed-by-event'],
    ]);
    expect(lines.filter((line) => line.customerId === 'cust-emily').map(brief)).toEqual([
      ['renewal-reminder', 'cust-emily', 'suppressed', 'planned-time-passed'],
    ]);
    // The republished event for the same policy and date is a duplicate; the redelivered one is nothing at all.
    expect(lines.filter((line) => line.customerId === 'cust-anna').map(brief)).toEqual([
      ['renewal-reminder', 'cust-anna', 'suppressed', 'duplicate'],
      ['renewal-reminder', 'cust-anna', 'sent', null],
    ]);
  });

  it('renewal: malformed lines are rejected with their line number and the run goes on', async () => {
    const rejected = (await simulate('renewal')).filter((line) => line.outcome === 'rejected');
    expect(rejected.map((line) => line.reason)).toEqual([
      expect.stringMatching(/^line 8: not valid JSON/),
      expect.stringMatching(/^line 7: detail-type: /),
    ]);
  });

  it('delivery: apology only when not delivered 2 h after the promise, deferred into the window', async () => {
    const lines = await simulate('delivery');
    const byOrder = (orderId: string) =>
      lines.filter((line) => line.body?.includes(orderId) || line.eventId === orderId);
    expect(lines.map(brief)).toEqual([
      ['delivery-late', 'cust-anna', 'cancelled', 'expectation-met'],
      ['delivery-late', 'cust-lars', 'sent', null],
      ['delivery-late', 'cust-anna', 'sent', null],
    ]);
    expect(lines[1]?.time).toBe('2026-12-01T16:00:00.000Z'); // 15:00 CET promise + 2 h = 17:00 CET
    expect(lines[1]?.locale).toBe('da');
    // O-3 was promised at 19:00; 21:00 is outside 08:00-20:00, so it goes in the first ten minutes
    // after 08:00 the next morning (windowOpening.spread in nudge.config.yaml).
    expect(Date.parse(lines[2]?.time ?? '')).toBeGreaterThanOrEqual(Date.parse('2026-12-02T07:00:00.000Z'));
    expect(Date.parse(lines[2]?.time ?? '')).toBeLessThan(Date.parse('2026-12-02T07:10:00.000Z'));
    expect(byOrder('O-3').length).toBe(1);
  });

  it('callback: confirmation at once in the customer zone; apology only for the missed call', async () => {
    const lines = await simulate('callback');
    expect(lines.map(brief)).toEqual([
      ['callback-booked', 'cust-anna', 'sent', null],
      ['callback-booked', 'cust-emily', 'sent', null],
      ['callback-late', 'cust-anna', 'cancelled', 'expectation-met'],
      ['callback-late', 'cust-emily', 'sent', null],
    ]);
    expect(lines[0]?.body).toContain('kl. 14:20');
    expect(lines[1]?.body).toContain('9:00'); // 09:00 in New York, where Emily is
    expect(lines[3]?.time).toBe('2026-11-24T14:10:00.000Z');
  });

  it('appointment: reminder 24 h before, cancelled on cancellation, held back for an SMS opt-out', async () => {
    const lines = await simulate('appointment');
    expect(lines.map(brief)).toEqual([
      ['appointment-reminder', 'cust-olle', 'suppressed', 'no-usable-channel'],
      ['appointment-reminder', 'cust-anna', 'sent', null],
      ['appointment-reminder', 'cust-lars', 'cancelled', 'closed-by-event'],
    ]);
    expect(lines[1]?.time).toBe('2026-12-02T08:30:00.000Z'); // 24 h before 09:30 CET
    expect(lines[1]?.body).toMatch(/Svara JA .* NEJ/);
  });

  it('survey: one hour after closing, not for spam, deduplicated per case, capped per customer', async () => {
    const lines = await simulate('survey');
    const outcomes = lines.map(brief);
    expect(outcomes).toContainEqual(['satisfaction-survey', 'cust-erik', 'sent', 'fallback']);
    expect(outcomes.filter(([, customer]) => customer === 'cust-lars')).toEqual([
      ['satisfaction-survey', 'cust-lars', 'sent', null],
    ]);
    expect(outcomes.filter(([, customer]) => customer === 'cust-anna')).toEqual([
      ['satisfaction-survey', 'cust-anna', 'sent', null],
      ['satisfaction-survey', 'cust-anna', 'suppressed', 'duplicate'],
    ]);
    expect(outcomes.filter(([, customer]) => customer === 'cust-maja')).toEqual([
      ['satisfaction-survey', 'cust-maja', 'sent', null],
      ['satisfaction-survey', 'cust-maja', 'sent', null],
      ['satisfaction-survey', 'cust-maja', 'sent', null],
      ['satisfaction-survey', 'cust-maja', 'suppressed', 'frequency-cap'],
    ]);
    const lars = lines.find((line) => line.customerId === 'cust-lars');
    // 19:30+1h = 20:30 local, deferred into the first ten minutes after 08:00 (windowOpening.spread)
    expect(Date.parse(lars?.time ?? '')).toBeGreaterThanOrEqual(Date.parse('2026-11-25T07:00:00.000Z'));
    expect(Date.parse(lars?.time ?? '')).toBeLessThan(Date.parse('2026-11-25T07:10:00.000Z'));
  });

  it('email: acknowledgement with the promised answer time in words, invalid address held back', async () => {
    const lines = await simulate('email');
    expect(lines.map(brief)).toEqual([
      ['email-received', 'cust-anna', 'sent', null],
      ['email-received', 'cust-emily', 'sent', null],
      ['email-received', 'cust-bad', 'suppressed', 'no-usable-channel'],
    ]);
    expect(lines[0]?.subject).toBe('Vi har fått ditt mejl: Fakturan stämmer inte');
    expect(lines[0]?.body).toContain('inom 4 timmar');
    expect(lines[1]?.body).toContain('within 4 hours');
  });

  it('problem spike: one alert to operations when ten cases about one problem open within an hour', async () => {
    const lines = await simulate('problem-spike');
    // INVOICE-DOUBLE: ten distinct cases from 08:02 to 08:47 (one delivered twice, counted once),
    // and an eleventh at 08:55 inside the cooldown. LOGIN-FAIL: three cases, below the threshold.
    expect(lines.map(brief)).toEqual([['problem-spike', 'ops:problem-spike', 'sent', null]]);
    const [alert] = lines;
    expect(alert).toMatchObject({
      eventId: 'ev-ps-10',
      time: '2026-11-24T08:47:00.000Z',
      channel: 'email',
      to: 'ops@acme.example',
      locale: 'en',
      subject: '10 new cases about INVOICE-DOUBLE within 1 hour',
    });
    // First and last case in Stockholm time, and the five latest cases as samples.
    expect(alert?.body).toContain('between November 24, 2026 at 9:02 AM and 9:47 AM');
    expect(alert?.body).toContain('- ev-ps-10 (customer cust-tove)\n- ev-ps-9 (customer cust-sune)');
    expect(alert?.body).not.toContain('ev-ps-5 ');
  });

  it('stops the clock at --until: later events are not read and later sends are pending', async () => {
    const lines = await simulate('renewal', { until: '2026-12-01T00:00:00Z' });
    expect(lines.filter((line) => line.outcome === 'pending').map(brief)).toEqual([
      ['renewal-reminder', 'cust-anna', 'pending', null],
      ['renewal-reminder', 'cust-lars', 'pending', null],
    ]);
    expect(lines.some((line) => line.customerId === 'cust-emily')).toBe(false);
  });
});
