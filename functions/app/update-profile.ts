import type { CustomerProfile } from '../core/customers/customer-profile.ts';
import type { ProfileStore } from './ports/profiles.ts';

/** Writers that keep colliding on one profile: give up (retryable; the queue brings it back). */
const MAX_ROUNDS = 8;

/** A profile that kept changing under a read-merge-write. Retryable. */
class ProfileConflictError extends Error {
  override readonly name = 'ProfileConflictError';
  readonly retryable = true;
}

/**
 * Read, change, write — again from the read when someone else wrote in between, so no writer
 * undoes another (an event's contact data and a STOP reply arriving together both survive).
 * `change` gets the stored profile and returns the one to store, or undefined to leave it.
 * Returns the profile as stored afterwards.
 */
export async function updateProfile(
  profiles: ProfileStore,
  customerId: string,
  change: (stored: CustomerProfile | undefined) => CustomerProfile | undefined,
): Promise<CustomerProfile | undefined> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const stored = await profiles.getProfile(customerId);
    const next = change(stored);
    if (next === undefined) return stored;
    const { revision: _ignored, ...content } = next;
    const written = { ...content, ...(stored?.revision === undefined ? {} : { revision: stored.revision }) };
    if ((await profiles.putProfile(written)) === 'written') {
      return { ...content, revision: (stored?.revision ?? 0) + 1 };
    }
  }
  throw new ProfileConflictError(`profile ${customerId} kept changing under ${MAX_ROUNDS} writes`);
}
