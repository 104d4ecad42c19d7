import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import { describeSuppressionStoreContract } from '../../support/suppression-store-contract.ts';

describeSuppressionStoreContract('MemorySuppressionStore', async () => new MemorySuppressionStore());
