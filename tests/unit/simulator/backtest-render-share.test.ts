/**
 * The backtest lane renders a message once for both sides when everything the render reads is the
 * same (backtest-lane-render.ts `SharedRender`): these tests hold it to each side's own text
 * whenever the sides differ in what a render reads, and to one text when they differ elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../functions/simulator/backtest.ts';
import { bothPaths, event, lines, project, RULES, stream, TEMPLATES } from './backtest-support.ts';

/** Bookings a minute apart inside office hours, each sent its confirmation at once on both sides. */
function bookings(count: number) {
  return lines(
    ...Array.from({ length: count }, (_, i) => {
      const at = new Date(Date.parse('2026-11-24T08:00:00.000Z') + i * 60_000).toISOString();
      return event(`b-${i}`, 'Booked', at, `R-${i}`, '2026-11-24T15:00:00.000Z', `c-${i % 3}`);
    }),
  );
}

const TONE_TEMPLATE = '{{ vars.tone }}, booking {{ detail.ref }} is confirmed.';

describe('backtest lane: renders shared by the two sides', () => {
  it('renders each side its own text when the template files differ', async () => {
    const candidate = project(RULES, { ...TEMPLATES, 'confirm/en.sms.liquid': 'Yes: {{ detail.ref }}.' });

    const report = await runBacktest({ baseline: project(), candidate, events: stream(bookings(5)) });

    const confirms = report.differences.sample.filter((difference) => difference.ruleId === 'confirm');
    expect(confirms.map((difference) => [difference.baseline?.text, difference.candidate?.text])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [`Booking R-${i} confirmed.`, `Yes: R-${i}.`]),
    );
  });

  it("renders each side its own text when only the rules' vars differ (same template files)", async () => {
    const rules = { ...RULES, confirm: RULES.confirm?.replace('template: confirm', 'template: toned') ?? '' };
    const templates = { ...TEMPLATES, 'toned/en.sms.liquid': TONE_TEMPLATE };
    const baseline = project({ ...rules, confirm: `${rules.confirm}vars: { tone: "Hi" }\n` }, templates);
    const candidate = project({ ...rules, confirm: `${rules.confirm}vars: { tone: "Hello" }\n` }, templates);

    const report = await runBacktest({ baseline, candidate, events: stream(bookings(3)) });

    const confirms = report.differences.sample.filter((difference) => difference.ruleId === 'confirm');
    expect(confirms.map((difference) => [difference.baseline?.text, difference.candidate?.text])).toEqual(
      [0, 1, 2].map((i) => [`Hi, booking R-${i} is confirmed.`, `Hello, booking R-${i} is confirmed.`]),
    );
  });

  it('gives both sides the same text when they differ only in what a render does not read', async () => {
    const candidate = project({
      ...RULES,
      confirm: RULES.confirm?.replace('outside: defer', 'outside: drop') ?? '',
    });

    const report = await runBacktest({ baseline: project(), candidate, events: stream(bookings(5)) });

    // Confirmation, reminder and apology of each booking: the same outcome on both sides.
    expect(report.differences).toEqual({ compared: 15, differing: 0, sample: [] });
    expect(report.rules.find((row) => row.ruleId === 'confirm')).toEqual({
      ruleId: 'confirm',
      baseline: expect.objectContaining({ sent: 5 }),
      candidate: expect.objectContaining({ sent: 5 }),
    });
  });
});

describe('backtest lane: the detail a message keeps', () => {
  it('leaves out a large value as the message record does (a template quoting it is held back), and keeps a small detail whole', async () => {
    const templates = { ...TEMPLATES, 'confirm/en.sms.liquid': 'Note: {{ detail.note }}' };
    const booked = (id: string, note: string) => {
      const value = event(id, 'Booked', '2026-11-24T08:00:00.000Z', `R-${id}`, '2026-11-24T15:00:00.000Z');
      return { ...value, detail: { ...value.detail, note } };
    };
    const inputs = lines(booked('big', 'x'.repeat(70_000)), booked('small', 'short'));

    const report = await runBacktest({
      baseline: project(RULES, templates),
      candidate: project(RULES, templates),
      events: stream(inputs),
    });

    expect(report.rules.find((row) => row.ruleId === 'confirm')?.baseline).toEqual(
      expect.objectContaining({ sent: 1, suppressed: { 'template-error': 1 } }),
    );
  });
});

describe('backtest lane: renders remembered by the variables a template reads', () => {
  it('never serves a remembered render to a template that reads a variable by a computed name', async () => {
    // Liquid's static analysis lists no variable for `[k]`: the render reads detail.ref all the same.
    const computed = {
      ...TEMPLATES,
      'confirm/en.sms.liquid': '{% assign k = "detail" %}Booking {{ [k].ref }} confirmed.',
    };

    const report = await runBacktest({
      baseline: project(),
      candidate: project(RULES, computed),
      events: stream(bookings(5)),
    });

    expect(report.differences.differing).toBe(0);
  });
});

describe('backtest lane: a pending message keeps only the detail its templates read', () => {
  /** Texts by message id and side, as the differences show them. */
  function texts(report: Awaited<ReturnType<typeof runBacktest>>): string[][] {
    return [...report.differences.sample]
      .sort((a, b) => (a.messageId < b.messageId ? -1 : 1))
      .map((difference) => [difference.baseline?.text ?? '', difference.candidate?.text ?? '']);
  }

  it('renders what the whole detail renders when a template reads it whole, counts its keys or reads a computed name', async () => {
    // Each rule sends an hour after the booking: the message waits with what it kept of the detail.
    const TEXTS: Record<string, string> = {
      size: '{{ detail.size }} keys',
      json: '{{ detail | json }}',
      computed: '{% assign k = "detail" %}{{ [k].ref }} at {{ detail.at }}',
    };
    const side = (prefix: string) => {
      const rules: Record<string, string> = {};
      const templates: Record<string, string> = {};
      for (const [id, text] of Object.entries(TEXTS)) {
        rules[id] = (RULES.confirm ?? '')
          .replace('id: confirm', `id: ${id}`)
          .replace('template: confirm', `template: ${id}`)
          .replace('send: immediately', 'send: { after: PT1H }');
        templates[`${id}/en.sms.liquid`] = `${prefix}${text}`;
      }
      return project(rules, templates);
    };
    const inputs = lines(
      event('b-1', 'Booked', '2026-11-24T08:00:00.000Z', 'R-1', '2026-11-24T15:00:00.000Z'),
      event('z', 'Tick', '2026-11-24T10:00:00.000Z', 'R-0', '2026-11-24T10:00:00.000Z'),
    );

    const { lane, exact } = await bothPaths(side(''), side('B '), inputs);

    const detail = event(
      'b-1',
      'Booked',
      '2026-11-24T08:00:00.000Z',
      'R-1',
      '2026-11-24T15:00:00.000Z',
    ).detail;
    expect(texts(lane)).toEqual(
      expect.arrayContaining([
        ['3 keys', 'B 3 keys'],
        [JSON.stringify(detail), `B ${JSON.stringify(detail)}`],
        ['R-1 at 2026-11-24T15:00:00.000Z', 'B R-1 at 2026-11-24T15:00:00.000Z'],
      ]),
    );
    expect(texts(lane)).toEqual(texts(exact));
  });
});
