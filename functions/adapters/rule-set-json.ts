import { createHash } from 'node:crypto';
import type { RuleSetContent } from '../app/ports/rule-sets.ts';

/**
 * A rule set's content as stored: its JSON in UTF-8 and the SHA-256 of those bytes. The hash is
 * the version's `sourceHash`; two publishes of the same files give the same hash.
 */
export function encodeRuleSet(content: RuleSetContent): { bytes: Buffer; sourceHash: string } {
  const bytes = Buffer.from(JSON.stringify(content), 'utf8');
  return { bytes, sourceHash: createHash('sha256').update(bytes).digest('hex') };
}
