import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import { parseSendGridEvents } from '../../../functions/adapters/sendgrid/sendgrid-events.ts';
import type { OutcomePublisher } from '../../../functions/app/ports.ts';
import { recordEmailOptOut } from '../../../functions/app/record-email-opt-out.ts';
import type { OutcomeEvent } from '../../../functions/core/outcomes/outcome-events.ts';
import { aProfile } from '../../support/factories.ts';
import { aMessageRecord } from '../../support/store-contract-fixtures.ts';

class CollectingPublisher implements OutcomePublisher {
  readonly events: OutcomeEvent[] = [];
  async publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> {
    this.events.push(...events);
  }
}

async function harness() {
  const stores = createMemoryStores();
  const suppressions = new MemorySuppressionStore();
  const outcomes = new CollectingPublisher();
  await stores.profiles.putProfile(aProfile({ email: 'Anna@Example.SE' }));
  await stores.messages.createMessage(
    aMessageRecord({ messageId: 'm-2', channel: 'email', to: 'Anna@Example.SE' }),
  );
  return { stores, suppressions, outcomes, deps: { ...stores, suppressions, outcomes } };
}

describe('recordEmailOptOut: the email address itself is suppressed', () => {
  it('a spam report suppresses the address lower-cased, withdraws consent, and is published once', async () => {
    // Arrange
    const h = await harness();
    const report = {
      messageId: 'm-2',
      providerEventId: 'sg-5',
      at: '2026-11-23T10:00:00.000Z',
      why: 'spamreport',
    };

    // Act
    const first = await recordEmailOptOut(report, h.deps);
    const replay = await recordEmailOptOut(report, h.deps);

    // Assert
    expect([first, replay]).toEqual(['applied', 'duplicate']);
    expect(await h.suppressions.get('email', 'anna@example.se')).toMatchObject({
      suppressed: true,
      reason: 'spam-report',
      source: 'sendgrid:sg-5',
      customerId: 'cust-anna',
    });
    expect((await h.stores.profiles.getProfile('cust-anna'))?.consent.email?.granted).toBe(false);
    expect(h.outcomes.events).toEqual([
      expect.objectContaining({
        detailType: 'CustomerOptedOut',
        detail: expect.objectContaining({ customerId: 'cust-anna', channel: 'email', reason: 'spam-report' }),
      }),
    ]);
  });

  it('an unsubscribe for a message Nudge no longer has still suppresses the address SendGrid names', async () => {
    const h = await harness();

    const result = await recordEmailOptOut(
      {
        messageId: 'm-gone',
        providerEventId: 'sg-6',
        at: '2026-11-23T10:00:00.000Z',
        why: 'unsubscribe',
        email: 'Lars@Example.SE',
      },
      h.deps,
    );

    expect(result).toBe('applied');
    expect(await h.suppressions.get('email', 'lars@example.se')).toMatchObject({
      suppressed: true,
      reason: 'unsubscribe',
    });
  });

  it('a hard bounce suppresses the address but leaves the customer’s consent (a new address may work)', async () => {
    const h = await harness();

    await recordEmailOptOut(
      { messageId: 'm-2', providerEventId: 'sg-7', at: '2026-11-23T10:00:00.000Z', why: 'bounce' },
      h.deps,
    );

    expect(await h.suppressions.get('email', 'anna@example.se')).toMatchObject({
      suppressed: true,
      reason: 'hard-bounce',
    });
    expect((await h.stores.profiles.getProfile('cust-anna'))?.consent.email).toBeUndefined();
  });
});

describe('parseSendGridEvents: opt-outs', () => {
  it('a bounce of type bounce is a hard bounce (status and opt-out); a blocked one only a status', () => {
    const { actions } = parseSendGridEvents(
      JSON.stringify([
        {
          email: 'Anna@Example.SE',
          event: 'bounce',
          type: 'bounce',
          sg_event_id: 'b1',
          timestamp: 1,
          messageId: 'm-2',
        },
        {
          email: 'anna@example.se',
          event: 'bounce',
          type: 'blocked',
          sg_event_id: 'b2',
          timestamp: 2,
          messageId: 'm-2',
        },
        {
          email: 'anna@example.se',
          event: 'group_unsubscribe',
          sg_event_id: 'u1',
          timestamp: 3,
          messageId: 'm-2',
        },
      ]),
    );

    expect(actions.map((action) => [action.kind, action.kind === 'opt-out' ? action.why : ''])).toEqual([
      ['status', ''],
      ['opt-out', 'bounce'],
      ['status', ''],
      ['opt-out', 'group_unsubscribe'],
    ]);
    expect(actions[1]).toMatchObject({ email: 'Anna@Example.SE', providerEventId: 'b1' });
  });
});
