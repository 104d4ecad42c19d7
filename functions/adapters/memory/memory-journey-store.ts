import type { MessageRecord, MessageStatus, RejectedEvent, StatusChange } from '../../app/message-record.ts';
import { COUNTED_AS_SENT, REPORTED_BY_PROVIDER, STATUS_RANK } from '../../app/message-status-rank.ts';
import type { InboundReply, JourneyStore, SendFields } from '../../app/ports.ts';
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import type { ThresholdEntry } from '../../core/planning/threshold.ts';

/**
 * The store kept in memory, for the simulator (which replays a file and throws the state away)
 * and for unit tests. Same contract as the DynamoDB store, conditional writes included; it keeps
 * everything (no TTL) and reads return copies, so a caller cannot change stored state by mutation.
 */
export class MemoryJourneyStore implements JourneyStore {
  readonly profiles = new Map<string, CustomerProfile>();
  readonly messages = new Map<string, MessageRecord>();
  readonly rejected: RejectedEvent[] = [];
  readonly replies = new Map<string, InboundReply>();
  private readonly dedupe = new Map<string, { messageId: string; expiresAt: string | undefined }>();
  /** Provider event ids applied per message (the DynamoDB store keeps them on the item). */
  private readonly providerEvents = new Map<string, Set<string>>();
  /** The frequency-cap ledger per customer: message id → when it was handed to a provider. */
  private readonly capLedgers = new Map<string, Map<string, string>>();
  /** Threshold counters: counter → `<at>#<eventId>` → entry (as the DynamoDB sort key orders them). */
  private readonly thresholdCounters = new Map<string, Map<string, ThresholdEntry>>();

  async getProfile(customerId: string): Promise<CustomerProfile | undefined> {
    const profile = this.profiles.get(customerId);
    return profile === undefined ? undefined : structuredClone(profile);
  }

  async putProfile(profile: CustomerProfile): Promise<'written' | 'conflict'> {
    // Every stored profile has a revision; none stored means the writer must have read none.
    if (this.profiles.get(profile.id)?.revision !== profile.revision) return 'conflict';
    this.profiles.set(profile.id, { ...structuredClone(profile), revision: (profile.revision ?? 0) + 1 });
    return 'written';
  }

  async recordRejected(rejected: RejectedEvent): Promise<void> {
    this.rejected.push(structuredClone(rejected));
  }

  async createMessage(record: MessageRecord): Promise<'created' | 'exists'> {
    if (this.messages.has(record.messageId)) return 'exists';
    this.messages.set(record.messageId, structuredClone(record));
    return 'created';
  }

  async claimDedupe(
    key: string,
    messageId: string,
    now: string,
    expiresAt: string | undefined,
  ): Promise<string> {
    const held = this.dedupe.get(key);
    if (
      held !== undefined &&
      held.messageId !== messageId &&
      (held.expiresAt === undefined || held.expiresAt > now)
    ) {
      return held.messageId;
    }
    if (held?.messageId !== messageId) this.dedupe.set(key, { messageId, expiresAt });
    return messageId;
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    const record = this.messages.get(messageId);
    return record === undefined ? undefined : structuredClone(record);
  }

  async transition(
    messageId: string,
    from: ReadonlyArray<MessageStatus>,
    change: StatusChange,
    patch: Partial<MessageRecord> = {},
    claim?: number,
  ): Promise<MessageRecord | undefined> {
    const record = this.messages.get(messageId);
    if (record === undefined || !from.includes(record.status)) return undefined;
    if (claim !== undefined && record.attempts !== claim) return undefined;
    const next: MessageRecord = {
      ...record,
      ...patch,
      status: change.status,
      history: [...record.history, change],
    };
    if (change.reason === undefined) delete next.reason;
    else next.reason = change.reason;
    if (change.detail === undefined) delete next.detail;
    else next.detail = change.detail;
    delete next.leaseUntil;
    this.messages.set(messageId, structuredClone(next));
    return structuredClone(next);
  }

  async prepareSend(messageId: string, claim: number, fields: SendFields): Promise<boolean> {
    const record = this.messages.get(messageId);
    if (record === undefined || record.status !== 'sending' || record.attempts !== claim) return false;
    this.messages.set(messageId, structuredClone({ ...record, ...fields }));
    return true;
  }

