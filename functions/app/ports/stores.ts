import type { AuditLog } from './audit.ts';
import type { CapLedger } from './caps.ts';
import type { ConsoleQueries } from './console-queries.ts';
import type { CustomerIndex } from './customer-index.ts';
import type { DedupeClaims } from './dedupe.ts';
import type { EventArchive } from './event-archive.ts';
import type { GoalLedger } from './goals.ts';
import type { MessageStore } from './messages.ts';
import type { PendingSends } from './pending-sends.ts';
import type { ProfileStore } from './profiles.ts';
import type { RejectedLog } from './rejected.ts';
import type { ReplyStore } from './replies.ts';
import type { RuleSetStore } from './rule-sets.ts';
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
  goals: GoalLedger;
  /** Everything filed under a customer, for privacy export and erase. */
  customerIndex: CustomerIndex;
  /** Console writes: who did what, when, under which role. */
  audit: AuditLog;
  /** Rule-set versions and the active pointer (issue 12). */
  ruleSets: RuleSetStore;
  /** Accepted journey events, kept for backtests (event-archive.ts). */
  events: EventArchive;
  /** Per-rule daily counters, written by `messages` and `inboundReplies` with the outcomes. */
  ruleStats: RuleStats;
  /** Scheduled messages by rule and due time (the pending-sends view), from the `due` index. */
  pending: PendingSends;
}
