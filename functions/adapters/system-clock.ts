import { DateTime } from 'luxon';
import type { Clock } from '../app/ports.ts';

/** The real clock, for Lambda. Everything else gets its clock injected. */
export const systemClock: Clock = { now: () => DateTime.utc() };
