/** Dedupe keys, each held by one message for a horizon. */
export interface DedupeClaims {
  /**
   * Claims a dedupe key for a message until `expiresAt` (forever when absent). Returns the id of
   * the message holding the key: the given one when claimed now or earlier, another when taken.
   * "Forever" lasts as long as the store keeps records (DynamoDB: the retention period).
   */
  claimDedupe(key: string, messageId: string, now: string, expiresAt: string | undefined): Promise<string>;
}
