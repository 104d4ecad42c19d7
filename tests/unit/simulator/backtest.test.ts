import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { buildTemplateCatalog } from '../../../functions/core/messages/template-catalog.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import {
  type BacktestInput,
  formatBacktestReport,
  runBacktest,
} from '../../../functions/simulator/backtest.ts';
import { runSimulation } from '../../../functions/simulator/run-simulation.ts';
import { bothPaths, event, lines, project, RULES, stream, TEMPLATES } from './backtest-support.ts';

const BASE = Date.parse('2026-11-24T06:00:00.000Z');
const iso = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();

/**
 * A fixed-seed journey: bookings every few minutes over a day (customers recur), visits 1–5 h
 * later, then a Done (on time or late), a Cancelled, or nothing; in time order.
 */
function journey(count: number, seed = 7): BacktestInput[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const events: Array<{ minutes: number; value: unknown }> = [];
  for (let i = 0; i < count; i++) {
    const booked = i * 7;
    const visit = booked + 60 + Math.floor(random() * 240);
    const customer = `c-${i % 9}`;
    events.push({
      minutes: booked,
      value: event(`b-${i}`, 'Booked', iso(booked), `R-${i}`, iso(visit), customer),
    });
    const fate = random();
    if (fate < 0.5)
      events.push({
        minutes: visit + (fate < 0.25 ? 10 : 45),
        value: event(`d-${i}`, 'Done', iso(visit + (fate < 0.25 ? 10 : 45)), `R-${i}`, iso(visit), customer),
      });
    else if (fate < 0.8)
      events.push({
        minutes: booked + 30,
        value: event(`x-${i}`, 'Cancelled', iso(booked + 30), `R-${i}`, iso(visit), customer),
      });
  }
  events.sort((a, b) => a.minutes - b.minutes);
  return lines(...events.map((item) => item.value));
}

