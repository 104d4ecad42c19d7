/**
 * The frequency cap's ledger: per customer, which messages were handed to a provider and when.
 */
export interface CapLedger {
  /**
   * How many messages were handed to a provider for the customer at or after `since`, not
   * counting `except` (the message being decided about).
   */
  countCapSlots(customerId: string, since: string, except?: string): Promise<number>;
  /**
   * Records that `messageId` goes to a provider for the customer at `at`, unless `max` is given
   * and `max` other messages are recorded at or after `since`. True when recorded, now or by an
   * earlier attempt of the same message. A conditional write decides between concurrent sends to
   * one customer, so the cap holds exactly (a count read first could not: both would read 2 of 3).
   */
  reserveCapSlot(
    customerId: string,
    messageId: string,
    at: string,
    since: string,
    max?: number,
  ): Promise<boolean>;
  /** Takes a message out of the ledger: the provider refused it, or reported it failed. */
  releaseCapSlot(customerId: string, messageId: string): Promise<void>;
  /** The whole ledger (message id → when it went to a provider), for a privacy export; empty when none. */
  readCapLedger(customerId: string): Promise<Record<string, string>>;
  /** Deletes the customer's ledger (privacy erase). False when there was none. */
  deleteCapLedger(customerId: string): Promise<boolean>;
}
