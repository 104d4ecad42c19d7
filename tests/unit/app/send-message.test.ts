import type { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createMemoryStores, type MemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import type { SuppressionStore } from '../../../functions/app/ports/suppressions.ts';
import type {
  ChannelSender,
  OutboundMessage,
  SendReceipt,
  SendScheduler,
} from '../../../functions/app/ports.ts';
import { type SendDeps, sendMessage } from '../../../functions/app/send-message.ts';
import type { OutcomeEvent } from '../../../functions/core/outcomes/outcome-events.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { aProfile, aRule, at, settings } from '../../support/factories.ts';
import { aMessageRecord } from '../../support/store-contract-fixtures.ts';

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
  stores: MemoryStores,
  scheduler: RecordingScheduler,
  channel: CountingChannel,
  suppressions: SuppressionStore = new MemorySuppressionStore(),
  rule = aRule({ id: 'renewal-reminder', window: 'always' }),
): SendDeps {
  return {
    ...stores,
    suppressions,
    scheduler,
    clock: { now: () => NOW },
    settings: settings({ cap: { max: 2, per: 'P1D' } }),
    rules: compileRuleSet([rule]),
    channels: { sms: channel, email: channel },
    render: () => (channel) => ({
      ok: true,
      locale: 'sv',
      message:
        channel === 'sms'
          ? { channel: 'sms', text: 'Hej', encoding: 'GSM-7', segments: 1 }
          : { channel: 'email', subject: 'Hej', text: 'Hej', html: '<p>Hej</p>' },
    }),
    random: () => 0.5,
  };
}

/** `address` STOPped by a reply, and the send step wired for a renewal reminder on `channels`. */
async function stoppedNumber<S extends MemorySuppressionStore>(
  stores: ReturnType<typeof createMemoryStores>,
  suppressions: S,
  address: string,
  channels: Array<'sms' | 'email'>,
) {
  await suppressions.suppress({
    channel: 'sms',
    address,
    reason: 'stop-reply',
    source: 'reply:SM-stop',
    at: '2026-11-22T10:00:00.000Z',
  });
  const channel = new CountingChannel();
  const deps = depsWith(
    stores,
    new RecordingScheduler(),
    channel,
    suppressions,
    aRule({ id: 'renewal-reminder', window: 'always', channels }),
  );
  return { stores, suppressions, channel, deps };
}

