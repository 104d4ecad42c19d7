import type { AddressOptOut, Suppression, SuppressionStore } from '../../app/ports/suppressions.ts';
import { isAfter, utcIso } from '../../core/customers/customer-profile.ts';
import type { Channel } from '../../core/rules/rule-schema.ts';

/** {@link SuppressionStore} in memory: for the simulator and unit tests. Instants are kept in UTC. */
export class MemorySuppressionStore implements SuppressionStore {
  private readonly entries = new Map<string, Suppression>();

  async get(channel: Channel, address: string): Promise<Suppression | undefined> {
    const entry = this.entries.get(key(channel, address));
    return entry === undefined ? undefined : structuredClone(entry);
  }

  async suppress(input: AddressOptOut): Promise<'applied' | 'already-suppressed' | 'duplicate'> {
    const stored = this.entries.get(key(input.channel, input.address));
    if (stored?.history.some((change) => change.source === input.source)) return 'duplicate';
    const at = utcIso(input.at);
    const change = { at, suppressed: true, reason: input.reason, source: input.source };
    if (stored?.suppressed === true) {
      stored.history.push(change);
      return 'already-suppressed';
    }
    this.entries.set(key(input.channel, input.address), {
      channel: input.channel,
      address: input.address,
      suppressed: true,
      reason: input.reason,
      source: input.source,
      at,
      ...(input.customerId === undefined
        ? stored?.customerId === undefined
          ? {}
          : { customerId: stored.customerId }
        : { customerId: input.customerId }),
      history: [...(stored?.history ?? []), change],
    });
    return 'applied';
  }

  async lift(input: {
    channel: Channel;
    address: string;
    source: string;
    at: string;
  }): Promise<'applied' | 'not-suppressed' | 'duplicate' | 'stale'> {
    const stored = this.entries.get(key(input.channel, input.address));
    if (stored?.history.some((change) => change.source === input.source)) return 'duplicate';
    if (stored === undefined || !stored.suppressed) return 'not-suppressed';
    // As instants: `10:30+01:00` is before `10:00Z`.
    if (isAfter(stored.at, input.at)) return 'stale';
    const at = utcIso(input.at);
    stored.suppressed = false;
    stored.source = input.source;
    stored.at = at;
    stored.history.push({ at, suppressed: false, source: input.source });
    return 'applied';
  }

  async list(addresses: ReadonlyArray<{ channel: Channel; address: string }>): Promise<Suppression[]> {
    const found: Suppression[] = [];
    for (const { channel, address } of addresses) {
      const entry = await this.get(channel, address);
      if (entry !== undefined) found.push(entry);
    }
    return found;
  }

  async detachCustomer(channel: Channel, address: string, customerId: string): Promise<boolean> {
    const stored = this.entries.get(key(channel, address));
    if (stored?.customerId !== customerId) return false;
    delete stored.customerId;
    return true;
  }
}

function key(channel: Channel, address: string): string {
  return `${channel}#${address}`;
}
