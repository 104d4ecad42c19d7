/**
 * The active rule-set version, as the functions run it (docs/architecture.md, "ActiveProject"):
 * the pointer is read at most once per cache period (one GetItem), and each version is loaded
 * and compiled once and kept, so a publish is live within the cache period without a deploy or
 * a cold start, and a rollback to a version seen before costs no compile.
 */
import type { RuleSetContent, RuleSetStore } from './ports/rule-sets.ts';
import type { Clock } from './ports.ts';

/** How long a pointer read is trusted. 30 s keeps a publish live in well under a minute. */
const DEFAULT_POINTER_CACHE_MS = 30_000;
/** Compiled versions kept (the active one and a few recent ones, for quick rollbacks). */
const KEEP_VERSIONS = 4;

/** A compiled version and its number. */
interface ActiveVersion<T> {
  version: number;
  project: T;
}

/** The active version's compiled project, refreshed through a short cache. */
export interface ActiveProject<T> {
  /** The active version: from the cache, or after one pointer read once the cache period is over. */
  current(): Promise<ActiveVersion<T>>;
  /** Reads the pointer now, whatever the cache says (the local runtime after its own publish). */
  refresh(): Promise<ActiveVersion<T>>;
}

/** What an {@link ActiveProject} reads and how it compiles. */
export interface ActiveProjectOptions<T> {
  ruleSets: Pick<RuleSetStore, 'active' | 'getVersion' | 'seed'>;
  clock: Clock;
  /** Builds what the use cases run (rule index, template catalog) from a version's content; throws when it cannot. */
  compile: (content: RuleSetContent, version: number) => T;
  /** Default {@link DEFAULT_POINTER_CACHE_MS}. */
  cacheMs?: number;
  /**
   * The bundled project: published as version 1 when no pointer exists yet (a fresh stack works
   * with no step; two cold starts racing give one seed).
   */
  seed?: { content: RuleSetContent; by: string };
  /** Told when a pointer read fails and the cached version is kept running. */
  onStale?: (error: unknown, version: number) => void;
}

/** An {@link ActiveProject} over a rule-set store. */
export function createActiveProject<T>(options: ActiveProjectOptions<T>): ActiveProject<T> {
  const cacheMs = options.cacheMs ?? DEFAULT_POINTER_CACHE_MS;
  const compiled = new Map<number, T>();
  let current: ActiveVersion<T> | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<ActiveVersion<T>> | undefined;

  async function load(version: number): Promise<ActiveVersion<T>> {
    const known = compiled.get(version);
    if (known !== undefined) return { version, project: known };
    const stored = await options.ruleSets.getVersion(version);
    if (stored === undefined) throw new Error(`the active rule-set version ${version} is not in the table`);
    const project = options.compile(stored.content, version);
    compiled.set(version, project);
    // Forget the oldest compiled versions (Map keeps insertion order).
    for (const old of compiled.keys())
      if (compiled.size > KEEP_VERSIONS && old !== version) compiled.delete(old);
    return { version, project };
  }

  async function read(): Promise<ActiveVersion<T>> {
    const startedAt = options.clock.now().toMillis();
    try {
      let pointer = await options.ruleSets.active();
      if (pointer === undefined && options.seed !== undefined) {
        pointer = await options.ruleSets.seed(options.seed.content, {
          at: options.clock.now().toUTC().toISO() ?? '',
          by: options.seed.by,
          message: 'bundled rule set (first deploy)',
        });
      }
      if (pointer === undefined)
        throw new Error('no rule-set version is active: publish one (nudge rules publish)');
      current = current?.version === pointer.version ? current : await load(pointer.version);
    } catch (error) {
      if (current === undefined) throw error;
      options.onStale?.(error, current.version);
    }
    checkedAt = startedAt;
    return current;
  }

  function refresh(): Promise<ActiveVersion<T>> {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    async current() {
      if (current !== undefined && options.clock.now().toMillis() - checkedAt < cacheMs) return current;
      return refresh();
    },
    refresh,
  };
}
