import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import type { MessageRecord, MessageStatus, RejectedEvent, StatusChange } from '../../app/message-record.ts';
import type { JourneyStore } from '../../app/ports.ts';

const SENT_STATUSES: ReadonlySet<MessageStatus> = new Set(['sent', 'delivered', 'undelivered', 'bounced']);

/**
 * The store kept in memory, for the simulator (which replays a file and throws the state away)
 * and for unit tests. Same contract as the DynamoDB store, conditional writes included.
 */
export class MemoryJourneyStore implements JourneyStore {
  readonly profiles = new Map<string, CustomerProfile>();
  readonly messages = new Map<string, MessageRecord>();
  readonly rejected: RejectedEvent[] = [];
  private readonly dedupe = new Map<string, { messageId: string; expiresAt: string | undefined }>();

  async getProfile(customerId: string): Promise<CustomerProfile | undefined> {
    return this.profiles.get(customerId);
  }

  async putProfile(profile: CustomerProfile): Promise<void> {
    this.profiles.set(profile.id, structuredClone(profile));
  }

  async recordRejected(rejected: RejectedEvent): Promise<void> {
    this.rejected.push(rejected);
  }

  async createMessage(record: MessageRecord): Promise<'created' | 'exists'> {
    if (this.messages.has(record.messageId)) return 'exists';
    this.messages.set(record.messageId, structuredClone(record));
    return 'created';
  }

  async claimDedupe(key: string, messageId: string, now: string, expiresAt: string | undefined): Promise<string> {
    const held = this.dedupe.get(key);
    if (held !== undefined && held.messageId !== messageId && (held.expiresAt === undefined || held.expiresAt > now)) {
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
  ): Promise<MessageRecord | undefined> {
    const record = this.messages.get(messageId);
    if (record === undefined || !from.includes(record.status)) return undefined;
    const next: MessageRecord = { ...record, ...patch, status: change.status, history: [...record.history, change] };
    if (change.reason === undefined) delete next.reason;
    else next.reason = change.reason;
    if (change.detail === undefined) delete next.detail;
    else next.detail = change.detail;
    delete next.leaseUntil;
    this.messages.set(messageId, next);
    return structuredClone(next);
  }

  async claimForSending(messageId: string, now: string, leaseUntil: string): Promise<MessageRecord | undefined> {
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

  async countSentSince(customerId: string, since: string): Promise<number> {
    let count = 0;
    for (const record of this.messages.values()) {
      if (record.customerId !== customerId || record.sentAt === undefined) continue;
      if (SENT_STATUSES.has(record.status) && record.sentAt >= since) count++;
    }
    return count;
  }
}
