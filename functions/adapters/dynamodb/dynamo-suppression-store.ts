import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  type AddressOptOut,
  SUPPRESSION_REASONS,
  type Suppression,
  type SuppressionReason,
  type SuppressionStore,
} from '../../app/ports/suppressions.ts';
import { instantMillis, utcIso } from '../../core/customers/customer-profile.ts';
import type { Channel } from '../../core/rules/rule-schema.ts';
import { coalescedGet } from './batch-get.ts';
import {
  callDynamo,
  DynamoStoreError,
  DynamoStoreErrorCode,
  isConditionFailure,
} from './dynamo-store-error.ts';
import type { ItemKey } from './journey-items.ts';
import { ATTR } from './table-design.ts';
import { UpdateExpressionBuilder } from './update-expression.ts';

/** Item kind in `type`, for people browsing the table. */
const SUPPRESSION_ITEM_TYPE = 'suppression';

/** The table key of an address's suppression: one partition per (channel, address). */
export function suppressionKey(channel: Channel, address: string): ItemKey {
  return { PK: `ADDR#${channel}#${address}`, SK: 'SUPPRESSION' };
}

/** Configuration and client of a {@link DynamoSuppressionStore}; nothing is read from the environment. */
export interface DynamoSuppressionStoreOptions {
  tableName: string;
  /** Built once per process by the caller; a plain client is wrapped in a document client. */
  client?: DynamoDBDocumentClient | DynamoDBClient;
}

/** A failed condition is explained from the item it returned; a changing item may need another try. */
const CONDITION_RETRIES = 4;

const ChangeSchema = z.object({
  at: z.string(),
  suppressed: z.boolean(),
  reason: z.enum(SUPPRESSION_REASONS).optional(),
  source: z.string(),
});

const ItemSchema = z.object({
  channel: z.enum(['sms', 'email']),
  address: z.string(),
  suppressed: z.boolean(),
  reason: z.enum(SUPPRESSION_REASONS),
  source: z.string(),
  at: z.string(),
  atMillis: z.number(),
  customerId: z.string().optional(),
  history: z.array(ChangeSchema),
  sources: z.set(z.string()),
});
type SuppressionItem = z.infer<typeof ItemSchema>;

/** {@link SuppressionStore} on DynamoDB. */
export class DynamoSuppressionStore implements SuppressionStore {
  private readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;

