import type { InboundReply, ReplyStore } from '../../app/ports/replies.ts';
import { replyCounters } from '../../app/rule-stat-counters.ts';
import type { MemoryRuleStats } from './memory-rule-stats.ts';

/** {@link ReplyStore} in memory. */
export class MemoryReplyStore implements ReplyStore {
  /** Every reply by id (the console queries read it). */
  readonly replies = new Map<string, InboundReply>();

  /** `stats`: where a reply correlated to a rule's message is counted (replied, optedOut). */
  constructor(private readonly stats?: MemoryRuleStats) {}

  async hasReply(replyId: string): Promise<boolean> {
    return this.replies.has(replyId);
  }

  async recordReply(reply: InboundReply): Promise<'created' | 'exists'> {
    if (this.replies.has(reply.replyId)) return 'exists';
    this.replies.set(reply.replyId, structuredClone(reply));
    if (reply.ruleId !== undefined) this.stats?.add(reply.ruleId, reply.receivedAt, replyCounters(reply));
    return 'created';
  }
}
