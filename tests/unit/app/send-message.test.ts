import type { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { MemoryJourneyStore } from '../../../functions/adapters/memory/memory-journey-store.ts';
import type {
  ChannelSender,
  OutboundMessage,
  SendReceipt,
  SendScheduler,
} from '../../../functions/app/ports.ts';
import { type SendDeps, sendMessage } from '../../../functions/app/send-message.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { aProfile, aRule, at, settings } from '../../support/factories.ts';
import { aMessageRecord } from '../../support/journey-store-contract.ts';

const NOW = at('2026-11-23T09:00:00Z');

class RecordingScheduler implements SendScheduler {
  readonly schedules: Array<{ messageId: string; at: string }> = [];
  async schedule(messageId: string, when: DateTime): Promise<void> {
    this.schedules.push({ messageId, at: when.toUTC().toISO() ?? '' });
  }
  async cancel(): Promise<void> {}
}

class CountingChannel implements ChannelSender {
  readonly sent: OutboundMessage[] = [];
  async send(message: OutboundMessage): Promise<SendReceipt> {
    this.sent.push(message);
    return { ok: true, providerId: `SM${this.sent.length}` };
  }
}

function depsWith(
  store: MemoryJourneyStore,
  scheduler: RecordingScheduler,
  channel: CountingChannel,
): SendDeps {
  const rule = aRule({ id: 'renewal-reminder', window: 'always' });
  return {
    store,
    scheduler,
    clock: { now: () => NOW },
    settings: settings({ cap: { max: 2, per: 'P1D' } }),
    rules: compileRuleSet([rule]),
    channels: { sms: channel, email: channel },
    render: () => () => ({
      ok: true,
      locale: 'sv',
      message: { channel: 'sms', text: 'Hej', encoding: 'GSM-7', segments: 1 },
    }),
    random: () => 0.5,
  };
}

describe('sendMessage', () => {
  it('a request refused because another sender holds the claim asks to look again just after the lease', async () => {
    // Arrange
    const store = new MemoryJourneyStore();
    await store.putProfile(aProfile());
    await store.createMessage(aMessageRecord({ messageId: 'm-1', sendAt: '2026-11-23T09:00:00.000Z' }));
    await store.claimForSending('m-1', '2026-11-23T08:59:30.000Z', '2026-11-23T09:00:30.000Z');
    const scheduler = new RecordingScheduler();
    const channel = new CountingChannel();

    // Act
    const outcome = await sendMessage('m-1', depsWith(store, scheduler, channel));

    // Assert
    expect(outcome).toEqual({ kind: 'skipped', messageId: 'm-1', why: 'in-flight' });
    expect(scheduler.schedules).toEqual([{ messageId: 'm-1', at: '2026-11-23T09:00:30.001Z' }]);
    expect(channel.sent).toEqual([]);
  });

  it('a request for a message with an outcome is done: nothing scheduled', async () => {
    // Arrange
    const store = new MemoryJourneyStore();
    await store.createMessage(aMessageRecord({ messageId: 'm-1', status: 'cancelled' }));
    const scheduler = new RecordingScheduler();

    // Act
    const outcome = await sendMessage('m-1', depsWith(store, scheduler, new CountingChannel()));

    // Assert
    expect(outcome).toEqual({ kind: 'skipped', messageId: 'm-1', why: 'already-handled' });
    expect(scheduler.schedules).toEqual([]);
  });

  it('an early request re-arms the message for its own time (a later schedule call may have replaced it)', async () => {
    // Arrange
    const store = new MemoryJourneyStore();
    await store.createMessage(aMessageRecord({ messageId: 'm-1', sendAt: '2026-11-23T10:00:00.000Z' }));
    const scheduler = new RecordingScheduler();

    // Act
    const outcome = await sendMessage('m-1', depsWith(store, scheduler, new CountingChannel()));

    // Assert
    expect(outcome).toEqual({ kind: 'skipped', messageId: 'm-1', why: 'not-due' });
    expect(scheduler.schedules).toEqual([{ messageId: 'm-1', at: '2026-11-23T10:00:00.000Z' }]);
  });

  it('sends started together to one customer: the cap ledger lets exactly `max` through', async () => {
    // Arrange
    const store = new MemoryJourneyStore();
    await store.putProfile(aProfile());
    const ids = ['m-1', 'm-2', 'm-3', 'm-4'];
    for (const id of ids)
      await store.createMessage(aMessageRecord({ messageId: id, sendAt: '2026-11-23T09:00:00.000Z' }));
    const channel = new CountingChannel();
    const deps = depsWith(store, new RecordingScheduler(), channel);

    // Act
    const outcomes = await Promise.all(ids.map((id) => sendMessage(id, deps)));

    // Assert
    expect(outcomes.filter((outcome) => outcome.kind === 'sent')).toHaveLength(2);
    expect(
      outcomes.filter((outcome) => outcome.kind === 'suppressed' && outcome.reason === 'frequency-cap'),
    ).toHaveLength(2);
    expect(channel.sent).toHaveLength(2);
  });
});
