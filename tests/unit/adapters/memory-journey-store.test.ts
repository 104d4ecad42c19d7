import { expect, test } from 'vitest';
import { MemoryJourneyStore } from '../../../functions/adapters/memory/memory-journey-store.ts';
import { aMessageRecord, describeJourneyStoreContract } from '../../support/journey-store-contract.ts';

describeJourneyStoreContract('MemoryJourneyStore', async () => new MemoryJourneyStore());

test('reads return copies: changing what a read returned does not change the store', async () => {
  const store = new MemoryJourneyStore();
  await store.createMessage(aMessageRecord());
  await store.putProfile({ id: 'cust-anna', consent: {}, updatedAt: '2026-11-01T00:00:00.000Z' });

  const message = await store.getMessage('m-1');
  const profile = await store.getProfile('cust-anna');
  message?.history.push({ at: '2026-11-23T09:00:00.000Z', status: 'cancelled' });
  if (profile !== undefined)
    profile.consent.sms = { granted: false, at: '2026-11-23T09:00:00.000Z', source: 'x' };

  expect((await store.getMessage('m-1'))?.history).toHaveLength(1);
  expect((await store.getProfile('cust-anna'))?.consent).toEqual({});
});
