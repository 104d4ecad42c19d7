import { DateTime, type DurationLike } from 'luxon';
import type { Clock, SendQueue, SendScheduler } from '../../app/ports.ts';

// setTimeout stores its delay in a signed 32-bit int; longer delays fire at once.
const MAX_TIMER_MS = 2_147_483_647;

/** Options of {@link ControllableClock}. */
export interface ControllableClockOptions {
  /** The virtual time to start at. */
  start: DateTime;
  /**
   * Virtual milliseconds per real millisecond. 0 (the default) freezes the clock, so only
   * {@link ControllableClock.set} and {@link ControllableClock.advance} move it (tests); 60 makes
   * an hour pass in a minute (the local runtime's speed-up).
   */
  speed?: number;
  /** Real monotonic time in ms. Default `performance.now()`; tests inject a fake. */
  realNow?: () => number;
}

/**
 * A clock the local runtime and tests control: frozen, or running `speed`× real time from the
 * instant it was last set. Listeners hear every jump and speed change, which is how the
 * {@link LocalSendScheduler} re-arms its timer instead of oversleeping.
 */
export class ControllableClock implements Clock {
  private anchorVirtualMs: number;
  private anchorRealMs: number;
  private rate: number;
  private readonly realNow: () => number;
  private readonly listeners = new Set<() => void>();

  constructor(options: ControllableClockOptions) {
    if (!options.start.isValid) throw new RangeError('ControllableClock needs a valid start instant');
    this.realNow = options.realNow ?? (() => performance.now());
    this.rate = checkedSpeed(options.speed ?? 0);
    this.anchorVirtualMs = options.start.toMillis();
    this.anchorRealMs = this.realNow();
  }

  now(): DateTime {
    return DateTime.fromMillis(this.nowMillis(), { zone: 'utc' });
  }

  /** The virtual time in epoch milliseconds. */
  nowMillis(): number {
    return this.anchorVirtualMs + (this.realNow() - this.anchorRealMs) * this.rate;
  }

  /** Virtual ms per real ms; 0 when frozen. */
  get speed(): number {
    return this.rate;
  }

  /** Jump to an instant (forwards or back); a running clock keeps running from there. */
  set(instant: DateTime): void {
    if (!instant.isValid) throw new RangeError('ControllableClock.set needs a valid instant');
    this.anchorVirtualMs = instant.toMillis();
    this.anchorRealMs = this.realNow();
    this.notify();
  }

  /** Jump forward (or back, for a negative duration). */
  advance(duration: DurationLike): void {
    this.set(this.now().plus(duration));
  }

  /** Run at `speed`× real time from now on (0 freezes); virtual time does not jump. */
  setSpeed(speed: number): void {
    const rate = checkedSpeed(speed);
    this.anchorVirtualMs = this.nowMillis();
    this.anchorRealMs = this.realNow();
    this.rate = rate;
    this.notify();
  }

  /** Called after every `set`, `advance` and `setSpeed`; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function checkedSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed < 0) throw new RangeError('clock speed must be a finite number ≥ 0');
  return speed;
}

/** Options of {@link LocalSendScheduler}. */
export interface LocalSendSchedulerOptions {
  clock: Clock;
  /** Where due message ids go. */
  queue: SendQueue;
  /**
   * Virtual ms per real ms for a clock that cannot say (default 1, i.e. real time). A
   * {@link ControllableClock} reports its own speed, which wins.
   */
  speed?: number;
  /** Real delay before trying again after the queue refused a message. Default 1000 ms. */
  retryDelayMs?: number;
  /** Told when the queue refuses a due message (it stays pending and is retried). */
  onError?: (error: unknown, messageId: string) => void;
}

interface Pending {
  atMs: number;
  /** Insertion order: ties fire first-scheduled first. */
  seq: number;
}

/**
 * The local runtime's scheduler: keeps pending sends in memory and enqueues each when the clock
 * reaches its time, in time order, awaiting the queue for each. After {@link start} a single
 * timer sleeps exactly until the earliest pending time (scaled by the clock's speed) and is
 * re-armed whenever that could change: a schedule, a cancel, or a jump of a ControllableClock.
 * {@link advanceTo} drives it step by step for tests and the simulator.
 *
 * Same contract as the EventBridge one: one pending entry per message id (the last time given
 * wins), cancel of an unknown id is a no-op, and a queue failure keeps the entry (at least once).
 */
export class LocalSendScheduler implements SendScheduler {
  private readonly clock: Clock;
  private readonly queue: SendQueue;
  private readonly fallbackSpeed: number;
  private readonly retryDelayMs: number;
  private readonly onError: ((error: unknown, messageId: string) => void) | undefined;
  private readonly entries = new Map<string, Pending>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private backingOff = false;
  private started = false;
  private unsubscribe: (() => void) | undefined;
  /** Every firing runs on this chain, one at a time, so order holds across timers and advanceTo. */
  private chain: Promise<void> = Promise.resolve();
  private firedCount = 0;
  private lastRefused = '';

