/** The behavioural contract of the ProfileStore port (shared fixtures: store-contract-fixtures.ts). */
import { describe, expect, test } from 'vitest';
import type { CustomerProfile } from '../../functions/core/customers/customer-profile.ts';
import { aProfile, type MakeStores } from './store-contract-fixtures.ts';

/** Registers the ProfileStore contract for one implementation. */
export function describeProfileStoreContract(name: string, makeStores: MakeStores): void {
  describe(`ProfileStore contract: ${name}`, () => {
    describe('profiles', () => {
      test('a profile round-trips with a revision, and a put of what was read replaces it', async () => {
        const stores = await makeStores();
        const profile = aProfile();
        const changed = aProfile({
          phone: '+46709999999',
          consent: { sms: { granted: false, at: '2026-11-02T00:00:00.000Z', source: 'reply:SM1' } },
          updatedAt: '2026-11-02T00:00:00.000Z',
        });

        const before = await stores.profiles.getProfile('cust-anna');
        const created = await stores.profiles.putProfile(profile);
        const first = await stores.profiles.getProfile('cust-anna');
        const replaced = await stores.profiles.putProfile({ ...changed, revision: 1 });
        const second = await stores.profiles.getProfile('cust-anna');

        expect(before).toBeUndefined();
        expect([created, replaced]).toEqual(['written', 'written']);
        expect(first).toEqual({ ...profile, revision: 1 });
        expect(second).toEqual({ ...changed, revision: 2 });
      });

      test('a put based on an older read is refused (two writers cannot undo each other)', async () => {
        const stores = await makeStores();
        await stores.profiles.putProfile(aProfile());
        const read = await stores.profiles.getProfile('cust-anna');
        const stop = { granted: false, at: '2026-11-02T00:00:00.000Z', source: 'reply:SM1' };
        await stores.profiles.putProfile({
          ...aProfile({ consent: { sms: stop } }),
          revision: read?.revision,
        });

        const stale = await stores.profiles.putProfile({
          ...aProfile({ firstName: 'Annie' }),
          revision: read?.revision,
        });
        const blind = await stores.profiles.putProfile(aProfile({ firstName: 'Annie' }));

        expect([stale, blind]).toEqual(['conflict', 'conflict']);
        expect(await stores.profiles.getProfile('cust-anna')).toMatchObject({
          firstName: 'Anna',
          consent: { sms: stop },
          revision: 2,
        });
      });

      test('a minimal profile (no contact data, no consent) round-trips', async () => {
        const stores = await makeStores();
        const profile: CustomerProfile = {
          id: 'cust-min',
          consent: {},
          updatedAt: '2026-11-01T00:00:00.000Z',
        };

        await stores.profiles.putProfile(profile);

        expect(await stores.profiles.getProfile('cust-min')).toEqual({ ...profile, revision: 1 });
      });
    });
  });
}
