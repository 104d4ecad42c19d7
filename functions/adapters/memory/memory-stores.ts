import type { Stores } from '../../app/ports/stores.ts';
import { MemoryAuditLog } from './memory-audit-log.ts';
import { MemoryCapLedger } from './memory-cap-ledger.ts';
import { MemoryConsoleQueries } from './memory-console-queries.ts';
import { MemoryCustomerIndex } from './memory-customer-index.ts';
import { MemoryDedupeClaims } from './memory-dedupe-claims.ts';
import { MemoryEventArchive } from './memory-event-archive.ts';
import { MemoryGoalLedger } from './memory-goal-ledger.ts';
import { MemoryMessageStore } from './memory-message-store.ts';
import { MemoryPendingSends } from './memory-pending-sends.ts';
import { MemoryProfileStore } from './memory-profile-store.ts';
import { MemoryRejectedLog } from './memory-rejected-log.ts';
import { MemoryReplyStore } from './memory-reply-store.ts';
import { MemoryRuleSets } from './memory-rule-sets.ts';
import { MemoryRuleStats } from './memory-rule-stats.ts';
import { MemorySuppressionStore } from './memory-suppression-store.ts';
import { MemoryThresholdCounters } from './memory-threshold-counters.ts';

/** Every store port in memory; the concrete types, so tests and the simulator can look inside. */
export interface MemoryStores extends Stores {
  messages: MemoryMessageStore;
  profiles: MemoryProfileStore;
  suppressions: MemorySuppressionStore;
  inboundReplies: MemoryReplyStore;
  rejected: MemoryRejectedLog;
}

/** Every store port in memory (for the simulator and unit tests); the console queries read the others. */
export function createMemoryStores(): MemoryStores {
  const ruleStats = new MemoryRuleStats();
  const messages = new MemoryMessageStore(ruleStats);
  const inboundReplies = new MemoryReplyStore(ruleStats);
  const rejected = new MemoryRejectedLog();
  const thresholds = new MemoryThresholdCounters();
  const events = new MemoryEventArchive();
  const goals = new MemoryGoalLedger();
  return {
    messages,
    profiles: new MemoryProfileStore(),
    suppressions: new MemorySuppressionStore(),
    caps: new MemoryCapLedger(),
    dedupe: new MemoryDedupeClaims(),
    inboundReplies,
    thresholds,
    rejected,
    queries: new MemoryConsoleQueries({ messages, inboundReplies, rejected, events }),
    goals,
    customerIndex: new MemoryCustomerIndex({ messages, inboundReplies, thresholds, goals }),
    audit: new MemoryAuditLog(),
    ruleSets: new MemoryRuleSets(),
    events,
    ruleStats,
    pending: new MemoryPendingSends(messages),
  };
}
