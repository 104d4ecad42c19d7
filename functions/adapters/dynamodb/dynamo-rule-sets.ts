/**
 * {@link RuleSetStore} on the journey table (docs/data-model.md, "Rule sets"):
 *
 * - `RULESET` / `VERSION#<n>`: a version's metadata, written once (attribute_not_exists).
 * - `RULESET#<sha256>` / `PART#<i>`: the content's UTF-8 JSON in chunks of {@link PART_BYTES}, so a
 *   version over DynamoDB's 400 KB item limit is split, not refused. Content-addressed: equal
 *   content is stored once, and a chunk once written never changes.
 * - `RULESET` / `COUNTER`: the last version number handed out (atomic ADD).
 * - `RULESET` / `ACTIVE`: the pointer — the active version, the move count and the last move —
 *   moved by one conditional UpdateItem on (version, seq), so no move is ever lost.
 * - `RULESET` / `MOVE#<seq>`: the audit of each move. The pointer carries its last move, and the
 *   next move writes that item first if it is missing, so a crash after a move loses no audit.
 *
 * Nothing here expires (no `expiresAt`): versions and their audit are kept for good.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  type ActiveRuleSet,
  type MoveRequest,
  RuleSetConflictError,
  type RuleSetContent,
  RuleSetError,
  type RuleSetMove,
  RuleSetNotFoundError,
  type RuleSetStore,
  type RuleSetVersion,
  type RuleSetVersionInfo,
} from '../../app/ports/rule-sets.ts';
import { encodeRuleSet } from '../rule-set-json.ts';
import { callDynamo, isConditionFailure } from './dynamo-store-error.ts';
import { ATTR } from './table-design.ts';

/**
 * Bytes of content per part item: DynamoDB's item limit is 400 KB, attribute names and values
 * together ("Item size limit", DynamoDB developer guide, Service quotas); 300,000 leaves room.
 */
const PART_BYTES = 300_000;
/**
 * The partition of versions, the counter, the pointer and its moves; content parts live under
 * `RULESET#<sha256>`. Exported for the console's IAM (writes scoped to these partitions).
 */
export const POINTER_PK = 'RULESET';
const pad = (n: number) => String(n).padStart(10, '0');

const MoveSchema = z.object({
  seq: z.number(),
  action: z.enum(['seed', 'publish', 'rollback']),
  at: z.string(),
  by: z.string(),
  message: z.string(),
  from: z.number().optional(),
  to: z.number(),
  backtest: z.record(z.string(), z.unknown()).optional(),
});
const PointerSchema = z.object({ version: z.number(), seq: z.number(), lastMove: MoveSchema });
const InfoSchema = z.object({
  version: z.number(),
  createdAt: z.string(),
  createdBy: z.string(),
  message: z.string(),
  sourceHash: z.string(),
  parts: z.number(),
  backtest: z.record(z.string(), z.unknown()).optional(),
});

/** {@link RuleSetStore} on DynamoDB; the table and client are given, nothing read from the environment. */
export class DynamoRuleSets implements RuleSetStore {
  constructor(
    private readonly tableName: string,
    private readonly doc: DynamoDBDocumentClient,
  ) {}

  async active(): Promise<ActiveRuleSet | undefined> {
    const pointer = await this.pointer();
    return pointer === undefined ? undefined : { version: pointer.version, lastMove: pointer.lastMove };
  }

  async getVersion(version: number): Promise<RuleSetVersion | undefined> {
    const item = await this.get(POINTER_PK, `VERSION#${pad(version)}`);
    if (item === undefined) return undefined;
    const info = parse(InfoSchema, item, `version ${version}`);
    const chunks: Uint8Array[] = [];
    for (const part of await this.query(`${POINTER_PK}#${info.sourceHash}`, 'PART#')) {
      const bytes: unknown = part.bytes;
      if (!(bytes instanceof Uint8Array)) throw corrupt(`version ${version}: a part has no bytes`);
      chunks.push(bytes);
    }
    if (chunks.length !== info.parts) {
      throw corrupt(`version ${version}: ${chunks.length} of ${info.parts} parts found`);
    }
    const { parts: _parts, ...meta } = info;
    const content: RuleSetContent = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (encodeRuleSet(content).sourceHash !== info.sourceHash)
      throw corrupt(`version ${version}: hash differs`);
    return { ...meta, content };
  }

