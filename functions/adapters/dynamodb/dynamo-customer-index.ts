/**
 * {@link CustomerIndex} on DynamoDB: the `timeline` index, read whole (every page, oldest first).
 * Whatever an item kind files under `timelinePK = CUST#<id>` — messages, replies, threshold
 * entries, archived events — is found here by key, so the privacy export and erase need no Scan
 * and cover kinds added later without knowing them.
 */
import * as z from 'zod';
import type { CustomerIndex, CustomerIndexEntry } from '../../app/ports/customer-index.ts';
import { deleteItemIf } from './delete-item.ts';
import { DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';
import type { DynamoTable } from './dynamo-table.ts';
import { customerPartition, type ItemKey, KeySchema, parse } from './journey-items.ts';
import { ATTR, INDEXES } from './table-design.ts';

const IndexKeySchema = KeySchema.extend({ [ATTR.timelineSk]: z.string() });

/** Store attributes that are keys, index keys or TTL: not part of what a person is told. */
const STORE_ATTRIBUTES = new Set<string>([
  ATTR.pk,
  ATTR.sk,
  ATTR.expiresAt,
  ATTR.timelinePk,
  ATTR.timelineSk,
  ATTR.outboxPk,
  ATTR.outboxSk,
  ATTR.lifecyclePk,
  ATTR.lifecycleSk,
]);

/** {@link CustomerIndex} on the journey table's `timeline` index. */
export class DynamoCustomerIndex implements CustomerIndex {
  constructor(private readonly table: DynamoTable) {}

  async listEntries(customerId: string): Promise<CustomerIndexEntry[]> {
    const entries: CustomerIndexEntry[] = [];
    const query = this.table.queryItems({
      IndexName: INDEXES.timeline.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': ATTR.timelinePk },
      ExpressionAttributeValues: { ':pk': customerPartition(customerId) },
    });
    for await (const item of query) entries.push(toEntry(item));
    return entries;
  }

  async readEntry(entry: CustomerIndexEntry): Promise<Record<string, unknown> | undefined> {
    const item = await this.table.getItem(refKey(entry.ref));
    if (item === undefined) return undefined;
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(item)) {
      if (!STORE_ATTRIBUTES.has(name)) out[name] = plain(value);
    }
    return out;
  }

  async deleteEntry(customerId: string, entry: CustomerIndexEntry): Promise<boolean> {
    const done = await deleteItemIf(this.table, refKey(entry.ref), {
      expression: '#tpk = :tpk',
      names: { '#tpk': ATTR.timelinePk },
      values: { ':tpk': customerPartition(customerId) },
    });
    return done === 'deleted';
  }
}

/** An index answer as an entry: `timelineSK` is `<at>#<KIND>#<id>` (the instant has no `#`). */
function toEntry(item: unknown): CustomerIndexEntry {
  const key = parse(IndexKeySchema, item, 'timeline entry');
  const sort = key[ATTR.timelineSk];
  const first = sort.indexOf('#');
  const second = first < 0 ? -1 : sort.indexOf('#', first + 1);
  const ref = JSON.stringify({ PK: key.PK, SK: key.SK });
  if (second < 0) return { kind: 'UNKNOWN', id: key.PK, at: sort, ref };
  return { kind: sort.slice(first + 1, second), id: sort.slice(second + 1), at: sort.slice(0, first), ref };
}

function refKey(ref: string): ItemKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ref);
  } catch {
    parsed = undefined;
  }
  const key = KeySchema.safeParse(parsed);
  if (!key.success) {
    throw new DynamoStoreError('customer index: the entry was not issued by this store', {
      operation: 'validate',
      retryable: false,
      code: DynamoStoreErrorCode.InvalidInput,
    });
  }
  return { PK: key.data.PK, SK: key.data.SK };
}

/** A stored value as JSON can carry it: sets (e.g. `providerEvents`) become arrays. */
function plain(value: unknown): unknown {
  if (value instanceof Set) return [...value].map(plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, plain(inner)]));
  }
  return value;
}
