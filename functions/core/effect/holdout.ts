import { createHash } from 'node:crypto';

/**
 * Where a customer falls for a rule's holdout: a number in [0, 1) derived from (rule id, customer
 * id) alone, so the same customer is always in the same group for a rule, on every surface and
 * every run, and different rules split customers independently. SHA-256 of
 * `<ruleId>\0<customerId>`, first 8 bytes read as an unsigned 64-bit integer, divided by 2^64.
 */
function holdoutPosition(ruleId: string, customerId: string): number {
  const digest = createHash('sha256').update(`${ruleId}\u0000${customerId}`).digest();
  // Two 32-bit halves: exact in a double to 2^-53, plenty for shares written as percentages.
  const high = digest.readUInt32BE(0);
  const low = digest.readUInt32BE(4);
  return (high * 2 ** 32 + low) / 2 ** 64;
}

/** Whether the customer is in the rule's holdout group (`share` is a fraction, 0.1 for 10%). */
export function isHeldOut(ruleId: string, customerId: string, share: number | undefined): boolean {
  if (share === undefined || !(share > 0)) return false;
  return holdoutPosition(ruleId, customerId) < share;
}
