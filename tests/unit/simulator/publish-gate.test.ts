import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryEventArchive } from '../../../functions/adapters/memory/memory-event-archive.ts';
import type { RuleSetContent } from '../../../functions/app/ports/rule-sets.ts';
import { type JourneyEvent, JourneyEventSchema } from '../../../functions/core/journey-event.ts';
import type { PriceTable } from '../../../functions/simulator/cost-preview.ts';
import { formatPublishGate, runPublishGate } from '../../../functions/simulator/publish-gate.ts';
import { event, project } from './backtest-support.ts';

// The publish gate over a memory archive and a JSONL file: the counts are checked against what
// the test itself sent (one immediate SMS per Booked event in the window), not against the backtest.

const NOW = new Date('2026-11-30T12:00:00Z');
const PRICES: PriceTable = {
  currency: 'USD',
  checked: '2026-12-05',
  sms: { SE: { price: 0.05, source: 'unverified' } },
  email: { price: 0.001, source: 'test' },
  aws: { perMessage: 0, perEvent: 0, source: 'test' },
};

const HELLO = `
id: hello
description: an SMS right after a booking
on: { source: [acme.test], detail-type: [Booked] }
send: immediately
window: always
channels: [sms]
template: hello
`;

function content(template: string): RuleSetContent {
  const { settings, rules, templates } = project({ hello: HELLO }, { 'hello/en.sms.liquid': template });
  return { settings, rules, templates };
}

const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();
const booked = (id: string, hours: number): JourneyEvent =>
  JourneyEventSchema.parse(event(id, 'Booked', hoursAgo(hours), `R-${id}`, hoursAgo(-48), `c-${id}`));

async function archiveOf(events: JourneyEvent[]): Promise<MemoryEventArchive> {
  const archive = new MemoryEventArchive();
  for (const value of events) await archive.archive({ event: value, at: value.time, receivedAt: value.time });
  return archive;
}

describe('the publish gate', () => {
  it('replays the archive window through both versions: counts per rule, sample differences, cost, summary', async () => {
    const inWindow = [booked('a', 30), booked('b', 20), booked('c', 2)];
    const tooOld = booked('old', 24 * 3);
    const archive = await archiveOf([tooOld, ...inWindow]);

    const report = await runPublishGate({
      active: content('Hello {{ detail.ref }}'),
      candidate: content('Hi there {{ detail.ref }}'),
      events: { archive, days: 2, now: NOW },
      prices: PRICES,
    });
    const text = formatPublishGate(report);

    const sent = inWindow.length;
    expect(report.summary.events).toEqual({ read: sent, replayed: sent, malformed: 0, malformedLines: [] });
    expect(report.summary.rules).toEqual([
      {
        ruleId: 'hello',
        active: { planned: sent, sent, suppressed: 0, cancelled: 0, failed: 0, pending: 0 },
        candidate: { planned: sent, sent, suppressed: 0, cancelled: 0, failed: 0, pending: 0 },
      },
    ]);
    expect(report.summary.window).toEqual({
      source: 'archive',
      days: 2,
      from: '2026-11-28T12:00:00.000Z',
      to: '2026-11-30T12:00:00.000Z',
    });
    expect(report.summary.differing).toBe(sent);
    expect(report.summary.cost.window.candidate).toBeCloseTo(sent * 0.05, 10);
    expect(report.summary.cost.unverified).toEqual(['SE']);
    expect(text).toContain('~ hello/en.sms.liquid');
    expect(text).toContain('"Hi there R-a"');
    expect(text).toMatch(/unverified prices.*SE/);
  });

  it('an empty archive says so and still shows the diff', async () => {
    const report = await runPublishGate({
      active: content('Hello'),
      candidate: content('Hi'),
      events: { archive: new MemoryEventArchive(), days: 7, now: NOW },
      prices: PRICES,
    });
    const text = formatPublishGate(report);

    expect(text).toContain('+ Hi');
    expect(text).toContain('no events in the last 7 day(s)');
    expect(report.summary.totals.candidate.planned).toBe(0);
  });

  it('a JSON Lines file with a malformed line: reported by line, the rest replayed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nudge-gate-')), 'events.jsonl');
    writeFileSync(file, `${JSON.stringify(booked('x', 5))}\nnot json\n${JSON.stringify(booked('y', 4))}\n`);

    const report = await runPublishGate({
      active: content('Hello'),
      candidate: content('Hello'),
      events: { file },
      prices: PRICES,
    });

    expect(report.summary.events).toEqual({ read: 3, replayed: 2, malformed: 1, malformedLines: [2] });
    expect(report.summary.window).toMatchObject({ source: 'file', from: hoursAgo(5), to: hoursAgo(4) });
    expect(formatPublishGate(report)).toMatch(/line 2: not JSON/);
  });
});
