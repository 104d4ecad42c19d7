import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type DeliveryFailure,
  InProcessSendQueue,
  SendQueueClosedError,
} from '../../../functions/adapters/sqs/in-process-send-queue.ts';

/** A promise the test resolves, to hold a handler in flight. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('InProcessSendQueue', () => {
  it('holds a message asked to wait (delayMs) back until the delay has passed', async () => {
    // Arrange
    vi.useFakeTimers();
    try {
      const handled: string[] = [];
      const queue = new InProcessSendQueue({ handler: async (messageId) => void handled.push(messageId) });

      // Act
      await queue.enqueue('m-later', { delayMs: 2_000 });
      await queue.enqueue('m-now');
      await vi.advanceTimersByTimeAsync(1_999);
      const early = [...handled];
      await vi.advanceTimersByTimeAsync(1);
      await queue.drain();

      // Assert
      expect(early).toEqual(['m-now']);
      expect(handled).toEqual(['m-now', 'm-later']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('delivers every enqueued message and drains to idle', async () => {
    // Arrange
    const handled: string[] = [];
    const queue = new InProcessSendQueue({
      handler: async (messageId) => {
        handled.push(messageId);
      },
    });

    // Act
    await queue.enqueue('m-1');
    await queue.enqueue('m-2');
    await queue.drain();

    // Assert
    expect(handled.sort()).toEqual(['m-1', 'm-2']);
    expect(queue.counts()).toMatchObject({
      enqueued: 2,
      received: 2,
      succeeded: 2,
      failed: 0,
      ready: 0,
      inFlight: 0,
    });
  });

  it('resolves drain at once when idle', async () => {
    const queue = new InProcessSendQueue({ handler: async () => undefined });
    await expect(queue.drain()).resolves.toBeUndefined();
  });

  it('runs at most `concurrency` handlers at once', async () => {
    // Arrange
    const gates = new Map<string, ReturnType<typeof gate>>();
    const started: string[] = [];
    const queue = new InProcessSendQueue({
      concurrency: 2,
      handler: async (messageId) => {
        started.push(messageId);
        const g = gate();
        gates.set(messageId, g);
        await g.promise;
      },
    });

    // Act
    for (const id of ['a', 'b', 'c', 'd', 'e']) await queue.enqueue(id);
    await Promise.resolve();
    await Promise.resolve();
    const whileBlocked = { started: [...started], counts: queue.counts() };
    gates.get('a')?.open();
    await vi.waitFor(() => expect(started).toContain('c'));
    for (const id of ['b', 'c', 'd', 'e']) {
      await vi.waitFor(() => expect(gates.has(id)).toBe(true));
      gates.get(id)?.open();
    }
    await queue.drain();

    // Assert
    expect(whileBlocked.started).toEqual(['a', 'b']);
    expect(whileBlocked.counts).toMatchObject({ inFlight: 2, ready: 3 });
    expect(queue.counts()).toMatchObject({ succeeded: 5, maxInFlight: 2 });
  });

  it('delivers the same id twice when it is enqueued twice (at least once, like SQS)', async () => {
    const handled: string[] = [];
    const queue = new InProcessSendQueue({
      handler: async (messageId) => {
        handled.push(messageId);
      },
    });
    await queue.enqueue('m');
    await queue.enqueue('m');
    await queue.drain();
    expect(handled).toEqual(['m', 'm']);
  });

  describe('redelivery (fake timers)', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('redelivers a message whose handler threw, after the delay', async () => {
      // Arrange
      let attempts = 0;
      const failures: DeliveryFailure[] = [];
      const queue = new InProcessSendQueue({
        redeliveryDelayMs: 1_000,
        onError: (failure) => failures.push(failure),
        handler: async () => {
          attempts++;
          if (attempts === 1) throw new Error('provider timeout');
        },
      });

      // Act
      await queue.enqueue('m');
      await vi.advanceTimersByTimeAsync(999);
      const beforeDelay = { attempts, counts: queue.counts() };
      await vi.advanceTimersByTimeAsync(1);
      await queue.drain();

      // Assert
      expect(beforeDelay.attempts).toBe(1);
      expect(beforeDelay.counts).toMatchObject({ delayed: 1, failed: 1 });
      expect(attempts).toBe(2);
      expect(failures).toEqual([
        { messageId: 'm', receiveCount: 1, error: expect.any(Error), deadLettered: false },
      ]);
      expect(queue.counts()).toMatchObject({
        received: 2,
        succeeded: 1,
        failed: 1,
        redelivered: 1,
        deadLettered: 0,
      });
      expect(queue.deadLetters()).toEqual([]);
    });

    it('dead-letters after maxReceives, keeping the last error, and drain still resolves', async () => {
      // Arrange
      const queue = new InProcessSendQueue({
        maxReceives: 3,
        redeliveryDelayMs: (receiveCount) => receiveCount * 100,
        handler: async (messageId) => {
          throw new Error(`cannot send ${messageId}`);
        },
      });
      let drained = false;

      // Act
      await queue.enqueue('m-bad');
      const draining = queue.drain().then(() => {
        drained = true;
      });
      await vi.advanceTimersByTimeAsync(100 + 200);
      await draining;

      // Assert
      expect(drained).toBe(true);
      expect(queue.deadLetters()).toEqual([
        { messageId: 'm-bad', receiveCount: 3, error: new Error('cannot send m-bad') },
      ]);
      expect(queue.counts()).toMatchObject({
        received: 3,
        failed: 3,
        redelivered: 2,
        deadLettered: 1,
        delayed: 0,
      });
    });

    it('treats a handler that throws synchronously as a failed delivery', async () => {
      const queue = new InProcessSendQueue({
        maxReceives: 1,
        handler: (messageId) => {
          throw new Error(`sync ${messageId}`);
        },
      });
      await queue.enqueue('m');
      await queue.drain();
      expect(queue.deadLetters().map((d) => d.messageId)).toEqual(['m']);
    });

    it('close refuses new messages, drops pending redeliveries and waits for the ones in flight', async () => {
      // Arrange
      const hold = gate();
      const queue = new InProcessSendQueue({
        redeliveryDelayMs: 60_000,
        handler: async (messageId) => {
          if (messageId === 'fails') throw new Error('later');
          await hold.promise;
        },
      });
      await queue.enqueue('fails');
      await queue.enqueue('slow');
      await vi.advanceTimersByTimeAsync(0);

      // Act
      const closing = queue.close();
      const refused = queue.enqueue('too-late');
      hold.open();
      await closing;

      // Assert
      await expect(refused).rejects.toBeInstanceOf(SendQueueClosedError);
      expect(queue.counts()).toMatchObject({ succeeded: 1, abandoned: 1, delayed: 0, inFlight: 0 });
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('refuses a concurrency or maxReceives below 1', () => {
    expect(() => new InProcessSendQueue({ handler: async () => undefined, concurrency: 0 })).toThrow(
      RangeError,
    );
    expect(() => new InProcessSendQueue({ handler: async () => undefined, maxReceives: 0 })).toThrow(
      RangeError,
    );
  });
});
