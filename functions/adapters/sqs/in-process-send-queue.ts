import type { SendQueue } from '../../app/ports.ts';

/**
 * The send queue of the local runtime: SQS standard-queue semantics, in process.
 *
 * - **At least once.** Each `enqueue` is one delivery unit; enqueueing the same id twice delivers
 *   it twice (as two SQS messages would). The send step is idempotent, so that is safe.
 * - **Bounded concurrency.** At most `concurrency` handler calls run at once, like a Lambda event
 *   source mapping's maximum concurrency, which is what keeps provider rate limits honest.
 * - **Redelivery.** A handler that throws gets the message back after `redeliveryDelayMs` (the
 *   visibility timeout), until it has been received `maxReceives` times; then it moves to the
 *   dead-letter list (a redrive policy's `maxReceiveCount`), where {@link deadLetters} shows it.
 *
 * Not modelled: a handler that hangs is not redelivered while it runs (SQS would redeliver
 * after the visibility timeout); FIFO ordering is not promised.
 */

/** Handles one message id; a throw or rejection means "not done, redeliver". */
export type SendQueueHandler = (messageId: string) => Promise<void>;

/** A message that failed `maxReceives` times. */
export interface DeadLetter {
  messageId: string;
  receiveCount: number;
  /** What the last attempt threw. */
  error: unknown;
}

/** One failed attempt, reported to `onError`. */
export interface DeliveryFailure {
  messageId: string;
  receiveCount: number;
  error: unknown;
  /** True when this failure sent the message to the dead-letter list. */
  deadLettered: boolean;
}

/** What went through the queue so far, and what is in it now. */
export interface SendQueueCounts {
  enqueued: number;
  /** Handler calls started (first deliveries and redeliveries). */
  received: number;
  succeeded: number;
  /** Handler calls that threw. */
  failed: number;
  redelivered: number;
  deadLettered: number;
  /** Waiting for a worker. */
  ready: number;
  inFlight: number;
  /** Waiting out their delay (a redelivery's, or one asked for at enqueue). */
  delayed: number;
  /** The most handler calls that ran at once. */
  maxInFlight: number;
  /** Delayed redeliveries dropped by {@link InProcessSendQueue.close}. */
  abandoned: number;
}

/** Options of {@link InProcessSendQueue}. */
export interface InProcessSendQueueOptions {
  handler: SendQueueHandler;
  /** Workers. Default 4. */
  concurrency?: number;
  /** Receives before a message is dead-lettered. Default 3. */
  maxReceives?: number;
  /** Delay before a failed message is visible again, fixed or by receive count. Default 1000 ms. */
  redeliveryDelayMs?: number | ((receiveCount: number) => number);
  /** Told about every failed attempt (logging, metrics). Must not throw. */
  onError?: (failure: DeliveryFailure) => void;
}

/** Thrown by {@link InProcessSendQueue.enqueue} after {@link InProcessSendQueue.close}. */
export class SendQueueClosedError extends Error {
  override readonly name = 'SendQueueClosedError';
  readonly retryable = false;
}

interface Envelope {
  messageId: string;
  receiveCount: number;
}

/** See the module comment. */
export class InProcessSendQueue implements SendQueue {
  private readonly handler: SendQueueHandler;
  private readonly concurrency: number;
  private readonly maxReceives: number;
  private readonly redeliveryDelay: (receiveCount: number) => number;
  private readonly onError: ((failure: DeliveryFailure) => void) | undefined;
  private readonly ready: Envelope[] = [];
  private readonly delayed = new Map<Envelope, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly dead: DeadLetter[] = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly tally = {
    enqueued: 0,
    received: 0,
    succeeded: 0,
    failed: 0,
    redelivered: 0,
    deadLettered: 0,
    maxInFlight: 0,
    abandoned: 0,
  };