  async listVersions(): Promise<RuleSetVersionInfo[]> {
    const items = await this.query(POINTER_PK, 'VERSION#');
    return items.map((item) => {
      const { parts: _parts, ...info } = parse(InfoSchema, item, 'a version');
      return info;
    });
  }

  async history(limit = 50): Promise<RuleSetMove[]> {
    const moves = (await this.query(POINTER_PK, 'MOVE#', false, limit)).map((item) =>
      parse(MoveSchema, item.move, 'a move'),
    );
    // The last move is on the pointer even if its own item was not written yet.
    const pointer = await this.pointer();
    if (pointer !== undefined && !moves.some((move) => move.seq === pointer.seq))
      moves.unshift(pointer.lastMove);
    return moves.slice(0, limit).map(withoutUndefined);
  }

  async publish(content: RuleSetContent, move: MoveRequest): Promise<RuleSetMove> {
    const before = await this.pointer();
    if (before?.version !== move.expectedVersion) {
      throw new RuleSetConflictError(move.expectedVersion, before?.version);
    }
    const { sourceHash, parts } = await this.writeParts(content);
    const version = await this.allocateVersion(move, sourceHash, parts);
    return this.move(before, version, 'publish', move);
  }

  async rollback(version: number, move: MoveRequest): Promise<RuleSetMove> {
    if ((await this.get(POINTER_PK, `VERSION#${pad(version)}`)) === undefined) {
      throw new RuleSetNotFoundError(version);
    }
    const before = await this.pointer();
    if (before?.version !== move.expectedVersion) {
      throw new RuleSetConflictError(move.expectedVersion, before?.version);
    }
    return this.move(before, version, 'rollback', move);
  }

  async seed(
    content: RuleSetContent,
    move: Pick<MoveRequest, 'at' | 'by' | 'message'>,
  ): Promise<ActiveRuleSet> {
    const existing = await this.active();
    if (existing !== undefined) return existing;
    const { sourceHash, parts } = await this.writeParts(content);
    const info = {
      version: 1,
      createdAt: move.at,
      createdBy: move.by,
      message: move.message,
      sourceHash,
      parts,
    };
    const written = await this.putNew({
      PK: POINTER_PK,
      SK: `VERSION#${pad(1)}`,
      [ATTR.type]: 'ruleset-version',
      ...info,
    });
    const one = written
      ? info
      : parse(InfoSchema, await this.get(POINTER_PK, `VERSION#${pad(1)}`), 'version 1');
    // Version 1 is someone else's content (a publish on an empty table): theirs wins.
    if (one.sourceHash === sourceHash) {
      try {
        await this.move(undefined, 1, 'seed', { ...move, expectedVersion: undefined });
      } catch (error) {
        if (!(error instanceof RuleSetConflictError)) throw error;
      }
    }
    const now = await this.active();
    if (now === undefined) throw new RuleSetConflictError(undefined, undefined);
    return now;
  }

  /** Writes the content's parts (idempotent: content-addressed). */
  private async writeParts(content: RuleSetContent): Promise<{ sourceHash: string; parts: number }> {
    const { bytes, sourceHash } = encodeRuleSet(content);
    const parts = Math.max(1, Math.ceil(bytes.length / PART_BYTES));
    for (let i = 0; i < parts; i++) {
      const item = {
        PK: `${POINTER_PK}#${sourceHash}`,
        SK: `PART#${pad(i)}`,
        [ATTR.type]: 'ruleset-part',
        bytes: bytes.subarray(i * PART_BYTES, (i + 1) * PART_BYTES),
      };
      await this.call('PutItem', () =>
        this.doc.send(new PutCommand({ TableName: this.tableName, Item: item })),
      );
    }
    return { sourceHash, parts };
  }