  async recordSent(
    messageId: string,
    claim: number,
    sent: { at: string; providerId: string; sentAt: string; reason?: string; detail?: string },
    options: { shed?: boolean } = {},
  ): Promise<MessageRecord | undefined> {
    const record = this.messages.get(messageId);
    if (record === undefined || record.attempts !== claim) return undefined;
    let next: MessageRecord;
    if (record.status === 'sending') {
      const change: StatusChange = {
        at: sent.at,
        status: 'sent',
        ...(sent.reason === undefined ? {} : { reason: sent.reason }),
        ...(sent.detail === undefined ? {} : { detail: sent.detail }),
      };
      next = { ...record, status: 'sent', history: [...record.history, change] };
      if (sent.reason === undefined) delete next.reason;
      else next.reason = sent.reason;
      if (sent.detail === undefined) delete next.detail;
      else next.detail = sent.detail;
    } else if (REPORTED_BY_PROVIDER.has(record.status) && record.providerId === undefined) {
      // A provider report got here first: fill in what only the send step knows, keep its status.
      next = { ...record };
    } else {
      return undefined;
    }
    next.providerId = sent.providerId;
    next.sentAt = sent.sentAt;
    delete next.leaseUntil;
    if (options.shed === true) {
      delete next.rendered;
      next.trigger = { ...next.trigger, detail: {}, trimmed: ['detail'] };
    }
    this.messages.set(messageId, structuredClone(next));
    return structuredClone(next);
  }

  async claimForSending(
    messageId: string,
    now: string,
    leaseUntil: string,
  ): Promise<MessageRecord | undefined> {
    const record = this.messages.get(messageId);
    if (record === undefined) return undefined;
    const lapsed = record.status === 'sending' && record.leaseUntil !== undefined && record.leaseUntil < now;
    if (record.status !== 'scheduled' && !lapsed) return undefined;
    const next: MessageRecord = {
      ...record,
      status: 'sending',
      leaseUntil,
      attempts: record.attempts + 1,
      history: [...record.history, { at: now, status: 'sending' }],
    };
    this.messages.set(messageId, next);
    return structuredClone(next);
  }

  async findPending(correlationKey: string): Promise<MessageRecord[]> {
    return [...this.messages.values()]
      .filter((record) => record.correlationKey === correlationKey && record.status === 'scheduled')
      .map((record) => structuredClone(record));
  }

  async countCapSlots(customerId: string, since: string, except?: string): Promise<number> {
    let count = 0;
    for (const [messageId, at] of this.capLedgers.get(customerId) ?? []) {
      if (messageId !== except && at >= since) count++;
    }
    return count;
  }

  async reserveCapSlot(
    customerId: string,
    messageId: string,
    at: string,
    since: string,
    max?: number,
  ): Promise<boolean> {
    const ledger = this.capLedgers.get(customerId) ?? new Map<string, string>();
    if (ledger.has(messageId)) return true;
    for (const [id, sentAt] of ledger) if (sentAt < since) ledger.delete(id);
    if (max !== undefined && ledger.size >= max) return false;
    ledger.set(messageId, at);
    this.capLedgers.set(customerId, ledger);
    return true;
  }

  async releaseCapSlot(customerId: string, messageId: string): Promise<void> {
    this.capLedgers.get(customerId)?.delete(messageId);
  }

  async applyProviderStatus(
    messageId: string,
    report: { providerEventId: string; status: MessageStatus; at: string; reason?: string; detail?: string },
  ): Promise<'applied' | 'duplicate' | 'stale' | 'not-found'> {
    const record = this.messages.get(messageId);
    if (record === undefined) return 'not-found';
    const applied = this.providerEvents.get(messageId) ?? new Set<string>();
    if (applied.has(report.providerEventId)) return 'duplicate';
    if (STATUS_RANK[record.status] >= STATUS_RANK[report.status]) return 'stale';
    const change: StatusChange = {
      at: report.at,
      status: report.status,
      ...(report.reason === undefined ? {} : { reason: report.reason }),
      ...(report.detail === undefined ? {} : { detail: report.detail }),
    };
    const next: MessageRecord = { ...record, status: report.status, history: [...record.history, change] };
    // As the DynamoDB store: a report that it went out gives a message without sentAt its sentAt.
    if (COUNTED_AS_SENT.has(report.status) && next.sentAt === undefined) next.sentAt = report.at;
    if (report.reason === undefined) delete next.reason;
    else next.reason = report.reason;
    if (report.detail === undefined) delete next.detail;
    else next.detail = report.detail;
    this.messages.set(messageId, next);
    applied.add(report.providerEventId);
    this.providerEvents.set(messageId, applied);
    return 'applied';
  }

  async findLatestMessageTo(address: string): Promise<MessageRecord | undefined> {
    let latest: MessageRecord | undefined;
    for (const record of this.messages.values()) {
      if (record.to !== address || record.sentAt === undefined) continue;
      if (latest?.sentAt === undefined || record.sentAt > latest.sentAt) latest = record;
    }
    return latest === undefined ? undefined : structuredClone(latest);
  }

  async hasReply(replyId: string): Promise<boolean> {
    return this.replies.has(replyId);
  }

