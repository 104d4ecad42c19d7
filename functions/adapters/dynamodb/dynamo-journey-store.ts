/**
 * The journey store on one DynamoDB table (see table-design.ts and docs/data-model.md).
 *
 * Every write that decides something is ONE conditional request, so concurrent Lambdas and
 * redelivered events can race freely and DynamoDB picks the winner: create-if-absent, claim a
 * dedupe key, claim a message for sending under a lease, move a status forward, apply a
 * provider report once. Every read is a GetItem, a Query on the table or on a sparse index, or a
 * consistent BatchGetItem of keys an index returned. Nothing ever Scans.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import * as z from 'zod';
import type {
  MessageRecord,
  MessageStatus,
  RejectedEvent,
  StatusChange,
  TriggerSnapshot,
} from '../../app/message-record.ts';
import { COUNTED_AS_SENT, REPORTED_BY_PROVIDER, statusesBefore } from '../../app/message-status-rank.ts';
import type { Clock, InboundReply, JourneyStore, SendFields } from '../../app/ports.ts';
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import type { ThresholdEntry } from '../../core/planning/threshold.ts';
import { batchGetConsistent } from './batch-get.ts';
import {
  callDynamo,
  DynamoStoreError,
  DynamoStoreErrorCode,
  isConditionFailure,
} from './dynamo-store-error.ts';
import {
  customerPartition,
  dedupeHolderFromRaw,
  ITEM_TYPE,
  type ItemKey,
  itemKey,
  monthOf,
  outboxPartition,
  outboxSort,
  type ProviderState,
  pendingPartition,
  providerStateFromRaw,
  rejectedPartition,
  thresholdPartition,
  thresholdRange,
  timelineSort,
  toCapLedger,
  toDedupeHolder,
  toItemKey,
  toMessageRecord,
  toProfile,
  toProviderState,
  toRejected,
  toReply,
  toThresholdEntry,
  triggerItem,
  utcInstant,
  withoutUndefined,
} from './journey-items.ts';
import { ATTR, DEFAULT_RETENTION_DAYS, INDEXES } from './table-design.ts';
import { UpdateExpressionBuilder } from './update-expression.ts';

/** Configuration and client of a {@link DynamoJourneyStore}; nothing is read from the environment. */
export interface DynamoJourneyStoreOptions {
  tableName: string;
  /**
   * Built once per process by the caller (module scope in a Lambda). A plain client is wrapped in
   * a document client; a document client is used as it is. Default: a new client from the SDK's
   * default region and credential chain.
   */
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Days an item is kept after its last write (or its planned send time). Default 400. */
  retentionDays?: number;
  /**
   * The clock the use cases run on. The store reads it for TTL and to know which month the
   * outbox and rejected listings start from, so the local runtime's sped-up clock and the table
   * agree. Default: the system clock.
   */
  clock?: Clock;
}

/** Fields `transition` may patch, in a fixed order so expressions are deterministic. */
const PATCH_FIELDS = ['sendAt', 'channel', 'to', 'locale', 'rendered', 'providerId', 'sentAt'] as const;
type TransitionPatch = Partial<Pick<MessageRecord, (typeof PATCH_FIELDS)[number]>>;

/** A condition failure is re-checked by a read; a changing item may need a second try. */
const CONDITION_RETRIES = 3;
/** Concurrent sends to one customer retry their cap reservation; each round one of them wins. */
const CAP_RETRIES = 20;

const CursorSchema = z.object({
  v: z.literal(1),
  /** Month bucket (`yyyy-MM`) to continue in. */
  m: z.string().regex(/^\d{4}-\d{2}$/),
  /** LastEvaluatedKey of the previous page in that bucket, when it stopped mid-bucket. */
  k: z.record(z.string(), z.string()).optional(),
});
type Cursor = z.infer<typeof CursorSchema>;

/** {@link JourneyStore} on DynamoDB. */
export class DynamoJourneyStore implements JourneyStore {
  private readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly retentionDays: number;
  private readonly clock: Clock;
  /**
   * Listings walk back month by month; after this many months in a row without items they stop
   * (a retention's worth, so a quiet stretch shorter than the retention never ends a listing).
   * It bounds the cost of listing a sparse table at ~16 Queries; the price is that messages
   * older than such a gap (kept alive by later writes) are not listed.
   */
  private readonly maxEmptyMonths: number;

