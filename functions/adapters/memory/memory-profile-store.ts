import type { ProfileStore } from '../../app/ports/profiles.ts';
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';

/** {@link ProfileStore} in memory: revisions checked as the DynamoDB store's conditional write does. */
export class MemoryProfileStore implements ProfileStore {
  readonly profiles = new Map<string, CustomerProfile>();

  async getProfile(customerId: string): Promise<CustomerProfile | undefined> {
    const profile = this.profiles.get(customerId);
    return profile === undefined ? undefined : structuredClone(profile);
  }

  async putProfile(profile: CustomerProfile): Promise<'written' | 'conflict'> {
    // Every stored profile has a revision; none stored means the writer must have read none.
    if (this.profiles.get(profile.id)?.revision !== profile.revision) return 'conflict';
    this.profiles.set(profile.id, { ...structuredClone(profile), revision: (profile.revision ?? 0) + 1 });
    return 'written';
  }

  async deleteProfile(customerId: string): Promise<boolean> {
    return this.profiles.delete(customerId);
  }
}
