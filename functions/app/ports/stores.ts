import type { CapLedger } from './caps.ts';
import type { ConsoleQueries } from './console-queries.ts';
import type { DedupeClaims } from './dedupe.ts';
import type { MessageStore } from './messages.ts';
import type { PendingSends } from './pending-sends.ts';
import type { ProfileStore } from './profiles.ts';
import type { RejectedLog } from './rejected.ts';
import type { ReplyStore } from './replies.ts';
import type { RuleStats } from './rule-stats.ts';
import type { SuppressionStore } from './suppressions.ts';
import type { ThresholdCounters } from './thresholds.ts';

/**
 * Every store port, one per role, as the composition root hands them out. A use case names the
 * ones it uses (`Pick<Stores, 'messages' | 'caps'>`), so a caller can pass the whole bundle.
 */
export interface Stores {
  messages: MessageStore;
  profiles: ProfileStore;
  suppressions: SuppressionStore;
  caps: CapLedger;
  dedupe: DedupeClaims;
  inboundReplies: ReplyStore;
  thresholds: ThresholdCounters;
  rejected: RejectedLog;
  queries: ConsoleQueries;
  /** Per-rule daily counters, written by `messages` and `inboundReplies` with the outcomes. */
  ruleStats: RuleStats;
  /** Scheduled messages by rule and due time (the pending-sends view), from the `due` index. */
  pending: PendingSends;
}
