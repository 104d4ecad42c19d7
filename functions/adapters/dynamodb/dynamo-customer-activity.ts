/**
 * A customer's activity, one page at a time, from the `timeline` index (`timelinePK = CUST#<id>`,
 * newest first): archived events (`<at>#EVENT#<id>`), messages (`<createdAt>#MSG#<id>`) and replies
 * (`<receivedAt>#REPLY#<id>`). Other kinds filed there (threshold entries) are skipped.
 *
 * The decisions an event produced are the messages evaluate created while handling it: evaluate
 * stamps them with the instant it accepted the event (`createdAt` = the archive's `receivedAt`),
 * so they are one key range of the same partition, `<receivedAt>#MSG#…`, read with one Query per
 * event on the page — never a Scan or a filter over the customer's whole history.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { MessageRecord } from '../../app/message-record.ts';
import type { ActivityEntry } from '../../app/ports/console-queries.ts';
import { batchGetConsistent } from './batch-get.ts';
import { toArchived } from './dynamo-event-archive.ts';
import { DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';
import type { DynamoTable } from './dynamo-table.ts';
import { customerPartition, type ItemKey, KeySchema, parse, toReply } from './journey-items.ts';
import { toMessageRecord } from './message-items.ts';
import { ATTR, INDEXES } from './table-design.ts';

const IndexKeySchema = KeySchema.extend({ [ATTR.timelinePk]: z.string(), [ATTR.timelineSk]: z.string() });
type IndexKey = z.infer<typeof IndexKeySchema>;

/** The kinds the activity shows, by their tag in `timelineSK`. */
const SHOWN = new Set(['EVENT', 'MSG', 'REPLY']);

/** One page of {@link ActivityEntry}s (see the module comment). */
export async function customerActivityPage(
  table: DynamoTable,
  customerId: string,
  options: { limit: number; cursor?: string },
): Promise<{ items: ActivityEntry[]; cursor?: string }> {
  const limit = Math.floor(options.limit);
  if (!(limit > 0)) return { items: [] };
  const partition = customerPartition(customerId);
  const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, partition);
  const page = await queryIndex(table, partition, { Limit: limit, ExclusiveStartKey: start });
  const keys = page.keys.filter((key) => SHOWN.has(kindOf(key)));
  const items = await readItems(table, keys);
  const entries: ActivityEntry[] = [];
  for (const key of keys) {
    const item = items.get(itemId(key));
    if (item === undefined) continue; // deleted by TTL or an erase since the index answered
    const at = key[ATTR.timelineSk].slice(0, key[ATTR.timelineSk].indexOf('#'));
    const kind = kindOf(key);
    if (kind === 'MSG') entries.push({ kind: 'message', at, message: toMessageRecord(item) });
    else if (kind === 'REPLY') entries.push({ kind: 'reply', at, reply: toReply(item) });
    else entries.push({ kind: 'event', at, event: toArchived(item).entry, decisions: [] });
  }
  await Promise.all(
    entries.map(async (entry) => {
      if (entry.kind === 'event') entry.decisions = await decisionsOf(table, partition, entry.event);
    }),
  );
  return page.last === undefined ? { items: entries } : { items: entries, cursor: encodeCursor(page.last) };
}

/** The messages evaluate made for one event: the `<receivedAt>#MSG#` key range, this event's only. */
async function decisionsOf(
  table: DynamoTable,
  partition: string,
  archived: { event: { id: string }; receivedAt: string },
): Promise<MessageRecord[]> {
  const prefix = `${archived.receivedAt}#MSG#`;
  const keys: IndexKey[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await queryIndex(table, partition, { ExclusiveStartKey: start }, prefix);
    keys.push(...page.keys);
    start = page.last;
  } while (start !== undefined);
  const items = await readItems(table, keys);
  return keys
    .map((key) => items.get(itemId(key)))
    .filter((item) => item !== undefined)
    .map(toMessageRecord)
    .filter((message) => message.trigger.id === archived.event.id);
}

async function queryIndex(
  table: DynamoTable,
  partition: string,
  page: { Limit?: number; ExclusiveStartKey: Record<string, unknown> | undefined },
  prefix?: string,
): Promise<{ keys: IndexKey[]; last?: Record<string, unknown> }> {
  const answer = await table.call('Query', () =>
    table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: INDEXES.timeline.indexName,
        KeyConditionExpression:
          prefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: {
          '#pk': ATTR.timelinePk,
          ...(prefix === undefined ? {} : { '#sk': ATTR.timelineSk }),
        },
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(prefix === undefined ? {} : { ':prefix': prefix }),
        },
        ScanIndexForward: false,
        ...page,
      }),
    ),
  );
  const keys = (answer.Items ?? []).map((item) => parse(IndexKeySchema, item, 'timeline entry'));
  return answer.LastEvaluatedKey === undefined ? { keys } : { keys, last: answer.LastEvaluatedKey };
}

/** `<at>#<KIND>#<id>` → KIND (an instant has no `#`). */
function kindOf(key: IndexKey): string {
  return key[ATTR.timelineSk].split('#')[1] ?? '';
}

function itemId(key: ItemKey): string {
  return `${key.PK}\u0000${key.SK}`;
}

/** Consistent reads of the items behind index keys, by table key (archived events share partitions). */
async function readItems(
  table: DynamoTable,
  keys: ReadonlyArray<ItemKey>,
): Promise<Map<string, Record<string, unknown>>> {
  if (keys.length === 0) return new Map();
  const found = await batchGetConsistent(
    table.doc,
    table.tableName,
    keys.map((key) => ({ PK: key.PK, SK: key.SK })),
  );
  return new Map(found.map((item) => [itemId(parse(KeySchema, item, 'timeline item')), item]));
}

const CursorSchema = z.object({ v: z.literal(1), k: IndexKeySchema });

function encodeCursor(last: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ v: 1, k: last }), 'utf8').toString('base64url');
}

/** The LastEvaluatedKey a cursor carries; refused when it is not this customer's. */
function decodeCursor(cursor: string, partition: string): IndexKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success || result.data.k[ATTR.timelinePk] !== partition) {
    throw new DynamoStoreError("customerActivity: the cursor was not issued for this customer's timeline", {
      operation: 'Query',
      retryable: false,
      code: DynamoStoreErrorCode.InvalidCursor,
    });
  }
  return result.data.k;
}
