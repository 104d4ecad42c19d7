import type { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import { type EvaluateDeps, evaluateEvent } from '../../../functions/app/evaluate-event.ts';
import type { SendScheduler } from '../../../functions/app/ports.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { aCustomer, anEvent, aProfile, aRule, at, settings } from '../../support/factories.ts';

/** The clock every event arrives on. */
const ARRIVAL = '2026-11-23T12:00:00.000Z';

class RecordingScheduler implements SendScheduler {
  readonly scheduled: string[] = [];
  async schedule(messageId: string, _at: DateTime): Promise<void> {
    this.scheduled.push(messageId);
  }
  async cancel(): Promise<void> {}
}

/** Anna replied STOP at 10:00Z: her profile says so and her number is suppressed. */
async function annaAfterStop() {
  const stores = createMemoryStores();
  const suppressions = new MemorySuppressionStore();
  await stores.profiles.putProfile(
    aProfile({
      consent: { sms: { granted: false, at: '2026-11-23T10:00:00.000Z', source: 'reply:SM-stop' } },
    }),
  );
  await suppressions.suppress({
    channel: 'sms',
    address: '+46701234567',
    reason: 'stop-reply',
    source: 'reply:SM-stop',
    at: '2026-11-23T10:00:00.000Z',
    customerId: 'cust-anna',
  });
  const scheduler = new RecordingScheduler();
  const deps: EvaluateDeps = {
    ...stores,
    suppressions,
    scheduler,
    clock: { now: () => at(ARRIVAL) },
    settings: settings(),
    rules: compileRuleSet([aRule()]),
  };
  return { stores, suppressions, scheduler, deps };
}

describe('evaluateEvent: consent from events', () => {
  it('an ordinary event carrying consent.sms: true after a STOP changes nothing', async () => {
    // Arrange
    const { stores, deps } = await annaAfterStop();

    // Act
    await evaluateEvent(
      anEvent({ time: '2026-11-23T11:00:00Z', detail: { customer: aCustomer({ consent: { sms: true } }) } }),
      deps,
    );

    // Assert
    expect((await stores.profiles.getProfile('cust-anna'))?.consent.sms).toMatchObject({
      granted: false,
      source: 'reply:SM-stop',
    });
  });

  it('an event dated more than the tolerance after its arrival is rejected with its reason, and changes nothing', async () => {
    // Arrange
    const { stores, deps } = await annaAfterStop();
    const future = anEvent({
      id: 'ev-future',
      time: '2026-11-23T14:00:00+01:00', // 13:00Z: an hour after arrival
      detail: { customer: aCustomer({ consent: { sms: false }, firstName: 'Annie' }) },
    });
    const withinTolerance = anEvent({ id: 'ev-skew', time: '2026-11-23T12:04:00Z' });

    // Act
    const rejected = await evaluateEvent(future, deps);
    const accepted = await evaluateEvent(withinTolerance, deps);

    // Assert
    expect(rejected.rejected).toMatch(/time.*60 min.*after.*arrival/i);
    expect(rejected.planned).toEqual([]);
    expect(accepted.rejected).toBeUndefined();
    const recorded = await stores.queries.listRejected(10);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ eventId: 'ev-future', receivedAt: ARRIVAL });
    expect(recorded[0]?.reason).toBe(rejected.rejected);
    expect((await stores.profiles.getProfile('cust-anna'))?.firstName).toBe('Anna');
    expect(accepted.planned).toHaveLength(1); // the event within tolerance was evaluated
  });

  it("a re-opt-in event lifts the customer's consent and the suppression of her number", async () => {
    // Arrange
    const { stores, suppressions, deps } = await annaAfterStop();

    // Act
    await evaluateEvent(
      anEvent({
        'detail-type': 'ConsentGranted',
        time: '2026-11-23T11:00:00Z',
        detail: { customer: aCustomer({ consent: { sms: true } }) },
      }),
      deps,
    );

    // Assert
    expect((await stores.profiles.getProfile('cust-anna'))?.consent.sms?.granted).toBe(true);
    expect(await suppressions.get('sms', '+46701234567')).toMatchObject({ suppressed: false });
  });

  it('a re-opt-in dated before the STOP lifts neither', async () => {
    const { stores, suppressions, deps } = await annaAfterStop();

    await evaluateEvent(
      anEvent({
        'detail-type': 'ConsentGranted',
        time: '2026-11-23T10:30:00+01:00', // 09:30Z, before the STOP
        detail: { customer: aCustomer({ consent: { sms: true } }) },
      }),
      deps,
    );

    expect((await stores.profiles.getProfile('cust-anna'))?.consent.sms?.granted).toBe(false);
    expect(await suppressions.get('sms', '+46701234567')).toMatchObject({ suppressed: true });
  });
});
