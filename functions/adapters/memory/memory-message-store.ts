import type { MessageRecord, MessageStatus, StatusChange } from '../../app/message-record.ts';
import { COUNTED_AS_SENT, REPORTED_BY_PROVIDER, STATUS_RANK } from '../../app/message-status-rank.ts';
import type {
  ClaimOptions,
  MessageStore,
  ProviderReport,
  SendFields,
  SentReceipt,
} from '../../app/ports/messages.ts';
import { createdCounters, reportCounters, statusCounters } from '../../app/rule-stat-counters.ts';
import type { MemoryRuleStats } from './memory-rule-stats.ts';

/**
 * {@link MessageStore} in memory, for the simulator and unit tests. Same contract as the DynamoDB
 * store, conditional writes included; it keeps everything (no TTL) and reads return copies, so a
 * caller cannot change stored state by mutation.
 */
export class MemoryMessageStore implements MessageStore {
  /** Every record by id (the console queries and the simulator read it). */
  readonly records = new Map<string, MessageRecord>();
  /** Provider event ids applied per message (the DynamoDB store keeps them on the item). */
  private readonly providerEvents = new Map<string, Set<string>>();

  /** `stats`: the rule counters each outcome is counted on, in the same step (as DynamoDB's transaction). */
  constructor(private readonly stats?: MemoryRuleStats) {}

  async createMessage(record: MessageRecord): Promise<'created' | 'exists'> {
    if (this.records.has(record.messageId)) return 'exists';
    this.records.set(record.messageId, structuredClone(record));
    this.stats?.add(record.ruleId, record.createdAt, createdCounters(record.status, record.reason));
    return 'created';
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    const record = this.records.get(messageId);
    return record === undefined ? undefined : structuredClone(record);
  }

  async transition(
    messageId: string,
    from: ReadonlyArray<MessageStatus>,
    change: StatusChange,
    patch: Partial<MessageRecord> = {},
    claim?: number,
  ): Promise<MessageRecord | undefined> {
    const record = this.records.get(messageId);
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
    this.records.set(messageId, structuredClone(next));
    this.stats?.add(record.ruleId, change.at, statusCounters(change.status, change.reason));
    return structuredClone(next);
  }

  async prepareSend(messageId: string, claim: number, fields: SendFields): Promise<boolean> {
    const record = this.records.get(messageId);
    if (record === undefined || record.status !== 'sending' || record.attempts !== claim) return false;
    this.records.set(messageId, structuredClone({ ...record, ...fields }));
    return true;
  }

  async recordSent(
    messageId: string,
    claim: number,
    sent: SentReceipt,
    options: { shed?: boolean } = {},
  ): Promise<MessageRecord | undefined> {
    const record = this.records.get(messageId);
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
    this.records.set(messageId, structuredClone(next));
    this.stats?.add(record.ruleId, sent.at, statusCounters('sent'));
    return structuredClone(next);
  }

  async claimForSending(
    messageId: string,
    now: string,
    leaseUntil: string,
    options: ClaimOptions = {},
  ): Promise<MessageRecord | undefined> {
    const record = this.records.get(messageId);
    if (record === undefined) return undefined;
    const lapsed = record.status === 'sending' && record.leaseUntil !== undefined && record.leaseUntil < now;
    const due = options.dueBy === undefined || record.sendAt <= options.dueBy;
    if (!(record.status === 'scheduled' && due) && !lapsed) return undefined;
    const next: MessageRecord = {
      ...record,
      status: 'sending',
      leaseUntil,
      attempts: record.attempts + 1,
      history: [...record.history, { at: now, status: 'sending' }],
    };
    this.records.set(messageId, next);
    return structuredClone(next);
  }

  async markSent(claimed: MessageRecord, sent: SentReceipt, options?: { shed?: boolean }): Promise<boolean> {
    return (await this.recordSent(claimed.messageId, claimed.attempts, sent, options)) !== undefined;
  }

  async applyProviderStatusFound(
    messageId: string,
    report: ProviderReport,
  ): Promise<{ result: 'applied' | 'duplicate' | 'stale' | 'not-found'; found?: MessageRecord }> {
    const found = await this.getMessage(messageId);
    const result = await this.applyProviderStatus(messageId, report);
    return found === undefined ? { result } : { result, found };
  }

  async findPending(correlationKey: string): Promise<MessageRecord[]> {
    return [...this.records.values()]
      .filter((record) => record.correlationKey === correlationKey && record.status === 'scheduled')
      .map((record) => structuredClone(record));
  }

  async applyProviderStatus(
    messageId: string,
    report: ProviderReport,
  ): Promise<'applied' | 'duplicate' | 'stale' | 'not-found'> {
    const record = this.records.get(messageId);
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
    this.records.set(messageId, next);
    this.stats?.add(record.ruleId, report.at, reportCounters(report.status, report.reason));
    applied.add(report.providerEventId);
    this.providerEvents.set(messageId, applied);
    return 'applied';
  }

  async findLatestMessageTo(address: string): Promise<MessageRecord | undefined> {
    let latest: MessageRecord | undefined;
    for (const record of this.records.values()) {
      if (record.to !== address || record.sentAt === undefined) continue;
      if (latest?.sentAt === undefined || record.sentAt > latest.sentAt) latest = record;
    }
    return latest === undefined ? undefined : structuredClone(latest);
  }

  async deleteMessage(messageId: string, now: string): Promise<'deleted' | 'in-flight' | 'not-found'> {
    const record = this.records.get(messageId);
    if (record === undefined) return 'not-found';
    if (record.status === 'sending' && record.leaseUntil !== undefined && record.leaseUntil >= now) {
      return 'in-flight';
    }
    this.records.delete(messageId);
    this.providerEvents.delete(messageId);
    return 'deleted';
  }

  async findMessagesSentTo(address: string, since: string, limit: number): Promise<MessageRecord[]> {
    return [...this.records.values()]
      .filter((record) => record.to === address && record.sentAt !== undefined && record.sentAt >= since)
      .sort((a, b) =>
        (b.sentAt ?? '') < (a.sentAt ?? '') ? -1 : (b.sentAt ?? '') > (a.sentAt ?? '') ? 1 : 0,
      )
      .slice(0, limit)
      .map((record) => structuredClone(record));
  }
}