  constructor(options: InProcessSendQueueOptions) {
    const concurrency = options.concurrency ?? 4;
    const maxReceives = options.maxReceives ?? 3;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError('concurrency must be an integer ≥ 1');
    if (!Number.isInteger(maxReceives) || maxReceives < 1)
      throw new RangeError('maxReceives must be an integer ≥ 1');
    const delay = options.redeliveryDelayMs ?? 1000;
    this.handler = options.handler;
    this.concurrency = concurrency;
    this.maxReceives = maxReceives;
    this.redeliveryDelay = typeof delay === 'function' ? delay : () => delay;
    this.onError = options.onError;
  }

  /**
   * Accepts the message and returns at once, as SendMessage does; delivery happens on a worker,
   * after `delayMs` of real time when given (SQS `DelaySeconds`).
   */
  async enqueue(messageId: string, options: { delayMs?: number } = {}): Promise<void> {
    if (this.closed)
      throw new SendQueueClosedError(`the send queue is closed; ${messageId} was not accepted`);
    this.tally.enqueued++;
    const envelope = { messageId, receiveCount: 0 };
    const delayMs = options.delayMs ?? 0;
    if (delayMs > 0) {
      this.delay(envelope, delayMs);
      return;
    }
    this.ready.push(envelope);
    this.pump();
  }

  /** Resolves once nothing is ready, in flight or waiting for redelivery. */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Messages that exhausted their receives, oldest first. */
  deadLetters(): ReadonlyArray<DeadLetter> {
    return [...this.dead];
  }

  counts(): SendQueueCounts {
    return {
      ...this.tally,
      ready: this.ready.length,
      inFlight: this.inFlight.size,
      delayed: this.delayed.size,
    };
  }

  /**
   * Stops accepting messages, drops pending redeliveries (counted as `abandoned`) and waits for
   * the handler calls in flight. Messages already ready are still delivered.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.tally.abandoned += this.delayed.size;
    this.delayed.clear();
    await this.drain();
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency) {
      const envelope = this.ready.shift();
      if (envelope === undefined) break;
      envelope.receiveCount++;
      this.tally.received++;
      const delivery = this.deliver(envelope).finally(() => {
        this.inFlight.delete(delivery);
        this.pump();
      });
      this.inFlight.add(delivery);
      this.tally.maxInFlight = Math.max(this.tally.maxInFlight, this.inFlight.size);
    }
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async deliver(envelope: Envelope): Promise<void> {
    try {
      // Through a microtask so a handler that throws synchronously is a failed delivery too.
      await Promise.resolve().then(() => this.handler(envelope.messageId));
      this.tally.succeeded++;
    } catch (error) {
      this.tally.failed++;
      const deadLettered = envelope.receiveCount >= this.maxReceives;
      this.report({
        messageId: envelope.messageId,
        receiveCount: envelope.receiveCount,
        error,
        deadLettered,
      });
      if (deadLettered) {
        this.dead.push({ messageId: envelope.messageId, receiveCount: envelope.receiveCount, error });
        this.tally.deadLettered++;
      } else if (this.closed) {
        this.tally.abandoned++;
      } else {
        this.redeliverLater(envelope);
      }
    }
  }

  private redeliverLater(envelope: Envelope): void {
    this.delay(envelope, this.redeliveryDelay(envelope.receiveCount), () => this.tally.redelivered++);
  }

  private delay(envelope: Envelope, ms: number, onReady?: () => void): void {
    const timer = setTimeout(
      () => {
        this.delayed.delete(envelope);
        onReady?.();
        this.ready.push(envelope);
        this.pump();
      },
      Math.max(0, ms),
    );
    this.delayed.set(envelope, timer);
  }

  private report(failure: DeliveryFailure): void {
    try {
      this.onError?.(failure);
    } catch {
      // A broken observer must not turn one failed delivery into a lost message.
    }
  }

  private isIdle(): boolean {
    return this.ready.length === 0 && this.inFlight.size === 0 && this.delayed.size === 0;
  }
}
