import fc from 'fast-check';

/*
 * Property tests run from a fixed seed, so a run in CI fails or passes the same way every time
 * and a failure replays anywhere. To explore further, pick another seed:
 * `NUDGE_FC_SEED=123 npm run test:unit` (fast-check prints the seed and path of any failure).
 */
const seed = Number(process.env.NUDGE_FC_SEED ?? 20261202);
if (!Number.isInteger(seed))
  throw new Error(`NUDGE_FC_SEED must be a whole number, not ${process.env.NUDGE_FC_SEED}`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
