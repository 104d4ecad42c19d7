import type { ArchivedEvent, EventArchive } from '../../app/ports/event-archive.ts';

/** {@link EventArchive} in memory: `<at>#<eventId>` → entry, as the DynamoDB sort key orders them. */
export class MemoryEventArchive implements EventArchive {
  private readonly entries = new Map<string, ArchivedEvent>();

  async archive(entry: ArchivedEvent): Promise<void> {
    const position = `${entry.at}#${entry.event.id}`;
    if (!this.entries.has(position)) this.entries.set(position, structuredClone(entry));
  }

  /** The archived events that name a customer (the DynamoDB `timeline` index's `EVENT` entries). */
  forCustomer(customerId: string): ArchivedEvent[] {
    return [...this.entries.values()]
      .filter((entry) => entry.customerId === customerId)
      .map((entry) => structuredClone(entry));
  }

  async *readRange(from: string, to: string): AsyncIterable<ArchivedEvent> {
    const positions = [...this.entries.keys()].sort();
    for (const position of positions) {
      const entry = this.entries.get(position);
      if (entry !== undefined && entry.at >= from && entry.at < to) yield structuredClone(entry);
    }
  }
}
