// Limits a rule's schema enforces that code beyond validation needs too, apart from the schema:
// importing rule-schema.ts builds every rule schema (zod), which the functions that only run
// validated rules (send, at cold start) have no use for.

/** The largest `threshold.count` a rule may set. */
export const MAX_THRESHOLD_COUNT = 10_000;
