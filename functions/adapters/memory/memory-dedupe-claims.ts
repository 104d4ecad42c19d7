import type { DedupeClaim, DedupeClaims } from '../../app/ports/dedupe.ts';

/** {@link DedupeClaims} in memory. */
export class MemoryDedupeClaims implements DedupeClaims {
  private readonly dedupe = new Map<
    string,
    { messageId: string; claimedAt: string; expiresAt: string | undefined }
  >();

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
    if (held?.messageId !== messageId) this.dedupe.set(key, { messageId, claimedAt: now, expiresAt });
    return messageId;
  }

  async getDedupe(key: string): Promise<DedupeClaim | undefined> {
    const held = this.dedupe.get(key);
    if (held === undefined) return undefined;
    return {
      key,
      messageId: held.messageId,
      claimedAt: held.claimedAt,
      ...(held.expiresAt === undefined ? {} : { heldUntil: held.expiresAt }),
    };
  }

  async releaseDedupe(key: string, messageId: string): Promise<boolean> {
    if (this.dedupe.get(key)?.messageId !== messageId) return false;
    return this.dedupe.delete(key);
  }
}
