/**
 * The backtest's own message store and scheduler: the memory adapters, made to stream. A message
 * that reaches an outcome (sent, suppressed, cancelled, failed) is handed to a listener and
 * forgotten, so memory holds only what is still pending; cancel and expect find pending messages
 * through an index by correlation key instead of a walk over every record; due sends come off a
 * binary heap instead of a scan. Semantics are the memory adapters' (the store contract).
 */
import type { DateTime } from 'luxon';
import { MemoryMessageStore } from '../adapters/memory/memory-message-store.ts';
import type { MessageRecord, StatusChange } from '../app/message-record.ts';
import type { SendFields } from '../app/ports/messages.ts';
import type { SendScheduler } from '../app/ports.ts';
import { DueHeap, type Scheduled } from './due-heap.ts';

/** Statuses the backtest treats as final: no provider reports come in a dry run. */
const SETTLED: ReadonlySet<string> = new Set([
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'bounced',
  'suppressed',
  'cancelled',
  'held-out',
]);

/** A {@link MemoryMessageStore} that forgets settled messages after telling `onSettled`. */
export class StreamingMessageStore extends MemoryMessageStore {
  private readonly pending = new Map<string, Set<string>>();

  constructor(private readonly onSettled: (record: MessageRecord) => void) {
    super();
  }

  override async createMessage(record: MessageRecord): Promise<'created' | 'exists'> {
    const created = await super.createMessage(record);
    if (created === 'created') this.settle(record.messageId);
    return created;
  }

  override async transition(
    messageId: string,
    from: ReadonlyArray<MessageRecord['status']>,
    change: StatusChange,
    patch?: Partial<MessageRecord>,
    claim?: number,
  ): Promise<MessageRecord | undefined> {
    const next = await super.transition(messageId, from, change, patch, claim);
    this.settle(messageId);
    return next;
  }

  override async prepareSend(messageId: string, claim: number, fields: SendFields): Promise<boolean> {
    const done = await super.prepareSend(messageId, claim, fields);
    this.settle(messageId);
    return done;
  }

  override async recordSent(
    ...args: Parameters<MemoryMessageStore['recordSent']>
  ): ReturnType<MemoryMessageStore['recordSent']> {
    const sent = await super.recordSent(...args);
    this.settle(args[0]);
    return sent;
  }

  override async claimForSending(
    ...args: Parameters<MemoryMessageStore['claimForSending']>
  ): ReturnType<MemoryMessageStore['claimForSending']> {
    const claimed = await super.claimForSending(...args);
    this.settle(args[0]);
    return claimed;
  }

  override async findPending(correlationKey: string): Promise<MessageRecord[]> {
    const out: MessageRecord[] = [];
    for (const messageId of this.pending.get(correlationKey) ?? []) {
      const record = await this.getMessage(messageId);
      if (record?.status === 'scheduled') out.push(record);
    }
    return out;
  }

  /** Messages not settled yet (scheduled past the end of the backtest, or mid-send). */
  unsettled(): IterableIterator<MessageRecord> {
    return this.records.values();
  }

  /** The same, by message id. */
  unsettledById(): ReadonlyMap<string, MessageRecord> {
    return this.records;
  }

  /** Keeps the correlation index right for `messageId`; reports and forgets it once settled. */
  private settle(messageId: string): void {
    const record = this.records.get(messageId);
    if (record === undefined) return;
    const key = record.correlationKey;
    if (key !== undefined) {
      const ids = this.pending.get(key) ?? new Set<string>();
      if (record.status === 'scheduled') ids.add(messageId);
      else ids.delete(messageId);
      if (ids.size === 0) this.pending.delete(key);
      else this.pending.set(key, ids);
    }
    if (!SETTLED.has(record.status)) return;
    this.records.delete(messageId);
    this.onSettled(record);
  }
}

/** A {@link SendScheduler} on a virtual clock backed by a binary heap (lazy deletion on cancel). */
export class HeapScheduler implements SendScheduler {
  private readonly due = new Map<string, number>();
  private readonly heap = new DueHeap<Scheduled>();

  async schedule(messageId: string, at: DateTime): Promise<void> {
    this.scheduleMs(messageId, at.toMillis());
  }

  /** Schedules (or moves) a message to `atMs`. */
  scheduleMs(messageId: string, atMs: number): void {
    this.due.set(messageId, atMs);
    this.heap.push({ key: messageId, sendAtMs: atMs });
  }

  async cancel(messageId: string): Promise<void> {
    this.due.delete(messageId);
  }

  /** Removes and returns the earliest live schedule due at or before `limitMs` (ties by id). */
  takeDue(limitMs: number): { messageId: string; atMs: number } | undefined {
    for (;;) {
      const top = this.heap.takeDue(limitMs);
      if (top === undefined) return undefined;
      // A cancelled or moved schedule leaves a stale entry behind: skip it.
      if (this.due.get(top.key) !== top.sendAtMs) continue;
      this.due.delete(top.key);
      return { messageId: top.key, atMs: top.sendAtMs };
    }
  }
}
