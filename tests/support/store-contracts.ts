/**
 * Every store port's contract (one file per port), registered together for one implementation of
 * the {@link Stores} bundle.
 */
import type { Stores } from '../../functions/app/ports/stores.ts';
import { describeAuditLogContract } from './audit-contract.ts';
import { describeCapLedgerContract } from './cap-ledger-contract.ts';
import { describeConsoleQueriesContract } from './console-queries-contract.ts';
import { describeCustomerActivityContract } from './customer-activity-contract.ts';
import { describeDedupeClaimsContract } from './dedupe-claims-contract.ts';
import { describeEventArchiveContract } from './event-archive-contract.ts';
import { describeGoalLedgerContract } from './goals-contract.ts';
import { describeMessageStoreContract } from './message-store-contract.ts';
import { describePendingSendsContract } from './pending-sends-contract.ts';
import { describePrivacyContract } from './privacy-contract.ts';
import { describeProfileStoreContract } from './profile-store-contract.ts';
import { describeRuleSetsContract } from './rule-sets-contract.ts';
import { describeRuleStatsContract } from './rule-stats-contract.ts';
import type { MakeStores } from './store-contract-fixtures.ts';
import { describeSuppressionStoreContract } from './suppression-store-contract.ts';
import { describeThresholdCountersContract } from './threshold-counters-contract.ts';

/** Registers the contract of every store port in {@link Stores} for one implementation. */
export function describeStoreContracts(name: string, makeStores: MakeStores): void {
  describeMessageStoreContract(name, makeStores);
  describeProfileStoreContract(name, makeStores);
  describeDedupeClaimsContract(name, makeStores);
  describeCapLedgerContract(name, makeStores);
  describeThresholdCountersContract(name, makeStores);
  describeConsoleQueriesContract(name, makeStores);
  describeGoalLedgerContract(name, makeStores);
  describeRuleStatsContract(name, makeStores);
  describePendingSendsContract(name, makeStores);
  describeSuppressionStoreContract(name, async () => (await makeStores()).suppressions);
  describePrivacyContract(name, makeStores);
  describeAuditLogContract(name, async () => (await makeStores()).audit);
  describeRuleSetsContract(name, async () => (await makeStores()).ruleSets);
  describeEventArchiveContract(name, makeStores);
  describeCustomerActivityContract(name, makeStores);
}
