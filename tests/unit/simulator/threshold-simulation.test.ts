import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { buildTemplateCatalog } from '../../../functions/core/messages/index.ts';
import { parseRuleFiles } from '../../../functions/core/rules/parse-rule-files.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import {
  runSimulation,
  type SimulationInput,
  type SimulationLine,
} from '../../../functions/simulator/run-simulation.ts';
import { settings } from '../../support/factories.ts';

const RULES = `
id: spike
description: four similar cases within half an hour alert operations
on: { source: [acme.cases], detail-type: [CaseOpened] }
threshold: { count: 4, within: PT30M, key: detail.problemCode }
to: { email: ops@acme.example, sms: "+46701234567" }
send: immediately
channels: [email, sms]
template: spike
`;

const TEMPLATES = buildTemplateCatalog({
  'spike/en.email.liquid':
    'subject: {{ alert.count }} x {{ alert.value }} since {{ alert.firstAt | local_time }}\n--- text\n{{ detail.caseId }}\n',
  'spike/en.sms.liquid': '{{ alert.count }} x {{ alert.value }}',
});

const START = DateTime.fromISO('2026-11-24T08:00:00Z', { zone: 'utc' });

/** A CaseOpened `minutes` after 08:00 UTC (line numbers in input order). */
function cases(...items: Array<[id: string, minutes: number, problemCode: string]>): SimulationInput[] {
  return items.map(([id, minutes, problemCode], index) => ({
    line: index + 1,
    value: {
      version: '0',
      id,
      source: 'acme.cases',
      'detail-type': 'CaseOpened',
      account: '111122223333',
      region: 'eu-north-1',
      resources: [],
      time: START.plus({ minutes }).toISO(),
      detail: { caseId: `C-${id}`, problemCode, customer: { id: `cust-${id}` } },
    },
  }));
}

async function simulate(events: SimulationInput[]): Promise<SimulationLine[]> {
  const parsed = parseRuleFiles([{ file: 'rules.yaml', text: RULES }]);
  expect(parsed.issues).toEqual([]);
  expect(TEMPLATES.issues).toEqual([]);
  return runSimulation({
    rules: compileRuleSet(parsed.rules.map((loaded) => loaded.rule)),
    settings: settings({ defaults: { timeZone: 'Europe/Stockholm', locale: 'en' } }),
    catalog: TEMPLATES.catalog,
    events,
  });
}

const brief = (line: SimulationLine) => [line.time, line.eventId, line.outcome, line.to, line.subject];

describe('nudge simulate: threshold alerts on the virtual clock', () => {
  it('below the threshold: nothing is sent', async () => {
    const lines = await simulate(
      cases(['a', 0, 'INV'], ['b', 5, 'INV'], ['c', 10, 'INV'], ['d', 12, 'LOGIN']),
    );

    expect(lines).toEqual([]);
  });

  it('exactly one alert, at the event that makes the count, and none for the events after it', async () => {
    const lines = await simulate(
      cases(
        ['a', 0, 'INV'],
        ['b', 5, 'INV'],
        ['c', 10, 'INV'],
        ['d', 15, 'INV'],
        ['e', 20, 'INV'],
        ['f', 25, 'INV'],
      ),
    );

    expect(lines.map(brief)).toEqual([
      ['2026-11-24T08:15:00.000Z', 'd', 'sent', 'ops@acme.example', '4 x INV since 9:00 AM'],
    ]);
  });

  it('duplicated deliveries count once: three events delivered three times each make no alert', async () => {
    const once = cases(['a', 0, 'INV'], ['b', 5, 'INV'], ['c', 10, 'INV']);
    const thrice = [...once, ...once, ...once].map((input, index) => ({ ...input, line: index + 1 }));

    const lines = await simulate(thrice);

    expect(lines).toEqual([]);
  });

  it('duplicated deliveries of the crossing event make one alert, not three', async () => {
    const events = cases(
      ['a', 0, 'INV'],
      ['b', 5, 'INV'],
      ['c', 10, 'INV'],
      ['d', 15, 'INV'],
      ['d', 15, 'INV'],
      ['d', 15, 'INV'],
    );

    const lines = await simulate(events);

    expect(lines.map(brief)).toEqual([
      ['2026-11-24T08:15:00.000Z', 'd', 'sent', 'ops@acme.example', '4 x INV since 9:00 AM'],
    ]);
  });

  it('a second alert for the key only after the cooldown (the window) has passed; keys are apart', async () => {
    // INV: the fourth case at 08:15 alerts and quiets INV until 08:45. At 08:40 the window
    // (08:10, 08:40] holds six cases, but inside the cooldown: no alert. At 08:50, past it, the
    // window (08:20, 08:50] holds five (08:25 … 08:50): the second alert, quiet until 09:20, so
    // 08:55 and 09:05 stay silent. LOGIN crosses on its own at 08:33, apart from INV.
    const lines = await simulate(
      cases(
        ['a', 0, 'INV'],
        ['b', 5, 'INV'],
        ['c', 10, 'INV'],
        ['d', 15, 'INV'],
        ['e', 25, 'INV'],
        ['f', 30, 'INV'],
        ['l1', 30, 'LOGIN'],
        ['l2', 31, 'LOGIN'],
        ['l3', 32, 'LOGIN'],
        ['l4', 33, 'LOGIN'],
        ['g', 35, 'INV'],
        ['h', 40, 'INV'],
        ['i', 50, 'INV'],
        ['j', 55, 'INV'],
        ['k', 65, 'INV'],
      ),
    );

    expect(lines.map((line) => [line.time, line.eventId, line.outcome, line.subject])).toEqual([
      ['2026-11-24T08:15:00.000Z', 'd', 'sent', '4 x INV since 9:00 AM'],
      ['2026-11-24T08:33:00.000Z', 'l4', 'sent', '4 x LOGIN since 9:30 AM'],
      ['2026-11-24T08:50:00.000Z', 'i', 'sent', '5 x INV since 9:25 AM'],
    ]);
  });
});
