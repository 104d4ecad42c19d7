/**
 * Week days, as written in rules. A module of its own so the send window (loaded by every
 * Lambda) reads them without building the whole rule schema at init.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