  /** The next free version number (atomic counter), with its metadata written once. */
  private async allocateVersion(move: MoveRequest, sourceHash: string, parts: number): Promise<number> {
    for (;;) {
      const result = await this.call('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { PK: POINTER_PK, SK: 'COUNTER' },
            UpdateExpression: 'ADD #next :one',
            ExpressionAttributeNames: { '#next': 'next' },
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      const version = Number(result.Attributes?.next);
      const info = {
        version,
        createdAt: move.at,
        createdBy: move.by,
        message: move.message,
        sourceHash,
        parts,
        ...(move.backtest === undefined ? {} : { backtest: move.backtest }),
      };
      // A seed may hold version 1 already: take the next number.
      if (
        await this.putNew({
          PK: POINTER_PK,
          SK: `VERSION#${pad(version)}`,
          [ATTR.type]: 'ruleset-version',
          ...info,
        })
      ) {
        return version;
      }
    }
  }

  /** Moves the pointer from `before` to `to` with one conditional write, then writes its audit item. */
  private async move(
    before: z.infer<typeof PointerSchema> | undefined,
    to: number,
    action: RuleSetMove['action'],
    request: MoveRequest,
  ): Promise<RuleSetMove> {
    // The previous move's audit item, if its writer stopped before writing it.
    if (before !== undefined) await this.putMove(before.lastMove);
    const move: RuleSetMove = {
      seq: (before?.seq ?? 0) + 1,
      action,
      at: request.at,
      by: request.by,
      message: request.message,
      ...(before === undefined ? {} : { from: before.version }),
      to,
      ...(request.backtest === undefined ? {} : { backtest: request.backtest }),
    };
    try {
      await this.call('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { PK: POINTER_PK, SK: 'ACTIVE' },
            UpdateExpression: 'SET #version = :to, #seq = :seq, #last = :move, #type = :type',
            ConditionExpression:
              before === undefined ? 'attribute_not_exists(#pk)' : '#version = :from AND #seq = :prevSeq',
            ExpressionAttributeNames: {
              '#version': 'version',
              '#seq': 'seq',
              '#last': 'lastMove',
              '#type': ATTR.type,
              ...(before === undefined ? { '#pk': ATTR.pk } : {}),
            },
            ExpressionAttributeValues: {
              ':to': to,
              ':seq': move.seq,
              ':move': move,
              ':type': 'ruleset-pointer',
              ...(before === undefined ? {} : { ':from': before.version, ':prevSeq': before.seq }),
            },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new RuleSetConflictError(before?.version, (await this.pointer())?.version);
    }
    await this.putMove(move);
    return move;
  }

  private async putMove(move: RuleSetMove): Promise<void> {
    // Nested under `move`: a top-level `to` would land in the address index (ATTR.to).
    await this.putNew({ PK: POINTER_PK, SK: `MOVE#${pad(move.seq)}`, [ATTR.type]: 'ruleset-move', move });
  }

  private async pointer(): Promise<z.infer<typeof PointerSchema> | undefined> {
    const item = await this.get(POINTER_PK, 'ACTIVE');
    return item === undefined ? undefined : parse(PointerSchema, item, 'the active pointer');
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.call('GetItem', () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { PK: pk, SK: sk }, ConsistentRead: true }),
      ),
    );
    return result.Item;
  }

  /** Puts an item only if its key is free; false when it exists. */
  private async putNew(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.call('PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': ATTR.pk },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Every item of a partition whose sort key begins with `prefix`, following pages (a version's parts exceed 1 MB). */
  private async query(pk: string, prefix: string, forward = true, limit = Number.POSITIVE_INFINITY) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
            ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
            ConsistentRead: true,
            ScanIndexForward: forward,
            ExclusiveStartKey: start,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined && items.length < limit);
    return items;
  }

  private call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return callDynamo(this.tableName, operation, run);
  }
}

function parse<T>(schema: z.ZodType<T>, item: unknown, what: string): T {
  const result = schema.safeParse(item);
  if (!result.success)
    throw corrupt(`${what} is not a valid rule-set item: ${result.error.issues[0]?.message}`);
  return result.data;
}

function corrupt(message: string): RuleSetError {
  return new RuleSetError(message, 'corrupt');
}

function withoutUndefined(move: RuleSetMove): RuleSetMove {
  return JSON.parse(JSON.stringify(move));
}
