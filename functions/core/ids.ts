import { hash } from 'node:crypto';

/** `m-` and room for 32 hex digits: each id is read out of it as one flat string. */
const ID_BYTES = Buffer.from('m-00000000000000000000000000000000', 'latin1');

/**
 * The id of the message a rule sends for one occurrence. Derived, never random, so a duplicated
 * or redelivered event maps to the same id and a conditional write turns it into a no-op.
 */
export function messageIdFor(ruleId: string, occurrence: string): string {
  // The one-shot `hash` (no Hash object): half the cost of createHash, the same digest. The id is
  // copied out of a buffer as one flat string: `m-${digest.slice(0, 32)}` made a rope over a slice
  // that kept the whole 64-digit digest alive as long as the id (ids live in pending messages
  // and cap ledgers for days of a backtest's virtual time).
  ID_BYTES.write(hash('sha256', `${ruleId}\u0000${occurrence}`), 2, 32, 'latin1');
  return ID_BYTES.toString('latin1');
}
