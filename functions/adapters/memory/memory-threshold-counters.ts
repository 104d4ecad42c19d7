import type { ThresholdCounters } from '../../app/ports/thresholds.ts';
import type { ThresholdEntry } from '../../core/planning/threshold.ts';

/** {@link ThresholdCounters} in memory: counter → `<at>#<eventId>` → entry (as the DynamoDB sort key orders them). */
export class MemoryThresholdCounters implements ThresholdCounters {
  /** counter → position → entry (the customer index reads and deletes a customer's entries). */
  readonly thresholdCounters = new Map<string, Map<string, ThresholdEntry>>();

  async recordThresholdEvent(
    counter: string,
    entry: ThresholdEntry,
    _keepUntil: string,
  ): Promise<'created' | 'exists'> {
    const entries = this.thresholdCounters.get(counter) ?? new Map<string, ThresholdEntry>();
    const position = thresholdPosition(entry);
    if (entries.has(position)) return 'exists';
    entries.set(position, structuredClone(entry));
    this.thresholdCounters.set(counter, entries);
    return 'created';
  }

  async countThresholdEvents(
    counter: string,
    after: string,
    until: string,
    atMost?: number,
  ): Promise<number> {
    let count = 0;
    for (const entry of this.thresholdCounters.get(counter)?.values() ?? []) {
      if (entry.at > after && entry.at <= until) count++;
    }
    return atMost === undefined ? count : Math.min(count, Math.max(0, Math.floor(atMost)));
  }

  async listThresholdEvents(
    counter: string,
    after: string,
    until: string,
    options: { limit: number; order: 'oldest-first' | 'newest-first' },
  ): Promise<ThresholdEntry[]> {
    const inWindow = [...(this.thresholdCounters.get(counter)?.values() ?? [])]
      .filter((entry) => entry.at > after && entry.at <= until)
      .sort((a, b) => (thresholdPosition(a) < thresholdPosition(b) ? -1 : 1));
    if (options.order === 'newest-first') inWindow.reverse();
    return inWindow.slice(0, Math.max(0, Math.floor(options.limit))).map((entry) => structuredClone(entry));
  }
}

/** Sorts like the DynamoDB sort key of a threshold entry: `<at>#<eventId>`. */
function thresholdPosition(entry: ThresholdEntry): string {
  return `${entry.at}#${entry.eventId}`;
}