  /** @throws {RangeError} on a table name DynamoDB would reject. */
  constructor(options: DynamoSuppressionStoreOptions) {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(options.tableName)) {
      throw new RangeError(`tableName '${options.tableName}' is not a valid DynamoDB table name`);
    }
    this.tableName = options.tableName;
    const client = options.client ?? new DynamoDBClient({});
    this.doc =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(channel: Channel, address: string): Promise<Suppression | undefined> {
    const result = await this.call('GetItem', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: suppressionKey(channel, address),
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item === undefined ? undefined : toSuppression(parseItem(result.Item));
  }

  async suppress(input: AddressOptOut): Promise<'applied' | 'already-suppressed' | 'duplicate'> {
    const at = utcIso(input.at);
    const change = { at, suppressed: true, reason: input.reason, source: input.source };
    for (let attempt = 1; ; attempt++) {
      // Not suppressed (or no item yet): this statement becomes the entry.
      const apply = this.baseUpdate(input.channel, input.address, input.source, change);
      apply
        .set('suppressed', true)
        .set('reason', input.reason)
        .set('source', input.source)
        .set('at', at)
        .set('atMillis', instantMillis(at));
      // A customer learnt earlier is kept when this statement knows none (a STOP from the number).
      if (input.customerId !== undefined) apply.set('customerId', input.customerId);
      apply.condition(
        `attribute_not_exists(${apply.name('suppressed')}) OR ${apply.name('suppressed')} = ${apply.value(false)}`,
      );
      const first = await this.conditionalUpdate(input.channel, input.address, apply);
      if (first === 'written') return 'applied';
      if (first !== 'absent' && first.sources.has(input.source)) return 'duplicate';
      if (first !== 'absent' && first.suppressed) {
        // Suppressed by another statement: it goes into the history, the entry stays as it is.
        const note = this.baseUpdate(input.channel, input.address, input.source, change);
        note.condition(`${note.name('suppressed')} = ${note.value(true)}`);
        const second = await this.conditionalUpdate(input.channel, input.address, note);
        if (second === 'written') return 'already-suppressed';
        if (second !== 'absent' && second.sources.has(input.source)) return 'duplicate';
      }
      // Lifted between the two writes: decide again from the top.
      if (attempt >= CONDITION_RETRIES) throw conditionRace('suppress', input.channel);
    }
  }

  async lift(input: {
    channel: Channel;
    address: string;
    source: string;
    at: string;
  }): Promise<'applied' | 'not-suppressed' | 'duplicate' | 'stale'> {
    const at = utcIso(input.at);
    const atMillis = instantMillis(at);
    if (Number.isNaN(atMillis)) {
      throw new DynamoStoreError(`lift: '${input.at}' is not an ISO instant`, {
        operation: 'validate',
        retryable: false,
        code: DynamoStoreErrorCode.InvalidInput,
      });
    }
    for (let attempt = 1; ; attempt++) {
      const update = this.baseUpdate(input.channel, input.address, input.source, {
        at,
        suppressed: false,
        source: input.source,
      });
      update.set('suppressed', false).set('source', input.source).set('at', at).set('atMillis', atMillis);
      update
        .condition(`${update.name('suppressed')} = ${update.value(true)}`)
        // A START sent before the STOP it would undo lifts nothing (numbers: instants, not text).
        .condition(`${update.name('atMillis')} <= ${update.value(atMillis)}`);
      const result = await this.conditionalUpdate(input.channel, input.address, update);
      if (result === 'written') return 'applied';
      if (result === 'absent') return 'not-suppressed';
      if (result.sources.has(input.source)) return 'duplicate';
      if (!result.suppressed) return 'not-suppressed';
      if (result.atMillis > atMillis) return 'stale';
      if (attempt >= CONDITION_RETRIES) throw conditionRace('lift', input.channel);
    }
  }

  async list(addresses: ReadonlyArray<{ channel: Channel; address: string }>): Promise<Suppression[]> {
    const keys = [
      ...new Map(
        addresses.map(({ channel, address }) => [
          `${channel}\u0000${address}`,
          suppressionKey(channel, address),
        ]),
      ).values(),
    ];
    const found = new Map<string, Suppression>();
    // Each key joins the reads of the table asked for in the same turn (the send step's profile
    // and cap ledger): one BatchGetItem for all of them.
    const items = await Promise.all(keys.map((key) => coalescedGet(this.doc, this.tableName, key)));
    for (const item of items) {
      if (item === undefined) continue;
      const entry = toSuppression(parseItem(item));
      found.set(`${entry.channel}\u0000${entry.address}`, entry);
    }
    // In the order asked for, each once.
    const out: Suppression[] = [];
    const seen = new Set<string>();
    for (const { channel, address } of addresses) {
      const id = `${channel}\u0000${address}`;
      const entry = found.get(id);
      if (entry === undefined || seen.has(id)) continue;
      seen.add(id);
      out.push(entry);
    }
    return out;
  }

  async detachCustomer(channel: Channel, address: string, customerId: string): Promise<boolean> {
    try {
      await callDynamo(this.tableName, 'UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: suppressionKey(channel, address),
            UpdateExpression: 'REMOVE #customer',
            ConditionExpression: '#customer = :customer',
            ExpressionAttributeNames: { '#customer': 'customerId' },
            ExpressionAttributeValues: { ':customer': customerId },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * What every change writes: the identity of the item, the history entry, the source (a
   * replay of it is refused) and never an `expiresAt` (a suppression is kept for good).
   */
  private baseUpdate(
    channel: Channel,
    address: string,
    source: string,
    change: { at: string; suppressed: boolean; reason?: SuppressionReason; source: string },
  ): UpdateExpressionBuilder {
    const update = new UpdateExpressionBuilder();
    const history = update.name('history');
    update
      .set(ATTR.type, SUPPRESSION_ITEM_TYPE)
      .set('channel', channel)
      .set('address', address)
      .setExpression(
        'history',
        `list_append(if_not_exists(${history}, ${update.value([])}), ${update.value([change])})`,
      )
      .add('sources', new Set([source]))
      .condition(`NOT contains(${update.name('sources')}, ${update.value(source)})`);
    return update;
  }

  /** One conditional UpdateItem: 'written', or the item as the failed condition saw it ('absent' when none). */
  private async conditionalUpdate(
    channel: Channel,
    address: string,
    update: UpdateExpressionBuilder,
  ): Promise<'written' | 'absent' | DecisionState> {
    try {
      await this.call('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: suppressionKey(channel, address),
            ...update.build(),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return 'written';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const raw = error instanceof ConditionalCheckFailedException ? error.Item : undefined;
      if (raw !== undefined) return stateFromRaw(raw);
      // Some servers return no item with the failure: read it (consistently) instead.
      const read = await this.call('GetItem', () =>
        this.doc.send(
          new GetCommand({
            TableName: this.tableName,
            Key: suppressionKey(channel, address),
            ConsistentRead: true,
          }),
        ),
      );
      if (read.Item === undefined) return 'absent';
      const item = parseItem(read.Item);
      return { suppressed: item.suppressed, atMillis: item.atMillis, sources: item.sources };
    }
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return callDynamo(this.tableName, operation, run);
  }
}

/** What a failed condition is explained by. */
interface DecisionState {
  suppressed: boolean;
  atMillis: number;
  sources: ReadonlySet<string>;
}

const RawStateSchema = z.object({
  suppressed: z.object({ BOOL: z.boolean() }),
  atMillis: z.object({ N: z.string() }),
  sources: z.object({ SS: z.array(z.string()) }),
});

/**
 * The decision state of the item a failed condition returned (ReturnValuesOnConditionCheckFailure:
 * the low-level format, which the document client leaves as is).
 */
function stateFromRaw(raw: unknown): DecisionState {
  const result = RawStateSchema.safeParse(raw);
  if (!result.success) {
    throw new DynamoStoreError('a suppression item returned by a failed condition is not valid', {
      operation: 'UpdateItem',
      retryable: false,
      code: DynamoStoreErrorCode.InvalidItem,
    });
  }
  return {
    suppressed: result.data.suppressed.BOOL,
    atMillis: Number(result.data.atMillis.N),
    sources: new Set(result.data.sources.SS),
  };
}

/** A suppression item as stored, validated. @throws {DynamoStoreError} (InvalidItem) */
function parseItem(item: unknown): SuppressionItem {
  const result = ItemSchema.safeParse(item);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`)
    .join('; ');
  throw new DynamoStoreError(`a suppression item is not valid: ${problems}`, {
    operation: 'read',
    retryable: false,
    code: DynamoStoreErrorCode.InvalidItem,
  });
}

function toSuppression(item: SuppressionItem): Suppression {
  return {
    channel: item.channel,
    address: item.address,
    suppressed: item.suppressed,
    reason: item.reason,
    source: item.source,
    at: item.at,
    ...(item.customerId === undefined ? {} : { customerId: item.customerId }),
    history: item.history.map((change) => ({
      at: change.at,
      suppressed: change.suppressed,
      ...(change.reason === undefined ? {} : { reason: change.reason }),
      source: change.source,
    })),
  };
}

function conditionRace(operation: string, channel: Channel): DynamoStoreError {
  return new DynamoStoreError(
    `${operation} on the ${channel} suppression of an address: the item kept changing under a conditional write`,
    { operation: 'UpdateItem', retryable: true },
  );
}