describe('sendMessage', () => {
  it('a request refused because another sender holds the claim asks to look again just after the lease', async () => {
    // Arrange
    const stores = createMemoryStores();
    await stores.profiles.putProfile(aProfile());
    await stores.messages.createMessage(
      aMessageRecord({ messageId: 'm-1', sendAt: '2026-11-23T09:00:00.000Z' }),
    );
    await stores.messages.claimForSending('m-1', '2026-11-23T08:59:30.000Z', '2026-11-23T09:00:30.000Z');
    const scheduler = new RecordingScheduler();
    const channel = new CountingChannel();

    // Act
    const outcome = await sendMessage('m-1', depsWith(stores, scheduler, channel));

    // Assert
    expect(outcome).toEqual({ kind: 'skipped', messageId: 'm-1', why: 'in-flight' });
    expect(scheduler.schedules).toEqual([{ messageId: 'm-1', at: '2026-11-23T09:00:30.001Z' }]);
    expect(channel.sent).toEqual([]);
  });

  it('a request for a message with an outcome is done: nothing scheduled', async () => {
    // Arrange
    const stores = createMemoryStores();
    await stores.messages.createMessage(aMessageRecord({ messageId: 'm-1', status: 'cancelled' }));
    const scheduler = new RecordingScheduler();

    // Act
    const outcome = await sendMessage('m-1', depsWith(stores, scheduler, new CountingChannel()));

    // Assert
    expect(outcome).toEqual({ kind: 'skipped', messageId: 'm-1', why: 'already-handled' });
    expect(scheduler.schedules).toEqual([]);
  });

  it('an early request re-arms the message for its own time (a later schedule call may have replaced it)', async () => {
    // Arrange
    const stores = createMemoryStores();
    await stores.messages.createMessage(
      aMessageRecord({ messageId: 'm-1', sendAt: '2026-11-23T10:00:00.000Z' }),
    );
    const scheduler = new RecordingScheduler();

    // Act
    const outcome = await sendMessage('m-1', depsWith(stores, scheduler, new CountingChannel()));

    // Assert
    expect(outcome).toEqual({ kind: 'skipped', messageId: 'm-1', why: 'not-due' });
    expect(scheduler.schedules).toEqual([{ messageId: 'm-1', at: '2026-11-23T10:00:00.000Z' }]);
  });

  it('sends started together to one customer: the cap ledger lets exactly `max` through', async () => {
    // Arrange
    const stores = createMemoryStores();
    await stores.profiles.putProfile(aProfile());
    const ids = ['m-1', 'm-2', 'm-3', 'm-4'];
    for (const id of ids)
      await stores.messages.createMessage(
        aMessageRecord({ messageId: id, sendAt: '2026-11-23T09:00:00.000Z' }),
      );
    const channel = new CountingChannel();
    const deps = depsWith(stores, new RecordingScheduler(), channel);

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

describe('sendMessage: per-address suppressions', () => {
  /** A due reminder to Anna on SMS, then email; her number was suppressed by a STOP. */
  async function annaWithSuppressedNumber(channels: Array<'sms' | 'email'>) {
    const stores = createMemoryStores();
    // Her profile says nothing about consent: the STOP came from the number (e.g. a shared one).
    await stores.profiles.putProfile(aProfile({ phone: '070-123 45 67', email: 'Anna@Example.SE' }));
    await stores.messages.createMessage(
      aMessageRecord({ messageId: 'm-1', sendAt: '2026-11-23T09:00:00.000Z' }),
    );
    return stoppedNumber(stores, new MemorySuppressionStore(), '+46701234567', channels);
  }

  it('a suppressed number (written in national form in the profile) falls back to email, saying why', async () => {
    // Arrange
    const { stores, channel, deps } = await annaWithSuppressedNumber(['sms', 'email']);

    // Act
    const outcome = await sendMessage('m-1', deps);

    // Assert
    expect(outcome).toMatchObject({ kind: 'sent', channel: 'email' });
    expect(channel.sent.map((message) => [message.channel, message.to])).toEqual([
      ['email', 'Anna@Example.SE'],
    ]);
    const record = await stores.messages.getMessage('m-1');
    expect(record?.history.at(-1)).toMatchObject({
      status: 'sent',
      reason: 'fallback',
      detail: 'sms: address suppressed (stop-reply)',
    });
  });

  it('with no other channel the message is suppressed, the reason recorded', async () => {
    const { stores, channel, deps } = await annaWithSuppressedNumber(['sms']);

    const outcome = await sendMessage('m-1', deps);

    expect(outcome).toEqual({ kind: 'suppressed', messageId: 'm-1', reason: 'no-usable-channel' });
    expect(channel.sent).toEqual([]);
    expect(await stores.messages.getMessage('m-1')).toMatchObject({
      status: 'suppressed',
      reason: 'no-usable-channel',
      detail: 'sms: address suppressed (stop-reply)',
    });
  });

  it('an email address is matched whatever its case', async () => {
    const { suppressions, channel, deps } = await annaWithSuppressedNumber(['email']);
    await suppressions.suppress({
      channel: 'email',
      address: 'anna@example.se',
      reason: 'hard-bounce',
      source: 'sendgrid:sg-1',
      at: '2026-11-22T10:00:00.000Z',
    });

    const outcome = await sendMessage('m-1', deps);

    expect(outcome).toMatchObject({ kind: 'suppressed', reason: 'no-usable-channel' });
    expect(channel.sent).toEqual([]);
  });

  it('a lifted suppression no longer holds', async () => {
    const { suppressions, channel, deps } = await annaWithSuppressedNumber(['sms']);
    await suppressions.lift({
      channel: 'sms',
      address: '+46701234567',
      source: 'reply:SM-start',
      at: '2026-11-22T11:00:00.000Z',
    });

    const outcome = await sendMessage('m-1', deps);

    expect(outcome).toMatchObject({ kind: 'sent', channel: 'sms' });
    expect(channel.sent).toHaveLength(1);
  });

  it('a carrier opt-out (Twilio 21610) suppresses the number itself, and says so on the bus', async () => {
    // Arrange
    const stores = createMemoryStores();
    await stores.profiles.putProfile(aProfile());
    await stores.messages.createMessage(
      aMessageRecord({ messageId: 'm-1', sendAt: '2026-11-23T09:00:00.000Z' }),
    );
    const suppressions = new MemorySuppressionStore();
    const refusing: ChannelSender = {
      send: async () => ({
        ok: false,
        retryable: false,
        code: '21610',
        detail: 'unsubscribed recipient',
        optedOut: true,
      }),
    };
    const published: OutcomeEvent[] = [];
    const deps: SendDeps = {
      ...depsWith(stores, new RecordingScheduler(), new CountingChannel(), suppressions),
      channels: { sms: refusing, email: refusing },
      outcomes: { publish: async (events) => void published.push(...events) },
    };

    // Act
    await sendMessage('m-1', deps);

    // Assert
    expect(await suppressions.get('sms', '+46701234567')).toMatchObject({
      suppressed: true,
      reason: 'carrier-opt-out',
      customerId: 'cust-anna',
    });
    expect(published.filter((event) => event.detailType === 'CustomerOptedOut')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({
          customerId: 'cust-anna',
          channel: 'sms',
          reason: 'carrier-opt-out',
        }),
      }),
    ]);
  });
});

describe('sendMessage: suppressions of the planned addresses, read with the profile', () => {
  const OLD_NUMBER = '+46701234567';
  const NEW_NUMBER = '+46709876543';

  /** Suppressions, with each `list` call's addresses kept. */
  class ListLog extends MemorySuppressionStore {
    readonly asked: string[][] = [];
    override async list(addresses: ReadonlyArray<{ channel: 'sms' | 'email'; address: string }>) {
      this.asked.push(addresses.map(({ channel, address }) => `${channel}:${address}`));
      return super.list(addresses);
    }
  }

  /** A due SMS-only reminder planned for Anna's old number; her profile now holds `phone`. */
  async function plannedForOldNumber(phone: string, stopped: string) {
    const stores = createMemoryStores();
    await stores.profiles.putProfile(aProfile({ phone, email: 'anna@example.se' }));
    await stores.messages.createMessage(
      aMessageRecord({
        messageId: 'm-1',
        sendAt: '2026-11-23T09:00:00.000Z',
        plannedAddresses: [
          { channel: 'sms', address: OLD_NUMBER },
          { channel: 'email', address: 'anna@example.se' },
        ],
      }),
    );
    return stoppedNumber(stores, new ListLog(), stopped, ['sms']);
  }

  it('a number changed to since planning is read after the profile: its STOP holds', async () => {
    // Arrange: planned for the old number; the customer moved to a number that said STOP.
    const { stores, suppressions, channel, deps } = await plannedForOldNumber(NEW_NUMBER, NEW_NUMBER);

    // Act
    const outcome = await sendMessage('m-1', deps);

    // Assert
    expect(outcome).toEqual({ kind: 'suppressed', messageId: 'm-1', reason: 'no-usable-channel' });
    expect(channel.sent).toEqual([]);
    expect(await stores.messages.getMessage('m-1')).toMatchObject({
      detail: 'sms: address suppressed (stop-reply)',
    });
    // The planned addresses with the profile, then the new number alone.
    expect(suppressions.asked).toEqual([
      [`sms:${OLD_NUMBER}`, 'email:anna@example.se'],
      [`sms:${NEW_NUMBER}`],
    ]);
  });

  it("the old number's STOP does not hold for the number the customer changed to", async () => {
    const { suppressions, channel, deps } = await plannedForOldNumber(NEW_NUMBER, OLD_NUMBER);

    const outcome = await sendMessage('m-1', deps);

    expect(outcome).toMatchObject({ kind: 'sent', channel: 'sms' });
    expect(channel.sent.map((message) => message.to)).toEqual([NEW_NUMBER]);
    expect(suppressions.asked).toHaveLength(2);
  });

  it('unchanged addresses are read once, and a STOP on the planned number holds', async () => {
    // The profile writes the planned number nationally: the same address once normalised.
    const { suppressions, channel, deps } = await plannedForOldNumber('070-123 45 67', OLD_NUMBER);

    const outcome = await sendMessage('m-1', deps);

    expect(outcome).toEqual({ kind: 'suppressed', messageId: 'm-1', reason: 'no-usable-channel' });
    expect(channel.sent).toEqual([]);
    expect(suppressions.asked).toEqual([[`sms:${OLD_NUMBER}`, 'email:anna@example.se']]);
  });
});

describe('sendMessage: rate limits', () => {
  /** A channel that answers the first `refusals` sends with `refusal`, then accepts; counts every call. */
  function answering(refusals: number, refusal: SendReceipt): ChannelSender & { calls: number } {
    const channel = {
      calls: 0,
      async send(): Promise<SendReceipt> {
        channel.calls += 1;
        return channel.calls <= refusals ? refusal : { ok: true, providerId: `SM${channel.calls}` };
      },
    };
    return channel;
  }

  /** Sends until the message is no longer retried, moving the clock to each retry's time. */
  async function sendUntilSettled(channel: ChannelSender): Promise<{ outcome: unknown; waits: number[] }> {
    const stores = createMemoryStores();
    await stores.profiles.putProfile(aProfile());
    await stores.messages.createMessage(
      aMessageRecord({ messageId: 'm-1', sendAt: '2026-11-23T09:00:00.000Z' }),
    );
    let now = NOW;
    const waits: number[] = [];
    const deps: SendDeps = {
      ...depsWith(stores, new RecordingScheduler(), new CountingChannel()),
      channels: { sms: channel, email: channel },
      clock: { now: () => now },
    };
    // Bounded: a message retried for ever is a failure of its own, not a hung test.
    for (let round = 0; round < 100; round++) {
      const outcome = await sendMessage('m-1', deps);
      if (outcome.kind !== 'retrying') return { outcome, waits };
      const until = at(outcome.until);
      waits.push(until.toMillis() - now.toMillis());
      now = until;
    }
    throw new Error('still retrying after 100 sends');
  }

  const rateLimited: SendReceipt = {
    ok: false,
    retryable: true,
    code: 'rate-limited',
    detail: 'HTTP 429',
    retryAfterMs: 1_000,
  };

  it('waits out more rate-limited answers than the message has attempts, and sends', async () => {
    // Arrange: 8 rate limits, more than the 5 attempts a failing provider gets.
    const channel = answering(8, rateLimited);

    // Act
    const { outcome, waits } = await sendUntilSettled(channel);

    // Assert
    expect(outcome).toMatchObject({ kind: 'sent' });
    expect(channel.calls).toBe(9);
    // Backoff from 2 s doubling (jitter 0.5 → ×1), never shorter than Retry-After, capped at 2^6.
    expect(waits).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 128_000]);
  });

  it('a failing provider still gets 5 attempts; the rate limits before them did not use any', async () => {
    // Arrange: 3 rate limits, then a provider that fails for good.
    let calls = 0;
    const channel: ChannelSender = {
      async send(): Promise<SendReceipt> {
        calls += 1;
        return calls <= 3
          ? rateLimited
          : { ok: false, retryable: true, code: 'provider-error', detail: 'HTTP 500' };
      },
    };

    // Act
    const { outcome } = await sendUntilSettled(channel);

    // Assert
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'retries-exhausted' });
    expect(calls).toBe(3 + 5);
  });

  it('gives up after 30 rate-limited waits', async () => {
    // Arrange
    const channel = answering(Number.POSITIVE_INFINITY, rateLimited);

    // Act
    const { outcome, waits } = await sendUntilSettled(channel);

    // Assert
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'retries-exhausted' });
    expect(waits).toHaveLength(30);
    expect(channel.calls).toBe(31);
  });
});
