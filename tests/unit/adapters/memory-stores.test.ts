import { expect, test } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { aMessageRecord } from '../../support/store-contract-fixtures.ts';
import { describeStoreContracts } from '../../support/store-contracts.ts';

describeStoreContracts('memory stores', async () => createMemoryStores());

test('reads return copies: changing what a read returned does not change the store', async () => {
  const stores = createMemoryStores();
  await stores.messages.createMessage(aMessageRecord());
  await stores.profiles.putProfile({ id: 'cust-anna', consent: {}, updatedAt: '2026-11-01T00:00:00.000Z' });

  const message = await stores.messages.getMessage('m-1');
  const profile = await stores.profiles.getProfile('cust-anna');
  message?.history.push({ at: '2026-11-23T09:00:00.000Z', status: 'cancelled' });
  if (profile !== undefined)
    profile.consent.sms = { granted: false, at: '2026-11-23T09:00:00.000Z', source: 'x' };

  expect((await stores.messages.getMessage('m-1'))?.history).toHaveLength(1);
  expect((await stores.profiles.getProfile('cust-anna'))?.consent).toEqual({});
});