  constructor(options: LocalSendSchedulerOptions) {
    this.clock = options.clock;
    this.queue = options.queue;
    this.fallbackSpeed = checkedSpeed(options.speed ?? 1);
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.onError = options.onError;
  }

  async schedule(messageId: string, at: DateTime): Promise<void> {
    if (!at.isValid) throw new RangeError(`cannot schedule ${messageId}: invalid time`);
    this.entries.set(messageId, { atMs: at.toMillis(), seq: this.seq++ });
    this.arm();
  }

  async cancel(messageId: string): Promise<void> {
    if (this.entries.delete(messageId)) this.arm();
  }

  /** What is waiting, earliest first. */
  pending(): Array<{ messageId: string; at: DateTime }> {
    return this.ordered().map(([messageId, entry]) => ({
      messageId,
      at: DateTime.fromMillis(entry.atMs, { zone: 'utc' }),
    }));
  }

  /** How many messages were handed to the queue. */
  get fired(): number {
    return this.firedCount;
  }

  /** Start firing on time (subscribes to a ControllableClock's jumps). */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.clock instanceof ControllableClock) this.unsubscribe = this.clock.onChange(() => this.arm());
    this.arm();
  }

  /** Stop the timer and wait for a firing in progress. Pending entries stay; `start` resumes. */
  async stop(): Promise<void> {
    this.started = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.clearTimer();
    this.backingOff = false;
    await this.chain;
  }

  /**
   * Fire everything due at or before `instant`, in time order, awaiting the queue for each. With
   * a ControllableClock the clock is moved to each firing's time first (so the queue's consumer
   * sees the time it was due), and to `instant` at the end; it is never moved backwards.
   * Rejects with the queue's error if it refuses one (that message stays pending).
   */
  advanceTo(instant: DateTime): Promise<void> {
    if (!instant.isValid) return Promise.reject(new RangeError('advanceTo needs a valid instant'));
    const limitMs = instant.toMillis();
    const controllable = this.clock instanceof ControllableClock ? this.clock : undefined;
    return this.serialized(async () => {
      for (;;) {
        const next = this.earliest();
        if (next === undefined || next[1].atMs > limitMs) break;
        if (controllable !== undefined && controllable.nowMillis() < next[1].atMs) {
          controllable.set(DateTime.fromMillis(next[1].atMs, { zone: 'utc' }));
        }
        await this.fire(next[0], next[1]);
      }
      if (controllable !== undefined && controllable.nowMillis() < limitMs) controllable.set(instant);
    });
  }

  private serialized(work: () => Promise<void>): Promise<void> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async fire(messageId: string, entry: Pending): Promise<void> {
    this.entries.delete(messageId);
    try {
      await this.queue.enqueue(messageId);
      this.firedCount++;
    } catch (error) {
      // Keep it, unless it was rescheduled or cancelled while the queue was busy refusing it.
      if (!this.entries.has(messageId)) this.entries.set(messageId, entry);
      this.lastRefused = messageId;
      throw error;
    }
  }

  /** Timer path: fire what is due now, then sleep until the next one. */
  private onTimer(): void {
    this.timer = undefined;
    void this.serialized(async () => {
      for (;;) {
        const next = this.earliest();
        if (next === undefined || next[1].atMs > this.nowMs()) break;
        await this.fire(next[0], next[1]);
      }
    }).then(
      () => this.arm(),
      (error: unknown) => {
        try {
          this.onError?.(error, this.lastRefused);
        } catch {
          // An observer's failure must not stop the scheduler.
        }
        this.backOff();
      },
    );
  }

  private backOff(): void {
    if (!this.started) return;
    this.clearTimer();
    this.backingOff = true;
    this.timer = setTimeout(() => {
      this.backingOff = false;
      this.onTimer();
    }, this.retryDelayMs);
    this.timer.unref();
  }

  private arm(): void {
    if (!this.started || this.backingOff) return;
    this.clearTimer();
    const next = this.earliest();
    if (next === undefined) return;
    const waitMs = next[1].atMs - this.nowMs();
    let delay = 0;
    if (waitMs > 0) {
      const speed = this.speed();
      // A frozen clock only moves by set/advance, which re-arm us: nothing to wait for.
      if (speed === 0) return;
      delay = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(waitMs / speed)));
    }
    this.timer = setTimeout(() => this.onTimer(), delay);
    // The scheduler alone must not keep a process alive (tests, a CLI run that has finished).
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private speed(): number {
    return this.clock instanceof ControllableClock ? this.clock.speed : this.fallbackSpeed;
  }

  private nowMs(): number {
    return this.clock instanceof ControllableClock ? this.clock.nowMillis() : this.clock.now().toMillis();
  }

  private earliest(): [string, Pending] | undefined {
    let best: [string, Pending] | undefined;
    for (const item of this.entries) {
      if (best === undefined || compare(item[1], best[1]) < 0) best = item;
    }
    return best;
  }

  private ordered(): Array<[string, Pending]> {
    return [...this.entries].sort((a, b) => compare(a[1], b[1]));
  }
}

function compare(a: Pending, b: Pending): number {
  return a.atMs - b.atMs || a.seq - b.seq;
}
