import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ControllableClock,
  LocalSendScheduler,
} from '../../../functions/adapters/scheduler/local-send-scheduler.ts';
import { InProcessSendQueue } from '../../../functions/adapters/sqs/in-process-send-queue.ts';
import type { Clock, SendQueue } from '../../../functions/app/ports.ts';

const START = DateTime.fromISO('2026-11-23T09:00:00Z', { zone: 'utc' });
const at = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'utc' });

/** Records what was enqueued, and the clock's time when it was. */
class RecordingQueue implements SendQueue {
  readonly log: Array<{ messageId: string; at: string }> = [];
  failNext = 0;
  constructor(private readonly clock: Clock) {}
  async enqueue(messageId: string): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error(`queue refused ${messageId}`);
    }
    this.log.push({ messageId, at: this.clock.now().toISO() ?? '' });
  }
  ids(): string[] {
    return this.log.map((entry) => entry.messageId);
  }
}

describe('ControllableClock', () => {
  it('is frozen by default and moves only by set and advance', () => {
    // Arrange
    let real = 1_000;
    const clock = new ControllableClock({ start: START, realNow: () => real });

    // Act
    real += 60_000;
    const frozen = clock.now().toISO();
    clock.advance({ minutes: 90 });
    const advanced = clock.now().toISO();
    clock.set(at('2027-01-01T00:00:00Z'));

    // Assert
    expect(frozen).toBe('2026-11-23T09:00:00.000Z');
    expect(advanced).toBe('2026-11-23T10:30:00.000Z');
    expect(clock.now().toISO()).toBe('2027-01-01T00:00:00.000Z');
    expect(clock.speed).toBe(0);
  });

  it('runs speed× real time from the start instant, and from each jump', () => {
    // Arrange
    let real = 5_000;
    const clock = new ControllableClock({ start: START, speed: 60, realNow: () => real });

    // Act
    real += 1_000; // one real second = one virtual minute
    const afterOneSecond = clock.now().toISO();
    clock.advance({ hours: 1 });
    real += 30_000;
    const afterJump = clock.now().toISO();

    // Assert
    expect(afterOneSecond).toBe('2026-11-23T09:01:00.000Z');
    expect(afterJump).toBe('2026-11-23T10:31:00.000Z');
  });

  it('changes speed without a jump in virtual time, and tells its listeners', () => {
    // Arrange
    let real = 0;
    const clock = new ControllableClock({ start: START, speed: 10, realNow: () => real });
    const heard = vi.fn();
    const unsubscribe = clock.onChange(heard);

    // Act
    real += 6_000;
    clock.setSpeed(0);
    real += 6_000;
    unsubscribe();
    clock.advance({ seconds: 1 });

    // Assert
    expect(clock.now().toISO()).toBe('2026-11-23T09:01:01.000Z');
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it('refuses a negative or non-finite speed', () => {
    expect(() => new ControllableClock({ start: START, speed: -1 })).toThrow(RangeError);
    expect(() => new ControllableClock({ start: START }).setSpeed(Number.POSITIVE_INFINITY)).toThrow(
      RangeError,
    );
  });
});

describe('LocalSendScheduler.advanceTo (no timers)', () => {
  let clock: ControllableClock;
  let queue: RecordingQueue;
  let scheduler: LocalSendScheduler;

  beforeEach(() => {
    clock = new ControllableClock({ start: START });
    queue = new RecordingQueue(clock);
    scheduler = new LocalSendScheduler({ clock, queue });
  });

  it('fires everything due in time order, at its time, and keeps the rest', async () => {
    // Arrange
    await scheduler.schedule('c', at('2026-11-23T12:00:00Z'));
    await scheduler.schedule('a', at('2026-11-23T10:00:00Z'));
    await scheduler.schedule('late', at('2026-11-24T09:00:00Z'));
    await scheduler.schedule('b', at('2026-11-23T10:00:00Z'));

    // Act
    await scheduler.advanceTo(at('2026-11-23T18:00:00Z'));

    // Assert
    expect(queue.log).toEqual([
      { messageId: 'a', at: '2026-11-23T10:00:00.000Z' },
      { messageId: 'b', at: '2026-11-23T10:00:00.000Z' },
      { messageId: 'c', at: '2026-11-23T12:00:00.000Z' },
    ]);
    expect(clock.now().toISO()).toBe('2026-11-23T18:00:00.000Z');
    expect(scheduler.pending()).toEqual([{ messageId: 'late', at: at('2026-11-24T09:00:00Z') }]);
    expect(scheduler.fired).toBe(3);
  });

  it('keeps one entry per message, at the last time given, and cancels', async () => {
    // Arrange
    await scheduler.schedule('m', at('2026-11-23T10:00:00Z'));
    await scheduler.schedule('m', at('2026-11-23T11:00:00Z'));
    await scheduler.schedule('gone', at('2026-11-23T10:30:00Z'));

    // Act
    await scheduler.cancel('gone');
    await scheduler.cancel('never-scheduled');
    await scheduler.advanceTo(at('2026-11-23T10:59:59Z'));
    const beforeDue = queue.ids();
    await scheduler.advanceTo(at('2026-11-23T11:00:00Z'));

    // Assert
    expect(beforeDue).toEqual([]);
    expect(queue.ids()).toEqual(['m']);
    expect(scheduler.pending()).toEqual([]);
  });

  it('fires a time already past on the next advance, without moving the clock back', async () => {
    // Arrange
    await scheduler.schedule('overdue', START.minus({ hours: 2 }));

    // Act
    await scheduler.advanceTo(START);

    // Assert
    expect(queue.log).toEqual([{ messageId: 'overdue', at: '2026-11-23T09:00:00.000Z' }]);
  });

  it('keeps a message the queue refused, and rejects with the queue error', async () => {
    // Arrange
    await scheduler.schedule('m', at('2026-11-23T10:00:00Z'));
    queue.failNext = 1;

    // Act
    const refused = scheduler.advanceTo(at('2026-11-23T11:00:00Z'));

    // Assert
    await expect(refused).rejects.toThrow('queue refused m');
    expect(scheduler.pending().map((p) => p.messageId)).toEqual(['m']);
    await scheduler.advanceTo(at('2026-11-23T11:00:00Z'));
    expect(queue.ids()).toEqual(['m']);
  });
});

describe('LocalSendScheduler on timers (fake timers, no real sleeping)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('sleeps exactly until the earliest time, scaled by the clock speed', async () => {
    // Arrange: 60× — ten virtual minutes pass in ten real seconds
    const clock = new ControllableClock({ start: START, speed: 60, realNow: () => Date.now() });
    const queue = new RecordingQueue(clock);
    const scheduler = new LocalSendScheduler({ clock, queue });
    scheduler.start();
    await scheduler.schedule('m', START.plus({ minutes: 10 }));

    // Act
    await vi.advanceTimersByTimeAsync(9_999);
    const early = queue.ids();
    await vi.advanceTimersByTimeAsync(1);

    // Assert
    expect(early).toEqual([]);
    expect(queue.ids()).toEqual(['m']);
    expect(queue.log[0]?.at).toBe('2026-11-23T09:10:00.000Z');
    expect(vi.getTimerCount()).toBe(0);
    await scheduler.stop();
  });

  it('re-arms when an earlier time is scheduled after a later one', async () => {
    // Arrange
    const clock = new ControllableClock({ start: START, speed: 1, realNow: () => Date.now() });
    const queue = new RecordingQueue(clock);
    const scheduler = new LocalSendScheduler({ clock, queue });
    scheduler.start();
    await scheduler.schedule('later', START.plus({ hours: 1 }));

    // Act
    await scheduler.schedule('sooner', START.plus({ seconds: 5 }));
    await vi.advanceTimersByTimeAsync(5_000);

    // Assert
    expect(queue.ids()).toEqual(['sooner']);
    expect(scheduler.pending().map((p) => p.messageId)).toEqual(['later']);
    await scheduler.stop();
  });

  it('with a frozen clock, fires when the clock is advanced (no polling timer)', async () => {
    // Arrange
    const clock = new ControllableClock({ start: START, realNow: () => Date.now() });
    const queue = new RecordingQueue(clock);
    const scheduler = new LocalSendScheduler({ clock, queue });
    scheduler.start();
    await scheduler.schedule('m', START.plus({ days: 14 }));
    const timersWhileFrozen = vi.getTimerCount();

    // Act
    clock.advance({ days: 14 });
    await vi.advanceTimersByTimeAsync(0);

    // Assert
    expect(timersWhileFrozen).toBe(0);
    expect(queue.ids()).toEqual(['m']);
    await scheduler.stop();
  });

  it('uses the given speed for a clock that cannot report one', async () => {
    // Arrange: a plain Clock running 3600× (an hour per real second)
    const base = Date.now();
    const plain: Clock = { now: () => START.plus({ milliseconds: (Date.now() - base) * 3600 }) };
    const queue = new RecordingQueue(plain);
    const scheduler = new LocalSendScheduler({ clock: plain, queue, speed: 3600 });
    scheduler.start();
    await scheduler.schedule('m', START.plus({ hours: 2 }));

    // Act
    await vi.advanceTimersByTimeAsync(1_999);
    const early = queue.ids();
    await vi.advanceTimersByTimeAsync(1);

    // Assert
    expect(early).toEqual([]);
    expect(queue.ids()).toEqual(['m']);
    await scheduler.stop();
  });

  it('retries a refused message after the retry delay and reports the error', async () => {
    // Arrange
    const clock = new ControllableClock({ start: START, speed: 1, realNow: () => Date.now() });
    const queue = new RecordingQueue(clock);
    const onError = vi.fn();
    const scheduler = new LocalSendScheduler({ clock, queue, retryDelayMs: 500, onError });
    scheduler.start();
    queue.failNext = 1;
    await scheduler.schedule('m', START.plus({ seconds: 1 }));

    // Act
    await vi.advanceTimersByTimeAsync(1_000);
    const afterRefusal = queue.ids();
    await vi.advanceTimersByTimeAsync(500);

    // Assert
    expect(afterRefusal).toEqual([]);
    expect(onError).toHaveBeenCalledWith(expect.any(Error), 'm');
    expect(queue.ids()).toEqual(['m']);
    await scheduler.stop();
  });

  it('fires nothing after stop, and resumes on start', async () => {
    // Arrange
    const clock = new ControllableClock({ start: START, speed: 1, realNow: () => Date.now() });
    const queue = new RecordingQueue(clock);
    const scheduler = new LocalSendScheduler({ clock, queue });
    scheduler.start();
    await scheduler.schedule('m', START.plus({ seconds: 2 }));

    // Act
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    const whileStopped = queue.ids();
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);

    // Assert
    expect(whileStopped).toEqual([]);
    expect(queue.ids()).toEqual(['m']);
    await scheduler.stop();
  });

  it('hands due messages to the in-process send queue end to end', async () => {
    // Arrange
    const clock = new ControllableClock({ start: START, speed: 3600, realNow: () => Date.now() });
    const handled: string[] = [];
    const queue = new InProcessSendQueue({
      handler: async (messageId) => {
        handled.push(`${messageId}@${clock.now().toFormat('HH:mm')}`);
      },
    });
    const scheduler = new LocalSendScheduler({ clock, queue });
    scheduler.start();
    await scheduler.schedule('reminder', START.plus({ hours: 3 }));
    await scheduler.schedule('confirmation', START.plus({ minutes: 1 }));

    // Act
    await vi.advanceTimersByTimeAsync(3_000);
    await queue.drain();

    // Assert
    expect(handled).toEqual(['confirmation@09:01', 'reminder@12:00']);
    await scheduler.stop();
  });
});
