import type { ConsoleBackend } from './console-backend.ts';

/** How long a looked-up zone is reused: list pages refresh every 2 s and zones rarely change. */
const TTL_MS = 30_000;
/** Bound on the cache so a long-running console with many customers cannot grow without limit. */
const MAX_ENTRIES = 2_000;

/**
 * Finds customers' time zones (from their stored profiles) for pages that show many customers at
 * once, asking the backend once per customer per {@link TTL_MS} instead of on every refresh.
 */
export class CustomerZones {
  readonly #backend: ConsoleBackend;
  readonly #cache = new Map<string, { zone: string | undefined; until: number }>();

  constructor(backend: ConsoleBackend) {
    this.#backend = backend;
  }

  /** Remembers a zone learnt elsewhere (e.g. a profile the page already loaded). */
  remember(customerId: string, zone: string | undefined): void {
    if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
    this.#cache.set(customerId, { zone, until: Date.now() + TTL_MS });
  }

  /** Zones by customer id as stored (checked when shown); `undefined` when unknown or the lookup failed. */
  async lookup(customerIds: Iterable<string>): Promise<Map<string, string | undefined>> {
    const now = Date.now();
    const result = new Map<string, string | undefined>();
    const missing: string[] = [];
    for (const id of new Set(customerIds)) {
      const hit = this.#cache.get(id);
      if (hit !== undefined && hit.until > now) result.set(id, hit.zone);
      else missing.push(id);
    }
    await Promise.all(
      missing.map(async (id) => {
        // A customer the backend cannot load is shown in the fallback zone, never as an error page.
        const found = await this.#backend.customer(id).catch(() => undefined);
        const zone = found?.profile?.timeZone;
        this.remember(id, zone);
        result.set(id, zone);
      }),
    );
    return result;
  }
}
