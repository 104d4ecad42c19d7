import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { updateProfile } from '../../../functions/app/update-profile.ts';
import type { CustomerProfile } from '../../../functions/core/customers/customer-profile.ts';
import { withConsent } from '../../../functions/core/customers/customer-profile.ts';
import { aProfile } from '../../support/factories.ts';

describe('updateProfile', () => {
  it('a write that lost the race reads again and merges again, so both changes survive', async () => {
    // Arrange
    const stores = createMemoryStores();
    await stores.profiles.putProfile(aProfile());
    let interfered = false;

    // Act
    const after = await updateProfile(stores.profiles, 'cust-anna', (stored) => {
      if (stored === undefined) return undefined;
      if (!interfered) {
        interfered = true; // a STOP lands between this read and this write
        const stop = withConsent(stored, 'sms', {
          granted: false,
          at: '2026-11-23T09:00:00.000Z',
          source: 'reply:SM1',
        });
        void stores.profiles.putProfile(stop);
      }
      return { ...stored, firstName: 'Annie' };
    });

    // Assert
    const stored = await stores.profiles.getProfile('cust-anna');
    expect(stored).toMatchObject({ firstName: 'Annie', consent: { sms: { granted: false } }, revision: 3 });
    expect(after).toEqual(stored);
  });

  it('leaves the profile alone when the change says so', async () => {
    // Arrange
    const stores = createMemoryStores();
    await stores.profiles.putProfile(aProfile());

    // Act
    const after = await updateProfile(
      stores.profiles,
      'cust-anna',
      (): CustomerProfile | undefined => undefined,
    );

    // Assert
    expect(after).toEqual({ ...aProfile(), revision: 1 });
  });
});
