/**
 * {@link EventArchive} on the journey table. An archived event is written to a partition per
 * (UTC hour of the event's time, shard): `EVENTS#<yyyy-MM-ddTHH>#<shard>` / `<at>#<eventId>`.
 * DynamoDB serves at most 1,000 write units and 3,000 read units a second per partition
 * ("Best practices for designing and using partition keys effectively", Amazon DynamoDB
 * Developer Guide); the shard, a hash of the event id, spreads one hour's events over
 * {@link EVENT_ARCHIVE_SHARDS} partitions, so 10,000 events a second put ~313 writes a second
 * on each, under half the limit for events up to 1 KB. A backtest of N days reads N × 24 × shards
 * key ranges with Query, merged by time: never a Scan.
 *
 * An event that names a customer is also in the `timeline` index (`CUST#<id>` /
 * `<at>#EVENT#<eventId>`), so a customer's timeline and a privacy erase find it by key.
 */

import * as z from 'zod';
import type { ArchivedEvent, EventArchive } from '../../app/ports/event-archive.ts';
import type { JourneyEvent } from '../../core/journey-event.ts';
import { utcDateOf } from '../../core/utc-instant.ts';
import type { DynamoTable } from './dynamo-table.ts';
import { customerPartition, parse, utcInstant } from './journey-items.ts';
import { ATTR } from './table-design.ts';

/** Partitions per hour of archived events (see the module comment for the arithmetic). */
const EVENT_ARCHIVE_SHARDS = 32;

/** Days an archived event is kept after Nudge accepted it, unless the stores are told otherwise. */
const DEFAULT_EVENT_ARCHIVE_DAYS = 30;

/** The shard of an event id: FNV-1a over its UTF-16 units, stable across processes. */
function eventShard(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % EVENT_ARCHIVE_SHARDS;
}

/** The table partition of archived events of UTC hour `hour` (`yyyy-MM-ddTHH`) and `shard`. */
function eventArchivePartition(hour: string, shard: number): string {
  return `EVENTS#${hour}#${shard}`;
}

/** Whether a table key is an archived event's (they share the `timeline` index with messages). */
export function isArchivedEventKey(key: { PK: string }): boolean {
  return key.PK.startsWith('EVENTS#');
}

/** The table key of an archived event (`at`: UTC ISO instant). */
export function eventArchiveKey(at: string, eventId: string): { PK: string; SK: string } {
  const hour = utcDateOf(at)?.toISOString().slice(0, 13) ?? utcInstant(at).toFormat("yyyy-MM-dd'T'HH");
  return { PK: eventArchivePartition(hour, eventShard(eventId)), SK: `${at}#${eventId}` };
}

const ArchivedItemSchema = z.object({
  SK: z.string(),
  at: z.string(),
  receivedAt: z.string(),
  customerId: z.string().optional(),
  // Stored as JSON text: an event's free-form detail may hold a key the marshaller refuses
  // (`constructor`), and the backtest wants the event exactly as it came.
  eventJson: z.string(),
});

/** {@link EventArchive} on DynamoDB (see the module comment). */
export class DynamoEventArchive implements EventArchive {
  constructor(
    private readonly table: DynamoTable,
    private readonly retentionDays = DEFAULT_EVENT_ARCHIVE_DAYS,
  ) {}

  async archive(entry: ArchivedEvent): Promise<void> {
    const at = utcDateOf(entry.at)?.toISOString() ?? utcInstant(entry.at).toISO() ?? entry.at;
    const item = {
      ...eventArchiveKey(at, entry.event.id),
      [ATTR.type]: 'event',
      at,
      receivedAt: entry.receivedAt,
      customerId: entry.customerId,
      eventJson: JSON.stringify(entry.event),
      ...(entry.customerId === undefined
        ? {}
        : {
            [ATTR.timelinePk]: customerPartition(entry.customerId),
            [ATTR.timelineSk]: `${at}#EVENT#${entry.event.id}`,
          }),
      // Whole days in UTC are 86,400 s each: the same as luxon's plus({ days }) there.
      [ATTR.expiresAt]: Math.floor(
        (utcDateOf(entry.receivedAt)?.getTime() ?? utcInstant(entry.receivedAt).toMillis()) / 1000 +
          this.retentionDays * 86_400,
      ),
    };
    // A redelivery is the same key: 'exists' is the idempotent outcome.
    await this.table.putIfAbsent(item);
  }

  async *readRange(from: string, to: string): AsyncIterable<ArchivedEvent> {
    const start = utcInstant(from);
    const end = utcInstant(to);
    const fromIso = start.toISO() ?? from;
    const toIso = end.toISO() ?? to;
    for (let hour = start.startOf('hour'); hour < end; hour = hour.plus({ hours: 1 })) {
      const label = hour.toFormat("yyyy-MM-dd'T'HH");
      const shards = Array.from({ length: EVENT_ARCHIVE_SHARDS }, (_, shard) =>
        this.shardItems(eventArchivePartition(label, shard), fromIso, toIso),
      );
      yield* mergeByKey(shards);
    }
  }

  /** One shard's items in the range, page by page (SK order), as archived events with their sort key. */
  private async *shardItems(
    partition: string,
    from: string,
    to: string,
  ): AsyncGenerator<{ sk: string; entry: ArchivedEvent }> {
    const query = this.table.queryItems({
      // BETWEEN is inclusive: `<to>` sorts before every `<to>#<id>`, so events at `to` stay out.
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
      ExpressionAttributeValues: { ':pk': partition, ':from': from, ':to': to },
    });
    for await (const item of query) yield toArchived(item);
  }
}

/** An archived-event item as the entry it holds, with its table sort key. */
export function toArchived(item: unknown): { sk: string; entry: ArchivedEvent } {
  const parsed = parse(ArchivedItemSchema, item, 'archived event');
  const event: JourneyEvent = JSON.parse(parsed.eventJson);
  const entry: ArchivedEvent = { event, at: parsed.at, receivedAt: parsed.receivedAt };
  if (parsed.customerId !== undefined) entry.customerId = parsed.customerId;
  return { sk: parsed.SK, entry };
}

/**
 * Merges sorted streams into one sorted by `sk`, holding one item per stream: memory stays
 * bounded by the number of shards (and a page each), whatever an hour holds.
 */
async function* mergeByKey(
  streams: ReadonlyArray<AsyncGenerator<{ sk: string; entry: ArchivedEvent }>>,
): AsyncGenerator<ArchivedEvent> {
  const heads = await Promise.all(streams.map((stream) => stream.next()));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head === undefined || head.done === true) continue;
      const current = best < 0 ? undefined : heads[best];
      if (current === undefined || current.done === true || head.value.sk < current.value.sk) best = i;
    }
    const chosen = best < 0 ? undefined : heads[best];
    const stream = best < 0 ? undefined : streams[best];
    if (chosen === undefined || chosen.done === true || stream === undefined) return;
    yield chosen.value.entry;
    heads[best] = await stream.next();
  }
}
