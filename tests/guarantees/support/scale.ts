/**
 * Sizes of the guarantee suites. The default (CI) keeps the whole `npm run test:guarantees` run
 * within a few minutes on two cores; `NUDGE_GUARANTEES_SCALE=full` runs the larger figures.
 */
const FULL_SCALE = process.env.NUDGE_GUARANTEES_SCALE === 'full';

/** The CI size, or the full one. */
export function sized<T>(ci: T, full: T): T {
  return FULL_SCALE ? full : ci;
}

/** The scale's name, for the figures table. */
const _SCALE_NAME = FULL_SCALE ? 'full' : 'ci';

/** Suites run their own DynamoDB Local, sandboxes and clock: generous, and bounded. */
export const SUITE_TIMEOUT_MS = sized(240_000, 1_800_000);