describe('runBacktest', () => {
  it('counts per rule what the existing simulator decides, on the same journey (the simulator is the oracle)', async () => {
    // Arrange
    const inputs = journey(80);
    const fixture = project();
    // The journey is in time order: the clock stops at its last event, as the backtest's does.
    const lastInput = inputs.at(-1);
    const last =
      lastInput !== undefined && 'value' in lastInput
        ? String(Reflect.get(Object(lastInput.value), 'time'))
        : '';
    const simulated = await runSimulation({
      rules: compileRuleSet(fixture.rules),
      settings: fixture.settings,
      catalog: buildTemplateCatalog(fixture.templates).catalog,
      events: inputs,
      until: DateTime.fromISO(last, { zone: 'utc' }),
    });

    // Act
    const report = await runBacktest({ baseline: fixture, candidate: fixture, events: stream(inputs) });

    // Assert
    const expected = new Map<string, Record<string, number>>();
    for (const line of simulated) {
      if (line.ruleId === null) continue;
      const counts = expected.get(line.ruleId) ?? {};
      const key =
        line.outcome === 'suppressed' || line.outcome === 'cancelled'
          ? `${line.outcome}:${line.reason}`
          : line.outcome;
      counts[key] = (counts[key] ?? 0) + 1;
      expected.set(line.ruleId, counts);
    }
    for (const rule of report.rules) {
      const counts = rule.baseline;
      expect(counts).toBeDefined();
      if (counts === undefined) continue;
      const actual: Record<string, number> = {};
      if (counts.sent > 0) actual.sent = counts.sent;
      if (counts.pending > 0) actual.pending = counts.pending;
      for (const [reason, n] of Object.entries({ ...counts.suppressed, ...counts.failed }))
        actual[`suppressed:${reason}`] = n;
      for (const [reason, n] of Object.entries(counts.cancelled)) actual[`cancelled:${reason}`] = n;
      expect(actual, rule.ruleId).toEqual(expected.get(rule.ruleId) ?? {});
    }
    expect(report.rules.map((rule) => rule.ruleId).sort()).toEqual([
      'confirm',
      'late',
      'receipt',
      'reminder',
    ]);
    expect(report.differences.differing).toBe(0);
    expect(report.events).toMatchObject({ read: inputs.length, replayed: inputs.length, malformed: 0 });
  });

  it('cancels a reminder when the closing event comes before its send time, and not after (virtual clock)', async () => {
    // Visit R-1 at 12:00 UTC → reminder 10:00; cancelled at 09:00. R-2: reminder 10:00, cancelled at 11:00 (too late).
    const inputs = lines(
      event('b-1', 'Booked', '2026-11-24T08:00:00.000Z', 'R-1', '2026-11-24T12:00:00.000Z'),
      event('b-2', 'Booked', '2026-11-24T08:01:00.000Z', 'R-2', '2026-11-24T12:00:00.000Z'),
      event('x-1', 'Cancelled', '2026-11-24T09:00:00.000Z', 'R-1', '2026-11-24T12:00:00.000Z'),
      event('x-2', 'Cancelled', '2026-11-24T11:00:00.000Z', 'R-2', '2026-11-24T12:00:00.000Z'),
      // Done for R-1 in time (12:20 < 12:30): expectation met; R-2 never done: the apology goes at 12:30.
      event('d-1', 'Done', '2026-11-24T12:20:00.000Z', 'R-1', '2026-11-24T12:00:00.000Z'),
      event('z', 'Tick', '2026-11-24T13:00:00.000Z', 'R-0', '2026-11-24T13:00:00.000Z'),
    );
    const fixture = project();

    const report = await runBacktest({ baseline: fixture, candidate: fixture, events: stream(inputs) });

    const rule = (id: string) => report.rules.find((row) => row.ruleId === id)?.candidate;
    expect(rule('reminder')).toMatchObject({
      planned: 2,
      sent: 1,
      cancelled: { 'closed-by-event': 1 },
      pending: 0,
    });
    expect(rule('late')).toMatchObject({
      planned: 2,
      sent: 1,
      cancelled: { 'expectation-met': 1 },
      pending: 0,
    });
    expect(rule('receipt')).toMatchObject({ planned: 1, emails: 1 });
  });

  it('sends a message planned again under a settled one’s id at its own time, not at the old one’s', async () => {
    // b-1's reminder is due 12:00, cancelled at 09:00; b-1 comes again (same id, same message id)
    // at 10:00 for a visit at 16:00: its reminder is due 14:00, so at 13:00 nothing was sent yet.
    const inputs = lines(
      event('b-1', 'Booked', '2026-11-24T08:00:00.000Z', 'R-1', '2026-11-24T14:00:00.000Z'),
      event('x-1', 'Cancelled', '2026-11-24T09:00:00.000Z', 'R-1', '2026-11-24T14:00:00.000Z'),
      event('b-1', 'Booked', '2026-11-24T10:00:00.000Z', 'R-1', '2026-11-24T16:00:00.000Z'),
      event('z', 'Tick', '2026-11-24T13:00:00.000Z', 'R-0', '2026-11-24T13:00:00.000Z'),
    );
    const fixture = project();

    const { lane, exact } = await bothPaths(fixture, fixture, inputs);

    expect(lane.rules.find((row) => row.ruleId === 'reminder')?.candidate).toMatchObject({
      planned: 2,
      sent: 0,
      cancelled: { 'closed-by-event': 1 },
      pending: 1,
    });
    expect(lane.rules).toEqual(exact.rules);
  });

  it('frees a cap slot once its send is older than the cap period, and not before', async () => {
    // One message a day: 08:00 sent, 10:00 capped, next day 09:00 sent (08:00's slot expired),
    // 09:30 capped again (the 09:00 send holds the slot).
    const inputs = lines(
      event('b-1', 'Booked', '2026-11-24T08:00:00.000Z', 'R-1', '2026-11-24T20:00:00.000Z'),
      event('b-2', 'Booked', '2026-11-24T10:00:00.000Z', 'R-2', '2026-11-24T20:00:00.000Z'),
      event('b-3', 'Booked', '2026-11-25T09:00:00.000Z', 'R-3', '2026-11-25T20:00:00.000Z'),
      event('b-4', 'Booked', '2026-11-25T09:30:00.000Z', 'R-4', '2026-11-25T20:00:00.000Z'),
      event('z', 'Tick', '2026-11-25T10:00:00.000Z', 'R-0', '2026-11-25T10:00:00.000Z'),
    );
    const base = project({ confirm: RULES.confirm ?? '' });
    const fixture = { ...base, settings: { ...base.settings, cap: { max: 1, per: 'P1D' } } };

    const { lane, exact } = await bothPaths(fixture, fixture, inputs);

    expect(lane.rules.find((row) => row.ruleId === 'confirm')?.candidate).toMatchObject({
      planned: 4,
      sent: 2,
      suppressed: { 'frequency-cap': 2 },
    });
    expect(lane.rules).toEqual(exact.rules);
  });

  it('reports malformed lines by number (the first 20, then a count) and replays the rest', async () => {
    const good = event('b-1', 'Booked', '2026-11-24T08:00:00.000Z', 'R-1', '2026-11-24T12:00:00.000Z');
    const inputs: BacktestInput[] = [
      { line: 1, value: good },
      { line: 2, error: 'not JSON: Unexpected token' },
      { line: 3, value: { id: 'no-type', source: 'acme.test', time: '2026-11-24T08:00:00Z', detail: {} } },
      ...Array.from({ length: 25 }, (_, i) => ({ line: 4 + i, error: 'not JSON: junk' })),
      {
        line: 29,
        value: event('b-2', 'Booked', '2026-11-24T08:05:00.000Z', 'R-2', '2026-11-24T12:00:00.000Z'),
      },
    ];
    const fixture = project();

    const report = await runBacktest({ baseline: fixture, candidate: fixture, events: stream(inputs) });

    expect(report.events).toMatchObject({ read: 29, replayed: 2, malformed: 27 });
    expect(report.malformed).toHaveLength(20);
    expect(report.malformed[0]).toEqual({ line: 2, reason: 'not JSON: Unexpected token' });
    expect(report.malformed[1]?.line).toBe(3);
    expect(report.malformed[1]?.reason).toContain('detail-type');
    expect(report.rules.find((row) => row.ruleId === 'confirm')?.baseline?.sent).toBe(2);
    expect(formatBacktestReport(report)).toContain('… and 7 more');
  });

  it('shows messages that differ: a changed template text, and a rule only one side has', async () => {
    const baseline = project();
    const { late: _removed, ...withoutLate } = RULES;
    const candidate = project(withoutLate, {
      ...TEMPLATES,
      'confirm/en.sms.liquid': 'Your booking {{ detail.ref }} is confirmed!',
    });
    const inputs = lines(
      event('b-1', 'Booked', '2026-11-24T08:00:00.000Z', 'R-1', '2026-11-24T09:00:00.000Z'),
    );

    const report = await runBacktest({ baseline, candidate, events: stream(inputs) });

    const confirm = report.differences.sample.find((difference) => difference.ruleId === 'confirm');
    expect(confirm?.baseline?.text).toBe('Booking R-1 confirmed.');
    expect(confirm?.candidate?.text).toBe('Your booking R-1 is confirmed!');
    const late = report.differences.sample.find((difference) => difference.ruleId === 'late');
    expect(late?.baseline?.status).toBe('scheduled');
    expect(late?.candidate).toBeUndefined();
    expect(report.rules.find((row) => row.ruleId === 'late')).toEqual({
      ruleId: 'late',
      baseline: expect.objectContaining({ planned: 1, pending: 1 }),
    });
  });
});
