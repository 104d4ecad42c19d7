import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { type EvaluateDeps, evaluateEvent } from '../../../functions/app/evaluate-event.ts';
import type { ArchivedEvent } from '../../../functions/app/ports/event-archive.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { anEvent, aRule, at, settings } from '../../support/factories.ts';

const ARRIVAL = '2026-11-23T12:00:00.000Z';

function evaluateDeps() {
  const stores = createMemoryStores();
  const deps: EvaluateDeps = {
    ...stores,
    scheduler: { schedule: async () => undefined, cancel: async () => undefined },
    clock: { now: () => at(ARRIVAL) },
    settings: settings(),
    rules: compileRuleSet([aRule()]),
  };
  return { stores, deps };
}

async function archived(deps: EvaluateDeps): Promise<ArchivedEvent[]> {
  const out: ArchivedEvent[] = [];
  for await (const entry of deps.events.readRange('2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'))
    out.push(entry);
  return out;
}

describe('evaluateEvent keeps every accepted event in the archive', () => {
  it('archives an event no rule matches, with its customer, its UTC time and when it arrived', async () => {
    const { deps } = evaluateDeps();
    const unmatched = anEvent({
      source: 'acme.elsewhere',
      'detail-type': 'Nobody',
      time: '2026-11-23T10:00:00+01:00',
      detail: { customerId: 'cust-bo' },
    });

    const result = await evaluateEvent(unmatched, deps);

    expect(result.planned).toEqual([]);
    expect(await archived(deps)).toEqual([
      { event: unmatched, at: '2026-11-23T09:00:00.000Z', receivedAt: ARRIVAL, customerId: 'cust-bo' },
    ]);
  });

  it('archives a matched event once, however often it is delivered, and never a rejected one', async () => {
    const { deps } = evaluateDeps();
    const matched = anEvent();

    await evaluateEvent(matched, deps);
    await evaluateEvent(matched, deps);
    await evaluateEvent({ id: 'broken', source: 'acme.test' }, deps);

    expect((await archived(deps)).map((entry) => entry.event.id)).toEqual([matched.id]);
  });
});
