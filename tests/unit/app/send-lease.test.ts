import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import type { ChannelSender, OutboundMessage, SendReceipt } from '../../../functions/app/ports.ts';
import { type SendDeps, sendMessage } from '../../../functions/app/send-message.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { aProfile, aRule, settings } from '../../support/factories.ts';
import { aMessageRecord } from '../../support/store-contract-fixtures.ts';

const START = '2026-11-23T09:00:00.000Z';

/** A provider whose first answer waits for the test; later ones are accepted at once. */
class HeldProvider implements ChannelSender {
  readonly requests: OutboundMessage[] = [];
  private release: (receipt: SendReceipt) => void = () => undefined;
  private readonly firstAnswer = new Promise<SendReceipt>((resolve) => {
    this.release = resolve;
  });
  private calledOnce: () => void = () => undefined;
  readonly firstCalled = new Promise<void>((resolve) => {
    this.calledOnce = resolve;
  });
  async send(message: OutboundMessage): Promise<SendReceipt> {
    this.requests.push(message);
    if (this.requests.length === 1) {
      this.calledOnce();
      return this.firstAnswer;
    }
    return { ok: true, providerId: `SM${this.requests.length}` };
  }
  answerFirst(receipt: SendReceipt): void {
    this.release(receipt);
  }
}

describe('sendMessage with a lease that lapses mid-call', () => {
  it("a lapsed sender's refusal neither overwrites the new claim's outcome nor gives back its cap place", async () => {
    // Arrange
    const stores = createMemoryStores();
    await stores.profiles.putProfile(aProfile());
    await stores.messages.createMessage(aMessageRecord({ messageId: 'm-1', sendAt: START }));
    let now = DateTime.fromISO(START, { zone: 'utc' });
    const provider = new HeldProvider();
    const deps: SendDeps = {
      ...stores,
      suppressions: new MemorySuppressionStore(),
      scheduler: { schedule: async () => undefined, cancel: async () => undefined },
      clock: { now: () => now },
      settings: settings({ cap: { max: 3, per: 'P1D' } }),
      rules: compileRuleSet([aRule({ id: 'renewal-reminder', window: 'always' })]),
      channels: { sms: provider, email: provider },
      render: () => () => ({
        ok: true,
        locale: 'sv',
        message: { channel: 'sms', text: 'Hej', encoding: 'GSM-7', segments: 1 },
      }),
      leaseMs: 60_000,
      random: () => 0.5,
    };

    // Act: A hangs past its lease; B claims and sends; A's answer is a refusal.
    const first = sendMessage('m-1', deps);
    await provider.firstCalled;
    now = now.plus({ seconds: 61 });
    const second = await sendMessage('m-1', deps);
    provider.answerFirst({ ok: false, retryable: false, code: 'invalid-number', detail: '21211' });
    const late = await first;

    // Assert
    expect(second).toMatchObject({ kind: 'sent', providerId: 'SM2' });
    expect(late).toEqual({ kind: 'skipped', messageId: 'm-1', why: 'lease-lost' });
    expect(await stores.messages.getMessage('m-1')).toMatchObject({
      status: 'sent',
      providerId: 'SM2',
      attempts: 2,
    });
    expect(await stores.caps.countCapSlots('cust-anna', START)).toBe(1);
  });
});
