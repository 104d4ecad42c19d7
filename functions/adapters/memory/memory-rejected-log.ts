import type { RejectedEvent } from '../../app/message-record.ts';
import type { RejectedLog } from '../../app/ports/rejected.ts';

/** {@link RejectedLog} in memory, in arrival order. */
export class MemoryRejectedLog implements RejectedLog {
  readonly rejected: RejectedEvent[] = [];

  async recordRejected(rejected: RejectedEvent): Promise<void> {
    this.rejected.push(structuredClone(rejected));
  }
}
