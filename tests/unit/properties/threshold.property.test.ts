import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { buildTemplateCatalog } from '../../../functions/core/messages/index.ts';
import { parseRuleFiles } from '../../../functions/core/rules/parse-rule-files.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { runSimulation, type SimulationInput } from '../../../functions/simulator/run-simulation.ts';
import { settings } from '../../support/factories.ts';

const START = DateTime.fromISO('2026-11-24T06:00:00Z', { zone: 'utc' });
const KEYS = ['A', 'B', 'C'] as const;

const TEMPLATES = buildTemplateCatalog({
  't/en.email.liquid': 'subject: {{ alert.count }} x {{ alert.value }}\n--- text\n{{ alert.firstAt }}\n',
});

const thresholdArb = fc.record({
  count: fc.integer({ min: 2, max: 5 }),
  withinMinutes: fc.integer({ min: 1, max: 90 }),
  cooldownMinutes: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  keyed: fc.boolean(),
});

const eventArb = fc.record({
  key: fc.constantFrom(...KEYS),
  minute: fc.integer({ min: 0, max: 6 * 60 }),
});

type Threshold = typeof thresholdArb extends fc.Arbitrary<infer T> ? T : never;
type Generated = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * The reference: events in time order (ties in input order), each counted once however often it
 * is delivered. An event alerts when the events of its key in the `within` minutes up to its own
 * time (that minute included, the one `within` before excluded) number at least `count`, and its
 * key has had no alert in the `cooldown` minutes before it (default: `within`).
 */
function referenceAlerts(threshold: Threshold, events: ReadonlyArray<Generated & { id: string }>): string[] {
  const cooldown = threshold.cooldownMinutes ?? threshold.withinMinutes;
  const seen = new Set<string>();
  const timesByKey = new Map<string, number[]>();
  const lastAlert = new Map<string, number>();
  const alerts: string[] = [];
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const key = threshold.keyed ? event.key : '*';
    const times = timesByKey.get(key) ?? [];
    times.push(event.minute);
    timesByKey.set(key, times);
    const inWindow = times.filter(
      (minute) => minute > event.minute - threshold.withinMinutes && minute <= event.minute,
    ).length;
    const last = lastAlert.get(key);
    if (inWindow >= threshold.count && (last === undefined || event.minute >= last + cooldown)) {
      alerts.push(event.id);
      lastAlert.set(key, event.minute);
    }
  }
  return alerts;
}

function ruleText(threshold: Threshold): string {
  const parts = [
    `count: ${threshold.count}`,
    `within: PT${threshold.withinMinutes}M`,
    ...(threshold.keyed ? ['key: detail.problemCode'] : []),
    ...(threshold.cooldownMinutes === undefined ? [] : [`cooldown: PT${threshold.cooldownMinutes}M`]),
  ];
  return `id: spike
description: threshold under test
on: { source: [acme.cases], detail-type: [CaseOpened] }
threshold: { ${parts.join(', ')} }
to: { email: ops@acme.example }
send: immediately
channels: [email]
template: t
`;
}

describe('threshold alerts (property)', () => {
  it('for random streams with duplicated deliveries, the alerts are exactly the reference ones', async () => {
    await fc.assert(
      fc.asyncProperty(
        thresholdArb,
        fc.array(eventArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 15 }),
        async (threshold, generated, duplicateOf) => {
          // Arrange: each event once, then redeliveries of some (same id, time and detail).
          const events = generated.map((event, index) => ({ ...event, id: `e${index}` }));
          const deliveries = [
            ...events,
            ...duplicateOf.flatMap((n) => {
              const original = events[n % events.length];
              return original === undefined ? [] : [original];
            }),
          ];
          const inputs: SimulationInput[] = deliveries.map((event, index) => ({
            line: index + 1,
            value: {
              version: '0',
              id: event.id,
              source: 'acme.cases',
              'detail-type': 'CaseOpened',
              account: '111122223333',
              region: 'eu-north-1',
              resources: [],
              time: START.plus({ minutes: event.minute }).toISO(),
              detail: { problemCode: event.key, customer: { id: `cust-${event.id}` } },
            },
          }));
          const parsed = parseRuleFiles([{ file: 'spike.yaml', text: ruleText(threshold) }]);
          expect(parsed.issues).toEqual([]);
          const inTimeOrder = deliveries
            .map((event, index) => ({ ...event, line: index }))
            .sort((a, b) => a.minute - b.minute || a.line - b.line);

          // Act
          const lines = await runSimulation({
            rules: compileRuleSet(parsed.rules.map((loaded) => loaded.rule)),
            settings: settings({ defaults: { locale: 'en' } }),
            catalog: TEMPLATES.catalog,
            events: inputs,
          });

          // Assert
          const expected = referenceAlerts(threshold, inTimeOrder);
          expect(lines.every((line) => line.outcome === 'sent' && line.to === 'ops@acme.example')).toBe(true);
          expect(lines.map((line) => line.eventId).sort()).toEqual([...expected].sort());
        },
      ),
      { numRuns: 150 },
    );
  });
});
