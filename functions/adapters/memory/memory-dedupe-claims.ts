import type { DedupeClaims } from '../../app/ports/dedupe.ts';

/** {@link DedupeClaims} in memory. */
export class MemoryDedupeClaims implements DedupeClaims {
  private readonly dedupe = new Map<string, { messageId: string; expiresAt: string | undefined }>();

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
}
