/** Who holds a dedupe key, since when and until when (absent: for good). */
export interface DedupeClaim {
  key: string;
  messageId: string;
  claimedAt?: string;
  heldUntil?: string;
}

/** Dedupe keys, each held by one message for a horizon. */
export interface DedupeClaims {
  /**
   * Claims a dedupe key for a message until `expiresAt` (forever when absent). Returns the id of
   * the message holding the key: the given one when claimed now or earlier, another when taken.
   * "Forever" lasts as long as the store keeps records (DynamoDB: the retention period).
   */
  claimDedupe(key: string, messageId: string, now: string, expiresAt: string | undefined): Promise<string>;
  /** The claim on a key, if any (privacy export). */
  getDedupe(key: string): Promise<DedupeClaim | undefined>;
  /**
   * Deletes the claim on `key` only while `messageId` holds it (privacy erase: another message's
   * claim on the same key is not hers). True when deleted.
   */
  releaseDedupe(key: string, messageId: string): Promise<boolean>;
}
