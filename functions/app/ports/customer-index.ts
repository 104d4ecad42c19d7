/**
 * One item the customer index holds for a customer: a message, a reply, a counted threshold
 * event, an archived event, or any kind added later. `kind` is the index's own tag (`MSG`,
 * `REPLY`, `THRESHOLD`, `EVENT`, …), `ref` is opaque (the store's key of the item).
 */
export interface CustomerIndexEntry {
  kind: string;
  /** The item's id within its kind (message id, reply id, event id). */
  id: string;
  /** ISO UTC instant the entry is filed under. */
  at: string;
  ref: string;
}

/**
 * Everything filed under one customer (DynamoDB: the `timeline` index), read and deleted without
 * knowing each kind, so a privacy export or erase also covers kinds added after it was written.
 */
export interface CustomerIndex {
  /** Every entry for the customer, oldest first (all pages). */
  listEntries(customerId: string): Promise<CustomerIndexEntry[]>;
  /** The stored item behind an entry as plain JSON, without the store's key attributes; undefined when gone. */
  readEntry(entry: CustomerIndexEntry): Promise<Record<string, unknown> | undefined>;
  /**
   * Deletes the item behind an entry while it is still filed under `customerId`. True when
   * deleted. Messages are deleted through `MessageStore.deleteMessage`, which refuses one in flight.
   */
  deleteEntry(customerId: string, entry: CustomerIndexEntry): Promise<boolean>;
}
