import type { SuppressionReason } from '../../core/customers/suppression-address.ts';
import type { Channel } from '../../core/rules/rule-schema.ts';

// The reasons live in the core (outcome events name them too); re-exported for the port's users.
export { SUPPRESSION_REASONS, type SuppressionReason } from '../../core/customers/suppression-address.ts';

/** One change of an address's suppression, kept for audit. */
interface SuppressionChange {
  /** ISO UTC instant (stores keep every instant in UTC, whatever offset it was given with). */
  at: string;
  suppressed: boolean;
  /** Set when `suppressed`. */
  reason?: SuppressionReason;
  /** The statement that made the change: `reply:<sid>`, `sendgrid:<sg_event_id>`, `provider:<code>:<messageId>`, `unsubscribe:<id>`, `reopt-in:<eventId>`, … */
  source: string;
}

/** A person or a provider said no to an address: what a suppression is written from. */
export interface AddressOptOut {
  channel: Channel;
  /** Normalised (see `suppressionAddress`). */
  address: string;
  reason: SuppressionReason;
  /** The statement: `reply:<sid>`, `sendgrid:<sg_event_id>`, `unsubscribe:<messageId>`, … */
  source: string;
  at: string;
  /** The customer the address was correlated to, when known. */
  customerId?: string;
}

/** The suppression state of one address on one channel. */
export interface Suppression {
  channel: Channel;
  /** Normalised: E.164 for a phone number, lower-cased for an email address (see `suppressionAddress`). */
  address: string;
  /** True while suppressed; false once lifted (the entry is kept for audit). */
  suppressed: boolean;
  /** The reason of the latest suppression. */
  reason: SuppressionReason;
  /** The statement behind the latest change. */
  source: string;
  /** ISO UTC instant of the latest change. */
  at: string;
  /** The customer the address was correlated to when it was suppressed, when known. */
  customerId?: string;
  /** Every change, oldest first. */
  history: SuppressionChange[];
}

/**
 * Per-address suppressions: a STOP, an unsubscribe, a spam report or a hard bounce holds for the
 * address itself, whichever customer (or none) it belongs to. Every send checks it. Entries are
 * never expired by retention and survive a customer's erasure, so the opt-out keeps being honoured.
 */
export interface SuppressionStore {
  // Every `at` may carry any offset; stores compare instants as instants (`10:30+01:00` is before
  // `10:00Z`) and keep them in UTC. Every suppress and lift is one conditional write.
  get(channel: Channel, address: string): Promise<Suppression | undefined>;
  /**
   * Suppresses the address. 'duplicate' when this `source` was applied already (a replayed
   * webhook); 'already-suppressed' when it was suppressed by another statement (the new one is
   * still added to the history); 'applied' otherwise.
   */
  suppress(input: AddressOptOut): Promise<'applied' | 'already-suppressed' | 'duplicate'>;
  /**
   * Lifts a suppression: only for the same person's START or an explicit re-opt-in event — the
   * caller decides that. 'not-suppressed' when there is nothing to lift; 'duplicate' for a source
   * applied already; 'stale' when the suppression is newer than `at` (a START sent before the STOP
   * it would undo).
   */
  lift(input: {
    channel: Channel;
    address: string;
    source: string;
    at: string;
  }): Promise<'applied' | 'not-suppressed' | 'duplicate' | 'stale'>;
  /** The entries (current and lifted) of these addresses, for the console and the API. */
  list(addresses: ReadonlyArray<{ channel: Channel; address: string }>): Promise<Suppression[]>;
  /**
   * Removes the customer id from an address's entry while it names `customerId` (privacy erase:
   * the suppression stays, unlinked from the person). True when it was removed.
   */
  detachCustomer(channel: Channel, address: string, customerId: string): Promise<boolean>;
}