  /** @throws {RangeError} on a table name DynamoDB would reject or a retention that is not a positive integer. */
  constructor(options: DynamoJourneyStoreOptions) {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(options.tableName)) {
      throw new RangeError(`tableName '${options.tableName}' is not a valid DynamoDB table name`);
    }
    const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new RangeError(`retentionDays must be a positive integer, got ${retentionDays}`);
    }
    this.tableName = options.tableName;
    this.retentionDays = retentionDays;
    this.maxEmptyMonths = Math.ceil(retentionDays / 28) + 1;
    this.clock = options.clock ?? { now: () => DateTime.utc() };
    const client = options.client ?? new DynamoDBClient({});
    this.doc =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async getProfile(customerId: string): Promise<CustomerProfile | undefined> {
    const item = await this.getItem(itemKey.profile(customerId));
    return item === undefined ? undefined : toProfile(item);
  }

  async putProfile(profile: CustomerProfile): Promise<'written' | 'conflict'> {
    // An opt-out must outlive the retention window: were the profile to expire, the next event
    // would recreate it without the STOP and Nudge would text someone who said no.
    const optedOut = Object.values(profile.consent).some((entry) => entry?.granted === false);
    const item = {
      ...profile,
      ...itemKey.profile(profile.id),
      [ATTR.type]: ITEM_TYPE.profile,
      revision: (profile.revision ?? 0) + 1,
      ...(optedOut ? {} : { [ATTR.expiresAt]: this.expiresAt(profile.updatedAt) }),
    };
    try {
      await this.call('PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record(withoutUndefined(item)),
            // Optimistic: the revision read must still be the stored one. A profile written before
            // revisions existed has none and is taken as revision 0 (absent).
            ...(profile.revision === undefined
              ? {
                  ConditionExpression: 'attribute_not_exists(#pk) OR attribute_not_exists(#revision)',
                  ExpressionAttributeNames: { '#pk': ATTR.pk, '#revision': 'revision' },
                }
              : {
                  ConditionExpression: '#revision = :revision',
                  ExpressionAttributeNames: { '#revision': 'revision' },
                  ExpressionAttributeValues: { ':revision': profile.revision },
                }),
          }),
        ),
      );
      return 'written';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async recordRejected(rejected: RejectedEvent): Promise<void> {
    const item = {
      ...rejected,
      // A random suffix keeps two rejections of the same instant apart; nothing looks them up by key.
      ...itemKey.rejected(rejected.receivedAt, randomUUID()),
      [ATTR.type]: ITEM_TYPE.rejected,
      [ATTR.expiresAt]: this.expiresAt(rejected.receivedAt),
    };
    await this.call('PutItem', () =>
      this.doc.send(new PutCommand({ TableName: this.tableName, Item: record(withoutUndefined(item)) })),
    );
  }

  async createMessage(message: MessageRecord): Promise<'created' | 'exists'> {
    const item = {
      ...message,
      trigger: triggerItem(message.trigger),
      ...itemKey.message(message.messageId),
      [ATTR.type]: ITEM_TYPE.message,
      [ATTR.timelinePk]: customerPartition(message.customerId),
      [ATTR.timelineSk]: timelineSort('MSG', message.createdAt, message.messageId),
      [ATTR.outboxPk]: outboxPartition(monthOf(message.createdAt)),
      [ATTR.outboxSk]: outboxSort(message.createdAt, message.messageId),
      ...lifecycleAtCreate(message),
      [ATTR.expiresAt]: this.expiresAt(message.sendAt),
    };
    return this.putIfAbsent(item);
  }

  async claimDedupe(
    key: string,
    messageId: string,
    now: string,
    expiresAt: string | undefined,
  ): Promise<string> {
    const item = {
      ...itemKey.dedupe(key),
      [ATTR.type]: ITEM_TYPE.dedupe,
      messageId,
      claimedAt: now,
      // The port's `expiresAt` (end of the dedupe horizon) is `heldUntil` here: `expiresAt` is
      // the TTL attribute, and a claim must not be deleted before its horizon ends.
      ...(expiresAt === undefined ? {} : { heldUntil: expiresAt }),
      [ATTR.expiresAt]: this.expiresAt(now, expiresAt),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call('PutItem', () =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: record(item),
              // Free, or held by another message past its horizon. The same message re-claiming
              // (a redelivered event) is refused too and answered from the holder below, so a
              // redelivery never extends the horizon it started.
              ConditionExpression: 'attribute_not_exists(#pk) OR (#held <= :now AND #mid <> :id)',
              ExpressionAttributeNames: { '#pk': ATTR.pk, '#held': 'heldUntil', '#mid': 'messageId' },
              ExpressionAttributeValues: { ':now': now, ':id': messageId },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        return messageId;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // The failure carries the holder (ReturnValuesOnConditionCheckFailure), so no second
        // request; the read is only a fallback for an endpoint that leaves it out.
        const raw = conditionItem(error);
        if (raw !== undefined) return dedupeHolderFromRaw(raw);
        const holder = await this.getItem(itemKey.dedupe(key));
        if (holder !== undefined) return toDedupeHolder(holder);
        // Deleted by TTL between the write and the read: the key is free again, claim it.
        if (attempt >= CONDITION_RETRIES) throw conditionRace('PutItem', key);
      }
    }
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    const item = await this.getItem(itemKey.message(messageId));
    return item === undefined ? undefined : toMessageRecord(item);
  }

  async transition(
    messageId: string,
    from: ReadonlyArray<MessageStatus>,
    change: StatusChange,
    patch: TransitionPatch = {},
    claim?: number,
  ): Promise<MessageRecord | undefined> {
    if (from.length === 0) return undefined;
    const update = new UpdateExpressionBuilder();
    const status = update.name('status');
    update
      .set('status', change.status)
      .setExpression(
        'history',
        `list_append(${update.name('history')}, ${update.value([withoutUndefined(change)])})`,
      )
      .setOrRemove('reason', change.reason)
      .setOrRemove('detail', change.detail)
      .remove('leaseUntil')
      .set(ATTR.expiresAt, this.expiresAt(patch.sendAt));
    for (const field of PATCH_FIELDS) {
      const value = patch[field];
      if (value !== undefined) update.set(field, withoutUndefined(value));
    }
    updateLifecycle(update, change.status, patch);
    update
      .condition(`attribute_exists(${update.name(ATTR.pk)})`)
      .condition(`${status} IN (${from.map((s) => update.value(s)).join(', ')})`);
    if (claim !== undefined) update.condition(`${update.name('attempts')} = ${update.value(claim)}`);
    return this.updateMessage(messageId, update);
  }

  async prepareSend(messageId: string, claim: number, fields: SendFields): Promise<boolean> {
    const update = new UpdateExpressionBuilder();
    update
      .set('channel', fields.channel)
      .set('to', fields.to)
      .set('locale', fields.locale)
      .set('rendered', withoutUndefined(fields.rendered))
      .condition(`attribute_exists(${update.name(ATTR.pk)})`)
      .condition(`${update.name('status')} = ${update.value('sending')}`)
      .condition(`${update.name('attempts')} = ${update.value(claim)}`);
    return (await this.updateMessage(messageId, update)) !== undefined;
  }

  /**
   * Two conditional writes at most: `sending` → `sent` under the claim; if that condition fails
   * because a provider report moved the record on first, the provider fields are filled in under
   * the same claim, the report's status kept (a consistent read in between tells which).
   */
  async recordSent(
    messageId: string,
    claim: number,
    sent: { at: string; providerId: string; sentAt: string; reason?: string; detail?: string },
    options: { shed?: boolean } = {},
  ): Promise<MessageRecord | undefined> {
    const change: StatusChange = {
      at: sent.at,
      status: 'sent',
      ...(sent.reason === undefined ? {} : { reason: sent.reason }),
      ...(sent.detail === undefined ? {} : { detail: sent.detail }),
    };
    // Shedding is the rare path (a record that outgrew the item limit): one read is affordable.
    const shedTrigger = options.shed === true ? (await this.getMessage(messageId))?.trigger : undefined;
    const fromSending = this.sentUpdate(sent, claim, shedTrigger);
    fromSending
      .set('status', 'sent')
      .setExpression('history', `list_append(${fromSending.name('history')}, ${fromSending.value([change])})`)
      .setOrRemove('reason', sent.reason)
      .setOrRemove('detail', sent.detail)
      .condition(`${fromSending.name('status')} = ${fromSending.value('sending')}`);
    updateLifecycle(fromSending, 'sent', {});
    const written = await this.updateMessage(messageId, fromSending);
    if (written !== undefined) return written;
    const current = await this.getMessage(messageId);
    if (
      current === undefined ||
      current.attempts !== claim ||
      current.providerId !== undefined ||
      !REPORTED_BY_PROVIDER.has(current.status)
    ) {
      return undefined;
    }
    const fill = this.sentUpdate(sent, claim, shedTrigger);
    fill
      .condition(`${fill.name('status')} = ${fill.value(current.status)}`)
      .condition(`attribute_not_exists(${fill.name('providerId')})`);
    return this.updateMessage(messageId, fill);
  }

  /** The part of a `sent` write common to both cases: provider fields, lease gone, claim held. */
  private sentUpdate(
    sent: { providerId: string; sentAt: string },
    claim: number,
    shedTrigger: TriggerSnapshot | undefined,
  ): UpdateExpressionBuilder {
    const update = new UpdateExpressionBuilder();
    update
      .set('providerId', sent.providerId)
      .set('sentAt', sent.sentAt)
      .remove('leaseUntil')
      .set(ATTR.expiresAt, this.expiresAt())
      .condition(`attribute_exists(${update.name(ATTR.pk)})`)
      .condition(`${update.name('attempts')} = ${update.value(claim)}`);
    if (shedTrigger !== undefined) {
      // What the provider needed is with it now; what the record must keep (status, address,
      // provider id, times, history) is small.
      update
        .remove('rendered')
        .set('trigger', triggerItem({ ...shedTrigger, detail: {}, trimmed: ['detail'] }));
    }
    return update;
  }

  async claimForSending(
    messageId: string,
    now: string,
    leaseUntil: string,
  ): Promise<MessageRecord | undefined> {
    const update = new UpdateExpressionBuilder();
    const status = update.name('status');
    const lease = update.name('leaseUntil');
    const change: StatusChange = { at: now, status: 'sending' };
    update
      .set('status', 'sending')
      .set('leaseUntil', leaseUntil)
      .setExpression('history', `list_append(${update.name('history')}, ${update.value([change])})`)
      .add('attempts', 1)
      // Out of the pending index: a closing event can no longer cancel what is being sent.
      .remove(ATTR.lifecycleSk)
      .set(ATTR.expiresAt, this.expiresAt())
      .condition(`attribute_exists(${update.name(ATTR.pk)})`)
      .condition(
        `${status} = ${update.value('scheduled')} OR ` +
          `(${status} = ${update.value('sending')} AND ${lease} < ${update.value(now)})`,
      );
    return this.updateMessage(messageId, update);
  }

  async findPending(correlationKey: string): Promise<MessageRecord[]> {
    const keys = await this.queryKeys({
      IndexName: INDEXES.lifecycle.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': ATTR.lifecyclePk },
      ExpressionAttributeValues: { ':pk': pendingPartition(correlationKey) },
    });
    // The index is eventually consistent; the consistent batch read and this filter are what
    // make the answer exact for anything claimed or cancelled a moment ago.
    const items = await this.batchGet(keys);
    return keys
      .map((key) => items.get(key.PK))
      .filter((item) => item !== undefined)
      .map(toMessageRecord)
      .filter((message) => message.status === 'scheduled' && message.correlationKey === correlationKey);
  }

  async countCapSlots(customerId: string, since: string, except?: string): Promise<number> {
    const item = await this.getItem(itemKey.cap(customerId));
    const sends = item === undefined ? {} : toCapLedger(item).sends;
    return Object.entries(sends).filter(([messageId, at]) => messageId !== except && at >= since).length;
  }

  async reserveCapSlot(
    customerId: string,
    messageId: string,
    at: string,
    since: string,
    max?: number,
  ): Promise<boolean> {
    const key = itemKey.cap(customerId);
    for (let attempt = 1; ; attempt++) {
      const item = await this.getItem(key);
      const ledger = item === undefined ? undefined : toCapLedger(item);
      const sends = ledger?.sends ?? {};
      if (Object.hasOwn(sends, messageId)) return true; // a redelivery of a send that got this far
      // Entries older than the cap period are dropped on every write: the ledger stays small.
      const recent = Object.fromEntries(Object.entries(sends).filter(([, sentAt]) => sentAt >= since));
      if (max !== undefined && Object.keys(recent).length >= max) return false;
      recent[messageId] = at;
      try {
        await this.call('PutItem', () =>
          this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: record({
                ...key,
                [ATTR.type]: ITEM_TYPE.cap,
                customerId,
                sends: recent,
                version: (ledger?.version ?? 0) + 1,
                [ATTR.expiresAt]: this.expiresAt(at),
              }),
              // The version read above: a concurrent send that wrote in between makes this fail,
              // and the loop decides again on what it wrote. That is what makes the cap exact.
              ...(ledger === undefined
                ? {
                    ConditionExpression: 'attribute_not_exists(#pk)',
                    ExpressionAttributeNames: { '#pk': ATTR.pk },
                  }
                : {
                    ConditionExpression: '#version = :version',
                    ExpressionAttributeNames: { '#version': 'version' },
                    ExpressionAttributeValues: { ':version': ledger.version },
                  }),
            }),
          ),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        if (attempt >= CAP_RETRIES) throw conditionRace('PutItem', key.PK);
      }
    }
  }

  async releaseCapSlot(customerId: string, messageId: string): Promise<void> {
    try {
      await this.call('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: itemKey.cap(customerId),
            UpdateExpression: 'REMOVE #sends.#id SET #version = #version + :one',
            ConditionExpression: 'attribute_exists(#sends.#id)',
            ExpressionAttributeNames: { '#sends': 'sends', '#id': messageId, '#version': 'version' },
            ExpressionAttributeValues: { ':one': 1 },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // not in the ledger: nothing to release
    }
  }

  async applyProviderStatus(
    messageId: string,
    report: { providerEventId: string; status: MessageStatus; at: string; reason?: string; detail?: string },
  ): Promise<'applied' | 'duplicate' | 'stale' | 'not-found'> {
    const before = statusesBefore(report.status);
    const change: StatusChange = {
      at: report.at,
      status: report.status,
      ...(report.reason === undefined ? {} : { reason: report.reason }),
      ...(report.detail === undefined ? {} : { detail: report.detail }),
    };
    for (let attempt = 1; before.length > 0; attempt++) {
      const update = new UpdateExpressionBuilder();
      const status = update.name('status');
      const events = update.name('providerEvents');
      update
        .set('status', report.status)
        .setExpression('history', `list_append(${update.name('history')}, ${update.value([change])})`)
        .setOrRemove('reason', report.reason)
        .setOrRemove('detail', report.detail)
        .add('providerEvents', new Set([report.providerEventId]))
        .set(ATTR.expiresAt, this.expiresAt());
      // A report for a message the send step did not record as sent (its answer was lost, and a
      // retry is pending): the provider's word is the record that it went out, so the message
      // gets its sentAt (and, with the `to` the retry recorded, its place in the address index).
      if (COUNTED_AS_SENT.has(report.status))
        update.setExpression('sentAt', `if_not_exists(${update.name('sentAt')}, ${update.value(report.at)})`);
      update
        .condition(`attribute_exists(${update.name(ATTR.pk)})`)
        .condition(`NOT contains(${events}, ${update.value(report.providerEventId)})`)
        .condition(`${status} IN (${before.map((s) => update.value(s)).join(', ')})`);
      try {
        await this.call('UpdateItem', () =>
          this.doc.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: itemKey.message(messageId),
              ...update.build(),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        return 'applied';
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const state = await this.providerStateAfterFailure(messageId, error);
        const verdict = explain(state, report.providerEventId, before);
        if (verdict !== undefined) return verdict;
        // The read says it would apply now: the item changed between the write and the read.
        if (attempt >= CONDITION_RETRIES) throw conditionRace('UpdateItem', messageId);
      }
    }
    // No status comes before the reported one (a report of `scheduled`): it can never apply.
    const item = await this.getItem(itemKey.message(messageId));
    return (
      explain(item === undefined ? undefined : toProviderState(item), report.providerEventId, []) ?? 'stale'
    );
  }

  async findLatestMessageTo(address: string): Promise<MessageRecord | undefined> {
    const page = await this.call('Query', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEXES.address.indexName,
          KeyConditionExpression: '#to = :to',
          ExpressionAttributeNames: { '#to': ATTR.to },
          ExpressionAttributeValues: { ':to': address },
          ScanIndexForward: false,
          Limit: 1,
        }),
      ),
    );
    const first = page.Items?.[0];
    if (first === undefined) return undefined;
    const item = await this.getItem(toItemKey(first));
    return item === undefined ? undefined : toMessageRecord(item);
  }

  async hasReply(replyId: string): Promise<boolean> {
    return (await this.getItem(itemKey.reply(replyId))) !== undefined;
  }

  async recordReply(reply: InboundReply): Promise<'created' | 'exists'> {
    const item = {
      ...reply,
      // Keyed by the provider's id alone: a webhook retry may carry another receivedAt.
      ...itemKey.reply(reply.replyId),
      [ATTR.type]: ITEM_TYPE.reply,
      ...(reply.customerId === undefined
        ? {}
        : {
            [ATTR.timelinePk]: customerPartition(reply.customerId),
            [ATTR.timelineSk]: timelineSort('REPLY', reply.receivedAt, reply.replyId),
          }),
      [ATTR.expiresAt]: this.expiresAt(reply.receivedAt),
    };
    return this.putIfAbsent(item);
  }

  /**
   * Newest first by `createdAt`, from the `outbox` index: month partitions walked backwards from
   * the clock's month. The cursor names the month and, mid-month, DynamoDB's LastEvaluatedKey.
   * The last page may come back empty with no cursor.
   */
  async listMessages(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0)) return { items: [] };
    let position: Cursor | undefined =
      options.cursor === undefined ? { v: 1, m: this.currentMonth() } : decodeCursor(options.cursor);
    const keys: ItemKey[] = [];
    let emptyMonths = 0;
    let foundThisMonth = false;
    while (position !== undefined && keys.length < limit) {
      const at: Cursor = position;
      const page = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: INDEXES.outbox.indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': ATTR.outboxPk },
            ExpressionAttributeValues: { ':pk': outboxPartition(at.m) },
            ScanIndexForward: false,
            Limit: limit - keys.length,
            ExclusiveStartKey: at.k,
          }),
        ),
      );
      const found = (page.Items ?? []).map(toItemKey);
      keys.push(...found);
      if (found.length > 0) foundThisMonth = true;
      if (page.LastEvaluatedKey !== undefined) {
        position = { v: 1, m: at.m, k: stringKey(page.LastEvaluatedKey) };
        continue;
      }
      // This month is done: go back one, unless a retention's worth of months came up empty.
      emptyMonths = foundThisMonth ? 0 : emptyMonths + 1;
      foundThisMonth = false;
      position = emptyMonths > this.maxEmptyMonths ? undefined : { v: 1, m: previousMonth(at.m) };
    }
    const items = await this.batchGet(keys);
    const messages = keys
      .map((key) => items.get(key.PK))
      .filter((item) => item !== undefined)
      .map(toMessageRecord);
    return position === undefined ? { items: messages } : { items: messages, cursor: encodeCursor(position) };
  }

  /**
   * The newest `limit` entries of the customer's timeline (messages by `createdAt`, replies by
   * `receivedAt`), split by kind.
   */
  async customerTimeline(
    customerId: string,
    limit: number,
  ): Promise<{ messages: MessageRecord[]; replies: InboundReply[] }> {
    const wanted = Math.floor(limit);
    if (!(wanted > 0)) return { messages: [], replies: [] };
    const keys = await this.queryKeys(
      {
        IndexName: INDEXES.timeline.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': ATTR.timelinePk },
        ExpressionAttributeValues: { ':pk': customerPartition(customerId) },
        ScanIndexForward: false,
      },
      wanted,
    );
    const items = await this.batchGet(keys);
    const messages: MessageRecord[] = [];
    const replies: InboundReply[] = [];
    for (const key of keys) {
      const item = items.get(key.PK);
      if (item === undefined) continue;
      if (key.SK === itemKey.reply('').SK) replies.push(toReply(item));
      else messages.push(toMessageRecord(item));
    }
    return { messages, replies };
  }

  /** Newest first by `receivedAt`, month partitions of the table walked backwards. */
  async listRejected(limit: number): Promise<RejectedEvent[]> {
    const wanted = Math.floor(limit);
    if (!(wanted > 0)) return [];
    const out: RejectedEvent[] = [];
    let month = this.currentMonth();
    let emptyMonths = 0;
    while (out.length < wanted && emptyMonths <= this.maxEmptyMonths) {
      let startKey: Record<string, unknown> | undefined;
      let found = 0;
      do {
        const page = await this.call('Query', () =>
          this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: '#pk = :pk',
              ExpressionAttributeNames: { '#pk': ATTR.pk },
              ExpressionAttributeValues: { ':pk': rejectedPartition(month) },
              ScanIndexForward: false,
              Limit: wanted - out.length,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        for (const item of page.Items ?? []) out.push(toRejected(item));
        found += page.Items?.length ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined && out.length < wanted);
      emptyMonths = found > 0 ? 0 : emptyMonths + 1;
      month = previousMonth(month);
    }
    return out;
  }

  async recordThresholdEvent(
    counter: string,
    entry: ThresholdEntry,
    keepUntil: string,
  ): Promise<'created' | 'exists'> {
    const item = {
      ...itemKey.thresholdEvent(counter, entry.at, entry.eventId),
      [ATTR.type]: ITEM_TYPE.threshold,
      ...entry,
      // Kept a day past the end of the last window it can count in, so an event arriving up to a
      // day late is still judged against its neighbours; the key condition of every count
      // excludes whatever TTL has not deleted yet, so the grace costs storage, not correctness.
      [ATTR.expiresAt]: Math.floor(utcInstant(keepUntil).plus({ days: 1 }).toSeconds()),
    };
    return this.putIfAbsent(item);
  }

  /** `Select: COUNT` over one key range of the counter's partition: pays for the keys read, returns none. */
  async countThresholdEvents(counter: string, after: string, until: string): Promise<number> {
    if (!(after < until)) return 0;
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            ...thresholdKeyCondition(counter, after, until),
            // The base table reads strongly consistent: an event written a moment ago by a
            // concurrent evaluator is counted, so of two racing events one always sees both.
            ConsistentRead: true,
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return count;
  }

  async listThresholdEvents(
    counter: string,
    after: string,
    until: string,
    options: { limit: number; order: 'oldest-first' | 'newest-first' },
  ): Promise<ThresholdEntry[]> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0) || !(after < until)) return [];
    const page = await this.call('Query', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          ...thresholdKeyCondition(counter, after, until),
          ConsistentRead: true,
          ScanIndexForward: options.order === 'oldest-first',
          Limit: limit,
        }),
      ),
    );
    return (page.Items ?? []).map(toThresholdEntry);
  }

  /** Sends an UpdateItem that returns the new record, or undefined when its condition failed. */
  private async updateMessage(
    messageId: string,
    update: UpdateExpressionBuilder,
  ): Promise<MessageRecord | undefined> {
    try {
      const result = await this.call('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: itemKey.message(messageId),
            ...update.build(),
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return toMessageRecord(result.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** The record's provider state as the failed condition saw it (or, as a fallback, read now). */
  private async providerStateAfterFailure(
    messageId: string,
    error: unknown,
  ): Promise<ProviderState | undefined> {
    const raw = conditionItem(error);
    if (raw !== undefined) return providerStateFromRaw(raw);
    const item = await this.getItem(itemKey.message(messageId));
    return item === undefined ? undefined : toProviderState(item);
  }

  /** A strongly consistent GetItem. */
  private async getItem(key: ItemKey): Promise<Record<string, unknown> | undefined> {
    const result = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return result.Item;
  }

  /** Table keys from a Query, following pages until `max` keys or the end. */
  private async queryKeys(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>,
    max = Number.POSITIVE_INFINITY,
  ): Promise<ItemKey[]> {
    const keys: ItemKey[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = max - keys.length;
      const page = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            ExclusiveStartKey: startKey,
            ...(Number.isFinite(remaining) ? { Limit: remaining } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) keys.push(toItemKey(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && keys.length < max);
    return keys;
  }

  /**
   * Consistent BatchGetItem of `keys` ({@link batchGetConsistent}), by partition key (every key
   * here has a unique PK); missing ones (deleted by TTL since the index answered) are absent.
   */
  private async batchGet(keys: ReadonlyArray<ItemKey>): Promise<Map<string, Record<string, unknown>>> {
    const items = await batchGetConsistent(this.doc, this.tableName, keys);
    return new Map(items.map((item) => [toItemKey(item).PK, item]));
  }

  /** Writes a new item; `'exists'` when an item with its key is already there (a redelivery). */
  private async putIfAbsent(item: Record<string, unknown>): Promise<'created' | 'exists'> {
    try {
      await this.call('PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record(withoutUndefined(item)),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': ATTR.pk },
          }),
        ),
      );
      return 'created';
    } catch (error) {
      if (isConditionFailure(error)) return 'exists';
      throw error;
    }
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return callDynamo(this.tableName, operation, run);
  }

  /**
   * TTL in epoch seconds: `retentionDays` after the latest of now and the given instants (a
   * reminder planned months ahead must outlive its send time, not just its creation).
   */
  private expiresAt(...instants: Array<string | undefined>): number {
    let base = this.clock.now().toUTC();
    for (const iso of instants) {
      if (iso === undefined) continue;
      const time = DateTime.fromISO(iso, { zone: 'utc' });
      if (time.isValid && time > base) base = time;
    }
    return Math.floor(base.plus({ days: this.retentionDays }).toSeconds());
  }

  private currentMonth(): string {
    return this.clock.now().toUTC().toFormat('yyyy-MM');
  }
}

/**
 * The `lifecycle` index keys of a new message. A correlated message keeps `PENDING#<key>` as its
 * partition for life and is in the index only while `lifecycleSK` (its sendAt) is set, i.e.
 * while scheduled.
 */
function lifecycleAtCreate(message: MessageRecord): Record<string, string> {
  if (message.correlationKey === undefined) return {};
  return {
    [ATTR.lifecyclePk]: pendingPartition(message.correlationKey),
    ...(message.status === 'scheduled' ? { [ATTR.lifecycleSk]: message.sendAt } : {}),
  };
}

/**
 * Keeps the `lifecycle` index exact through a transition: back to `scheduled` (a deferral or
 * retry), the sort key is the (new) sendAt, so it is pending again under the partition set at
 * create (uncorrelated messages have none and stay out); any other status takes it out.
 */
function updateLifecycle(
  update: UpdateExpressionBuilder,
  status: MessageStatus,
  patch: TransitionPatch,
): void {
  if (status !== 'scheduled') update.remove(ATTR.lifecycleSk);
  else if (patch.sendAt !== undefined) update.set(ATTR.lifecycleSk, patch.sendAt);
  else update.setExpression(ATTR.lifecycleSk, update.name('sendAt'));
}

/** Why a provider report did not apply, from the record's state; undefined when it would apply. */
function explain(
  state: ProviderState | undefined,
  providerEventId: string,
  before: ReadonlyArray<MessageStatus>,
): 'duplicate' | 'stale' | 'not-found' | undefined {
  if (state === undefined) return 'not-found';
  if (state.providerEvents.has(providerEventId)) return 'duplicate';
  if (!before.includes(state.status)) return 'stale';
  return undefined;
}

/** The item a failed condition returned (ReturnValuesOnConditionCheckFailed), if any. */
function conditionItem(error: unknown): ConditionalCheckFailedException['Item'] {
  return error instanceof ConditionalCheckFailedException ? error.Item : undefined;
}

function conditionRace(operation: string, key: string): DynamoStoreError {
  return new DynamoStoreError(`${operation} on ${key}: the item kept changing under a conditional write`, {
    operation,
    retryable: true,
  });
}

/** A built item as the document client's `Item` type wants it. */
function record(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError('an item must be an object');
  }
  return Object.fromEntries(Object.entries(value));
}

function stringKey(key: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(key)) {
    if (typeof value !== 'string') {
      throw new DynamoStoreError(`LastEvaluatedKey attribute ${name} is not a string`, {
        operation: 'Query',
        retryable: false,
        code: DynamoStoreErrorCode.InvalidItem,
      });
    }
    out[name] = value;
  }
  return out;
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
    throw new DynamoStoreError('listMessages: the cursor was not issued by this store', {
      operation: 'Query',
      retryable: false,
      code: DynamoStoreErrorCode.InvalidCursor,
    });
  }
  return result.data;
}

/** The key condition of a threshold counter's events after `after`, up to `until` (event times). */
function thresholdKeyCondition(counter: string, after: string, until: string) {
  const range = thresholdRange(after, until);
  return {
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
    ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
    ExpressionAttributeValues: { ':pk': thresholdPartition(counter), ':from': range.from, ':to': range.to },
  };
}
