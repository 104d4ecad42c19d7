import type { InboundReply, ReplyStore } from '../../app/ports/replies.ts';

/** {@link ReplyStore} in memory. */
export class MemoryReplyStore implements ReplyStore {
  /** Every reply by id (the console queries read it). */
  readonly replies = new Map<string, InboundReply>();

  async hasReply(replyId: string): Promise<boolean> {
    return this.replies.has(replyId);
  }

  async recordReply(reply: InboundReply): Promise<'created' | 'exists'> {
    if (this.replies.has(reply.replyId)) return 'exists';
    this.replies.set(reply.replyId, structuredClone(reply));
    return 'created';
  }
}
