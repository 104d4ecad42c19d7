/**
 * {@link AuditLog} on the journey table: one partition per UTC month (`AUDIT#<yyyy-MM>`), sort
 * key `<at>#<ulid-like>` so a Query with ScanIndexForward=false lists newest first. Months are
 * walked backwards from the clock's month; the cursor names the month and, mid-month, DynamoDB's
 * LastEvaluatedKey. Entries have no TTL: an audit trail outlives the records it talks about.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { auditEntryToStore } from '../../app/audit-entry.ts';
import type { AuditEntry, AuditLog, AuditPage } from '../../app/ports/audit.ts';
import { DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';
import { type DynamoTable, record } from './dynamo-table.ts';
import { parse, utcInstant, withoutUndefined } from './journey-items.ts';
import { ATTR, AUDIT_ITEMS } from './table-design.ts';

const AuditItemSchema = z.object({
  at: z.string(),
  actor: z.object({ sub: z.string(), name: z.string() }),
  role: z.string(),
  action: z.string(),
  target: z.string().optional(),
  detail: z.string().optional(),
});

const CursorSchema = z.object({
  v: z.literal(1),
  m: z.string().regex(/^\d{4}-\d{2}$/),
  k: z.object({ PK: z.string(), SK: z.string() }).optional(),
});
type Cursor = z.infer<typeof CursorSchema>;

/** {@link AuditLog} on DynamoDB. */
export class DynamoAuditLog implements AuditLog {
  constructor(private readonly table: DynamoTable) {}

  async record(entry: AuditEntry): Promise<void> {
    const stored = auditEntryToStore(entry);
    // The suffix keeps two entries of one instant apart; its counter lists the later-recorded
    // one first (within this process; see nextSequence).
    const item = {
      ...stored,
      [ATTR.pk]: `${AUDIT_ITEMS.partitionPrefix}${stored.at.slice(0, 7)}`,
      [ATTR.sk]: `${stored.at}#${nextSequence()}#${randomUUID()}`,
      [ATTR.type]: AUDIT_ITEMS.type,
    };
    await this.table.call('PutItem', () =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: record(withoutUndefined(item)),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        }),
      ),
    );
  }

  async list(options: { limit: number; cursor?: string }): Promise<AuditPage> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0)) return { entries: [] };
    let position: Cursor | undefined =
      options.cursor === undefined ? { v: 1, m: this.table.currentMonth() } : decodeCursor(options.cursor);
    const entries: AuditEntry[] = [];
    let emptyMonths = 0;
    while (position !== undefined && entries.length < limit) {
      const at: Cursor = position;
      const page = await this.table.call('Query', () =>
        this.table.doc.send(
          new QueryCommand({
            TableName: this.table.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': ATTR.pk },
            ExpressionAttributeValues: { ':pk': `${AUDIT_ITEMS.partitionPrefix}${at.m}` },
            ScanIndexForward: false,
            Limit: limit - entries.length,
            ExclusiveStartKey: at.k,
          }),
        ),
      );
      for (const item of page.Items ?? []) entries.push(toEntry(item));
      const next = page.LastEvaluatedKey;
      if (next !== undefined) {
        position = { v: 1, m: at.m, k: { PK: String(next[ATTR.pk]), SK: String(next[ATTR.sk]) } };
        continue;
      }
      emptyMonths = (page.Items?.length ?? 0) > 0 || at.k !== undefined ? 0 : emptyMonths + 1;
      position = emptyMonths > this.table.maxEmptyMonths ? undefined : { v: 1, m: previousMonth(at.m) };
    }
    return position === undefined ? { entries } : { entries, cursor: encodeCursor(position) };
  }
}

let sequence = 0;
/**
 * A per-process counter, zero-padded, so that within one instant an entry this process records
 * later sorts after (is listed before) an earlier one. Two processes' entries of the same
 * millisecond order by chance.
 */
function nextSequence(): string {
  sequence = (sequence + 1) % 1e9;
  return String(sequence).padStart(9, '0');
}

function toEntry(item: unknown): AuditEntry {
  const entry = parse(AuditItemSchema, item, 'audit entry');
  return {
    at: entry.at,
    actor: entry.actor,
    role: entry.role,
    action: entry.action,
    ...(entry.target === undefined ? {} : { target: entry.target }),
    ...(entry.detail === undefined ? {} : { detail: entry.detail }),
  };
}

function previousMonth(month: string): string {
  return utcInstant(`${month}-01T00:00:00Z`).minus({ months: 1 }).toFormat('yyyy-MM');
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success) {
    throw new DynamoStoreError('audit list: the cursor was not issued by this store', {
      operation: 'Query',
      retryable: false,
      code: DynamoStoreErrorCode.InvalidCursor,
    });
  }
  return result.data;
}