  async recordReply(reply: InboundReply): Promise<'created' | 'exists'> {
    if (this.replies.has(reply.replyId)) return 'exists';
    this.replies.set(reply.replyId, structuredClone(reply));
    return 'created';
  }

  /**
   * Newest first by `createdAt` (then message id, as the DynamoDB outbox sorts). The cursor is the
   * position of the last item returned, so pages stay right while new messages arrive.
   *
   * @throws {RangeError} on a cursor this store did not issue.
   */
  async listMessages(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0)) return { items: [] };
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const ordered = [...this.messages.values()]
      .map((record) => ({ record, position: outboxPosition(record) }))
      .filter((entry) => after === undefined || entry.position < after)
      .sort((a, b) => (a.position < b.position ? 1 : a.position > b.position ? -1 : 0));
    const page = ordered.slice(0, limit);
    const last = page.at(-1);
    const items = page.map((entry) => structuredClone(entry.record));
    return ordered.length > limit && last !== undefined
      ? { items, cursor: Buffer.from(last.position, 'utf8').toString('base64url') }
      : { items };
  }

  /** The newest `limit` entries of the customer's timeline, split by kind (as in DynamoDB). */
  async customerTimeline(
    customerId: string,
    limit: number,
  ): Promise<{ messages: MessageRecord[]; replies: InboundReply[] }> {
    const entries: Array<
      | { at: string; message: MessageRecord; reply?: never }
      | { at: string; reply: InboundReply; message?: never }
    > = [];
    for (const message of this.messages.values()) {
      if (message.customerId === customerId) {
        entries.push({ at: `${message.createdAt}#MSG#${message.messageId}`, message });
      }
    }
    for (const reply of this.replies.values()) {
      if (reply.customerId === customerId)
        entries.push({ at: `${reply.receivedAt}#REPLY#${reply.replyId}`, reply });
    }
    entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    const newest = entries.slice(0, Math.max(0, Math.floor(limit)));
    return {
      messages: newest.flatMap((entry) =>
        entry.message === undefined ? [] : [structuredClone(entry.message)],
      ),
      replies: newest.flatMap((entry) => (entry.reply === undefined ? [] : [structuredClone(entry.reply)])),
    };
  }

  async listRejected(limit: number): Promise<RejectedEvent[]> {
    return this.rejected
      .map((rejected, index) => ({ rejected, index }))
      .sort((a, b) =>
        a.rejected.receivedAt < b.rejected.receivedAt
          ? 1
          : a.rejected.receivedAt > b.rejected.receivedAt
            ? -1
            : b.index - a.index,
      )
      .slice(0, Math.max(0, Math.floor(limit)))
      .map((entry) => structuredClone(entry.rejected));
  }

  async recordThresholdEvent(
    counter: string,
    entry: ThresholdEntry,
    _keepUntil: string,
  ): Promise<'created' | 'exists'> {
    const entries = this.thresholdCounters.get(counter) ?? new Map<string, ThresholdEntry>();
    const position = thresholdPosition(entry);
    if (entries.has(position)) return 'exists';
    entries.set(position, structuredClone(entry));
    this.thresholdCounters.set(counter, entries);
    return 'created';
  }

  async countThresholdEvents(counter: string, after: string, until: string): Promise<number> {
    let count = 0;
    for (const entry of this.thresholdCounters.get(counter)?.values() ?? []) {
      if (entry.at > after && entry.at <= until) count++;
    }
    return count;
  }

  async listThresholdEvents(
    counter: string,
    after: string,
    until: string,
    options: { limit: number; order: 'oldest-first' | 'newest-first' },
  ): Promise<ThresholdEntry[]> {
    const inWindow = [...(this.thresholdCounters.get(counter)?.values() ?? [])]
      .filter((entry) => entry.at > after && entry.at <= until)
      .sort((a, b) => (thresholdPosition(a) < thresholdPosition(b) ? -1 : 1));
    if (options.order === 'newest-first') inWindow.reverse();
    return inWindow.slice(0, Math.max(0, Math.floor(options.limit))).map((entry) => structuredClone(entry));
  }
}

/** Sorts like the DynamoDB sort key of a threshold entry: `<at>#<eventId>`. */
function thresholdPosition(entry: ThresholdEntry): string {
  return `${entry.at}#${entry.eventId}`;
}

/** Sorts like the DynamoDB outbox index: `<createdAt>#<messageId>`. */
function outboxPosition(record: MessageRecord): string {
  return `${record.createdAt}#${record.messageId}`;
}

function decodeCursor(cursor: string): string {
  const position = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{4}-\d{2}-\d{2}T.*#.+$/.test(position)) {
    throw new RangeError('listMessages: the cursor was not issued by this store');
  }
  return position;
}
