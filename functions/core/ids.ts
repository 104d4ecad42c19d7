import { createHash } from 'node:crypto';

/**
 * The id of the message a rule sends for one occurrence. Derived, never random, so a duplicated
 * or redelivered event maps to the same id and a conditional write turns it into a no-op.
 */
export function messageIdFor(ruleId: string, occurrence: string): string {
  return `m-${createHash('sha256').update(`${ruleId}\u0000${occurrence}`).digest('hex').slice(0, 32)}`;
}
