import type { CustomerProfile } from '../../core/customers/customer-profile.ts';

/** Customer profiles with their per-channel consent. */
export interface ProfileStore {
  getProfile(customerId: string): Promise<CustomerProfile | undefined>;
  /**
   * Writes a profile if no one wrote it since it was read: `profile.revision` must be the stored
   * revision (absent: no profile stored yet). 'conflict' otherwise; read, merge and write again
   * (`updateProfile` does). The stored revision is then one higher.
   */
  putProfile(profile: CustomerProfile): Promise<'written' | 'conflict'>;
  /** Deletes the profile (privacy erase). False when there was none. */
  deleteProfile(customerId: string): Promise<boolean>;
}
