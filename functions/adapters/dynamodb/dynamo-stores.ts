import type { Stores } from '../../app/ports/stores.ts';
import { DynamoAuditLog } from './dynamo-audit-log.ts';
import { DynamoCapLedger } from './dynamo-cap-ledger.ts';
import { DynamoConsoleQueries } from './dynamo-console-queries.ts';
import { DynamoCustomerIndex } from './dynamo-customer-index.ts';
import { DynamoDedupeClaims } from './dynamo-dedupe-claims.ts';
import { DynamoEventArchive } from './dynamo-event-archive.ts';
import { DynamoGoalLedger } from './dynamo-goals.ts';
import { DynamoMessageStore } from './dynamo-message-store.ts';
import { DynamoPendingSends } from './dynamo-pending-sends.ts';
import { DynamoProfileStore } from './dynamo-profile-store.ts';
import { DynamoRejectedLog } from './dynamo-rejected-log.ts';
import { DynamoReplyStore } from './dynamo-reply-store.ts';
import { DynamoRuleSets } from './dynamo-rule-sets.ts';
import { DynamoRuleStats } from './dynamo-rule-stats.ts';
import { DynamoSuppressionStore } from './dynamo-suppression-store.ts';
import { type DynamoStoresOptions, DynamoTable } from './dynamo-table.ts';
import { DynamoThresholdCounters } from './dynamo-threshold-counters.ts';

/**
 * Every store port on the one journey table, sharing one document client.
 *
 * @throws {RangeError} on a table name DynamoDB would reject or a retention that is not a positive integer.
 */
export function createDynamoStores(options: DynamoStoresOptions): Stores {
  const table = new DynamoTable(options);
  return {
    messages: new DynamoMessageStore(table),
    profiles: new DynamoProfileStore(table),
    // Suppressions are kept for good (no retention) and never read the clock.
    suppressions: new DynamoSuppressionStore({ tableName: table.tableName, client: table.doc }),
    caps: new DynamoCapLedger(table),
    dedupe: new DynamoDedupeClaims(table),
    inboundReplies: new DynamoReplyStore(table),
    thresholds: new DynamoThresholdCounters(table),
    rejected: new DynamoRejectedLog(table),
    queries: new DynamoConsoleQueries(table),
    goals: new DynamoGoalLedger(table),
    customerIndex: new DynamoCustomerIndex(table),
    audit: new DynamoAuditLog(table),
    ruleSets: new DynamoRuleSets(table.tableName, table.doc),
    events: new DynamoEventArchive(table, options.eventArchiveDays),
    ruleStats: new DynamoRuleStats(table),
    pending: new DynamoPendingSends(table),
  };
}
