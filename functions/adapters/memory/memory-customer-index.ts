import type { CustomerIndex, CustomerIndexEntry } from '../../app/ports/customer-index.ts';
import type { MemoryGoalLedger } from './memory-goal-ledger.ts';
import type { MemoryMessageStore } from './memory-message-store.ts';
import type { MemoryReplyStore } from './memory-reply-store.ts';
import type { MemoryThresholdCounters } from './memory-threshold-counters.ts';

/** What a memory index entry points at. */
type Ref =
  | { kind: 'MSG'; id: string }
  | { kind: 'REPLY'; id: string }
  | { kind: 'THRESHOLD'; counter: string; position: string }
  | { kind: 'GOAL'; partition: string; id: string };

/**
 * {@link CustomerIndex} in memory, over the memory stores that file items under a customer (the
 * DynamoDB timeline index holds the same kinds: messages, replies, threshold entries, goal-ledger
 * decisions).
 */
export class MemoryCustomerIndex implements CustomerIndex {
  constructor(
    private readonly stores: {
      messages: MemoryMessageStore;
      inboundReplies: MemoryReplyStore;
      thresholds: MemoryThresholdCounters;
      goals: MemoryGoalLedger;
    },
  ) {}

  async listEntries(customerId: string): Promise<CustomerIndexEntry[]> {
    const entries: CustomerIndexEntry[] = [];
    for (const record of this.stores.messages.records.values()) {
      if (record.customerId !== customerId) continue;
      entries.push(entry({ kind: 'MSG', id: record.messageId }, record.messageId, record.createdAt));
    }
    for (const reply of this.stores.inboundReplies.replies.values()) {
      if (reply.customerId !== customerId) continue;
      entries.push(entry({ kind: 'REPLY', id: reply.replyId }, reply.replyId, reply.receivedAt));
    }
    for (const [counter, counted] of this.stores.thresholds.thresholdCounters) {
      for (const [position, counts] of counted) {
        if (counts.customerId !== customerId) continue;
        entries.push(entry({ kind: 'THRESHOLD', counter, position }, counts.eventId, counts.at));
      }
    }
    for (const [partition, decisions] of this.stores.goals.entries) {
      for (const decision of decisions.values()) {
        if (decision.customerId !== customerId) continue;
        // Same id as DynamoDB's `<at>#GOAL#<kind>:<messageId>`: the kind is the partition's second part.
        const id = `${partition.slice(decision.ruleId.length + 1).split('#')[0]}:${decision.messageId}`;
        entries.push(entry({ kind: 'GOAL', partition, id: decision.messageId }, id, decision.at));
      }
    }
    return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }

  async readEntry(indexEntry: CustomerIndexEntry): Promise<Record<string, unknown> | undefined> {
    const ref = parseRef(indexEntry.ref);
    const found =
      ref.kind === 'GOAL'
        ? this.stores.goals.entries.get(ref.partition)?.get(ref.id)
        : ref.kind === 'MSG'
          ? this.stores.messages.records.get(ref.id)
          : ref.kind === 'REPLY'
            ? this.stores.inboundReplies.replies.get(ref.id)
            : this.stores.thresholds.thresholdCounters.get(ref.counter)?.get(ref.position);
    return found === undefined ? undefined : { ...structuredClone(found) };
  }

  async deleteEntry(customerId: string, indexEntry: CustomerIndexEntry): Promise<boolean> {
    const ref = parseRef(indexEntry.ref);
    if (ref.kind === 'MSG') {
      const record = this.stores.messages.records.get(ref.id);
      return record?.customerId === customerId && this.stores.messages.records.delete(ref.id);
    }
    if (ref.kind === 'GOAL') {
      const decisions = this.stores.goals.entries.get(ref.partition);
      return decisions?.get(ref.id)?.customerId === customerId && decisions.delete(ref.id);
    }
    if (ref.kind === 'REPLY') {
      const reply = this.stores.inboundReplies.replies.get(ref.id);
      return reply?.customerId === customerId && this.stores.inboundReplies.replies.delete(ref.id);
    }
    const counted = this.stores.thresholds.thresholdCounters.get(ref.counter);
    return counted?.get(ref.position)?.customerId === customerId && counted.delete(ref.position);
  }
}

function entry(ref: Ref, id: string, at: string): CustomerIndexEntry {
  return { kind: ref.kind, id, at, ref: JSON.stringify(ref) };
}

function parseRef(ref: string): Ref {
  const parsed: unknown = JSON.parse(ref);
  if (parsed !== null && typeof parsed === 'object' && 'kind' in parsed) {
    if (
      (parsed.kind === 'MSG' || parsed.kind === 'REPLY') &&
      'id' in parsed &&
      typeof parsed.id === 'string'
    ) {
      return { kind: parsed.kind, id: parsed.id };
    }
    if (
      parsed.kind === 'THRESHOLD' &&
      'counter' in parsed &&
      typeof parsed.counter === 'string' &&
      'position' in parsed &&
      typeof parsed.position === 'string'
    ) {
      return { kind: 'THRESHOLD', counter: parsed.counter, position: parsed.position };
    }
    if (
      parsed.kind === 'GOAL' &&
      'partition' in parsed &&
      typeof parsed.partition === 'string' &&
      'id' in parsed &&
      typeof parsed.id === 'string'
    ) {
      return { kind: 'GOAL', partition: parsed.partition, id: parsed.id };
    }
  }
  throw new RangeError('customer index: the entry was not issued by this store');
}
