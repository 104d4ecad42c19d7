import type { RejectedEvent } from '../message-record.ts';

/** Inputs the engine could not use, kept with their reason for the console. */
export interface RejectedLog {
  recordRejected(rejected: RejectedEvent): Promise<void>;
}
