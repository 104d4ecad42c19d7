import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelSender, OutboundMessage, SendReceipt } from '../../../functions/app/ports.ts';
import { guardSenderRate } from '../../../functions/app/sender-rate-guard.ts';

const sms = (segments = 1, messageId = 'm'): OutboundMessage => ({
  messageId,
  channel: 'sms',
  to: '+14155550100',
  message: { channel: 'sms', text: 'x', encoding: 'GSM-7', segments },
});

/** A provider owned by the test: the fake-clock time of every request it received. */
class RecordingProvider implements ChannelSender {
  readonly at: number[] = [];
  constructor(private readonly answer: (n: number) => SendReceipt = () => ({ ok: true, providerId: 'SM' })) {}
  async send(): Promise<SendReceipt> {
    this.at.push(Date.now());
    return this.answer(this.at.length);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function guarded(provider: ChannelSender, mps: number, concurrency: number, maxWaitMs = 15_000) {
  return guardSenderRate(provider, { mps, concurrency, maxWaitMs, nowMs: () => Date.now(), sleep });
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('sender rate guard', () => {
  it('keeps every instance together under the sender’s MPS, whatever the backlog', async () => {
    // Arrange: a sender of 10 segments/s, 4 instances (maxConcurrency 4), each with a backlog it
    // sends one after another for 12 s.
    const provider = new RecordingProvider();
    const end = 12_000;
    const instances = Array.from({ length: 4 }, () => guarded(provider, 10, 4));
    const loops = instances.map(async (guard) => {
      while (Date.now() < end) await guard.send(sms());
    });

    // Act
    await vi.advanceTimersByTimeAsync(end + 5_000);
    await Promise.all(loops);

    // Assert: after the first burst, 10 s of sending may carry 10 × 10 = 100 segments, plus at
    // most one message per instance at the window's edge.
    const inWindow = provider.at.filter((t) => t >= 2_000 && t < 12_000).length;
    expect(inWindow).toBeLessThanOrEqual(100 + 4);
    // And the guard does not starve the sender: at least 90 % of the rate is used.
    expect(inWindow).toBeGreaterThanOrEqual(90);
  });

  it('counts segments, not messages: 2-segment messages go at half the rate', async () => {
    const provider = new RecordingProvider();
    const guard = guarded(provider, 10, 1);
    const loop = (async () => {
      while (Date.now() < 10_000) await guard.send(sms(2));
    })();
    await vi.advanceTimersByTimeAsync(15_000);
    await loop;
    // 10 segments a second = 5 messages a second; over [1 s, 10 s): 45, plus one at the edge.
    const inWindow = provider.at.filter((t) => t >= 1_000 && t < 10_000).length;
    expect(inWindow).toBeLessThanOrEqual(46);
    expect(inWindow).toBeGreaterThanOrEqual(44);
  });

  it('hands back as rate-limited, without calling the provider, what would wait too long', async () => {
    // 1 segment/s for this instance, at most 2 s of waiting: of 6 messages at once, the first goes
    // now, two wait 1 s and 2 s, three come back retryable with the wait they would have had.
    const provider = new RecordingProvider();
    const guard = guarded(provider, 4, 4, 2_000);
    const all = Promise.all(Array.from({ length: 6 }, (_, i) => guard.send(sms(1, `m-${i}`))));
    await vi.advanceTimersByTimeAsync(5_000);
    const receipts = await all;
    expect(provider.at).toEqual([0, 1_000, 2_000]);
    const refused = receipts.filter((r) => !r.ok);
    expect(refused).toHaveLength(3);
    for (const receipt of refused) {
      expect(receipt).toMatchObject({ ok: false, retryable: true, code: 'rate-limited' });
      expect(receipt.ok === false && receipt.retryAfterMs).toBeGreaterThan(2_000);
    }
  });

  it('pauses after the provider’s own 429 for its Retry-After', async () => {
    const provider = new RecordingProvider((n) =>
      n === 1
        ? { ok: false, retryable: true, code: 'rate-limited', detail: 'Twilio 20429', retryAfterMs: 7_000 }
        : { ok: true, providerId: `SM${n}` },
    );
    const guard = guarded(provider, 100, 1);
    const first = await guard.send(sms());
    const second = guard.send(sms());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(first.ok).toBe(false);
    expect((await second).ok).toBe(true);
    // The second request waited out the 7 s (and one token's 10 ms) before reaching Twilio.
    expect(provider.at[1]).toBeGreaterThanOrEqual(7_000);
  });
});
