/**
 * Message records on the journey table (docs/data-model.md, "message"): create once, claim
 * under a lease, move the status forward under the claim, record `sent`, find pending messages
 * by correlation key and the latest message to an address. Provider reports are applied by
 * dynamo-provider-reports.ts.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  MessageRecord,
  MessageStatus,
  StatusChange,
  TriggerSnapshot,
} from '../../app/message-record.ts';
import { REPORTED_BY_PROVIDER } from '../../app/message-status-rank.ts';
import type {
  CapSlotRequest,
  ClaimOptions,
  MessageStore,
  ProviderReport,
  SendFields,
  SentReceipt,
  TransitionPatch,
} from '../../app/ports/messages.ts';
import { createdCounters, statusCounters } from '../../app/rule-stat-counters.ts';
import { deleteItemIf } from './delete-item.ts';
import { DynamoCapLedger } from './dynamo-cap-ledger.ts';
import { duePartition, dueSort } from './dynamo-pending-sends.ts';
import { applyProviderReport } from './dynamo-provider-reports.ts';
import { type CounterAdd, countedWrite, messageRuleId } from './dynamo-rule-stats.ts';
import { prepareAndReserve } from './dynamo-send-reservation.ts';
import { isConditionFailure } from './dynamo-store-error.ts';
import { type DynamoTable, record } from './dynamo-table.ts';
import {
  customerPartition,
  ITEM_TYPE,
  itemKey,
  outboxPartitionOf,
  outboxSort,
  pendingPartition,
  timelineSort,
  toItemKey,
  withoutUndefined,
} from './journey-items.ts';
import { toMessageRecord, triggerItem } from './message-items.ts';
import { ATTR, INDEXES } from './table-design.ts';
import { UpdateExpressionBuilder } from './update-expression.ts';

/** Fields `transition` may patch, in a fixed order so expressions are deterministic. */
const PATCH_FIELDS = ['sendAt', 'channel', 'to', 'locale', 'rendered', 'providerId', 'sentAt'] as const;

/** {@link MessageStore} on DynamoDB. */
export class DynamoMessageStore implements MessageStore {
  constructor(private readonly table: DynamoTable) {}

  async createMessage(message: MessageRecord): Promise<'created' | 'exists'> {
    const item = {
      ...message,
      trigger: triggerItem(message.trigger),
      ...itemKey.message(message.messageId),
      [ATTR.type]: ITEM_TYPE.message,
      [ATTR.timelinePk]: customerPartition(message.customerId),
      [ATTR.timelineSk]: timelineSort('MSG', message.createdAt, message.messageId),
      [ATTR.outboxPk]: outboxPartitionOf(message.createdAt, message.messageId),
      [ATTR.outboxSk]: outboxSort(message.createdAt, message.messageId),
      ...lifecycleAtCreate(message),
      ...dueAtCreate(message),
      [ATTR.expiresAt]: this.table.expiresAt(message.sendAt),
    };
    // Created once (a redelivery finds it), and counted `planned` in the same write.
    const result = await countedWrite(
      this.table,
      {
        Put: {
          TableName: this.table.tableName,
          Item: record(withoutUndefined(item)),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        },
      },
      {
        ruleId: message.ruleId,
        id: message.messageId,
        at: message.createdAt,
        counters: createdCounters(message.status, message.reason),
      },
    );
    return result.written ? 'created' : 'exists';
  }

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    const item = await this.table.getItem(itemKey.message(messageId));
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
      .set(ATTR.expiresAt, this.table.expiresAt(patch.sendAt));
    for (const field of PATCH_FIELDS) {
      const value = patch[field];
      if (value !== undefined) update.set(field, withoutUndefined(value));
    }
    updateLifecycle(update, change.status, patch);
    updateDue(update, messageId, change.status, patch);
    update
      .condition(`attribute_exists(${update.name(ATTR.pk)})`)
      .condition(`${status} IN (${from.map((s) => update.value(s)).join(', ')})`);
    if (claim !== undefined) update.condition(`${update.name('attempts')} = ${update.value(claim)}`);
    const counters = statusCounters(change.status, change.reason);
    if (counters.length === 0) return this.updateMessage(messageId, update);
    return this.countedUpdate(messageId, update, { id: messageId, at: change.at, counters });
  }

  async prepareSend(messageId: string, claim: number, fields: SendFields): Promise<boolean> {
    return (await this.updateMessage(messageId, prepareUpdate(claim, fields))) !== undefined;
  }

  prepareSendReserving(
    messageId: string,
    claim: number,
    fields: SendFields,
    slot: CapSlotRequest,
  ): Promise<'prepared' | 'lease-lost' | 'cap-reached'> {
    const prepareOnly = () => this.prepareSend(messageId, claim, fields);
    const oneAfterTheOther = async () => {
      const { customerId, at, since, max } = slot;
      if (!(await new DynamoCapLedger(this.table).reserveCapSlot(customerId, messageId, at, since, max)))
        return 'cap-reached' as const;
      return (await prepareOnly()) ? ('prepared' as const) : ('lease-lost' as const);
    };
    return prepareAndReserve(
      this.table,
      messageId,
      prepareUpdate(claim, fields),
      slot,
      prepareOnly,
      oneAfterTheOther,
    );
  }

  /**
   * Two conditional writes at most: `sending` → `sent` under the claim; if that condition fails
   * because a provider report moved the record on first, the provider fields are filled in under
   * the same claim, the report's status kept (a consistent read in between tells which).
   */
  async recordSent(
    messageId: string,
    claim: number,
    sent: SentReceipt,
    options: { shed?: boolean } = {},
  ): Promise<MessageRecord | undefined> {
    return (await this.writeSent(messageId, undefined, claim, sent, options, true))?.record;
  }

  async markSent(
    claimed: MessageRecord,
    sent: SentReceipt,
    options: { shed?: boolean } = {},
  ): Promise<boolean> {
    const { messageId, ruleId, attempts } = claimed;
    return (await this.writeSent(messageId, ruleId, attempts, sent, options, false)) !== undefined;
  }

  /**
   * The `sent` write of {@link recordSent} and {@link markSent}: with the rule known (the claim
   * returned it) no read comes before the write, and without `readBack` none after it either.
   * Undefined when the claim no longer holds.
   */
  private async writeSent(
    messageId: string,
    knownRuleId: string | undefined,
    claim: number,
    sent: SentReceipt,
    options: { shed?: boolean },
    readBack: boolean,
  ): Promise<{ record?: MessageRecord | undefined } | undefined> {
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
    // `sent` is counted by the send step's record of it, whichever of the two writes makes it.
    const counted = { id: messageId, at: sent.at, counters: statusCounters('sent') };
    const add = { ...counted, ruleId: knownRuleId };
    if (await this.countedWrite(messageId, fromSending, add)) return this.readBack(messageId, readBack);
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
    if (!(await this.countedWrite(messageId, fill, add))) return undefined;
    return this.readBack(messageId, readBack);
  }

  private async readBack(messageId: string, read: boolean): Promise<{ record?: MessageRecord | undefined }> {
    return read ? { record: await this.getMessage(messageId) } : {};
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
      .set(ATTR.expiresAt, this.table.expiresAt())
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
    options: ClaimOptions = {},
  ): Promise<MessageRecord | undefined> {
    const update = new UpdateExpressionBuilder();
    const status = update.name('status');
    const lease = update.name('leaseUntil');
    // Claimed first, read only when refused: a schedule that fires early finds `sendAt` later.
    const due =
      options.dueBy === undefined ? '' : ` AND ${update.name('sendAt')} <= ${update.value(options.dueBy)}`;
    const change: StatusChange = { at: now, status: 'sending' };
    update
      .set('status', 'sending')
      .set('leaseUntil', leaseUntil)
      .setExpression('history', `list_append(${update.name('history')}, ${update.value([change])})`)
      .add('attempts', 1)
      // Out of the pending index: a closing event can no longer cancel what is being sent.
      .remove(ATTR.lifecycleSk)
      // Out of the pending-sends listing too: it is being sent, no longer to be cancelled by hand.
      .remove(ATTR.dueSk)
      // Out of the release index: released already (or about to be), a sweep need not see it again.
      .remove(ATTR.releaseSk)
      .set(ATTR.expiresAt, this.table.expiresAt())
      .condition(`attribute_exists(${update.name(ATTR.pk)})`)
      .condition(
        `(${status} = ${update.value('scheduled')}${due}) OR ` +
          `(${status} = ${update.value('sending')} AND ${lease} < ${update.value(now)})`,
      );
    return this.updateMessage(messageId, update);
  }

  async findPending(correlationKey: string): Promise<MessageRecord[]> {
    const keys = await this.table.queryKeys({
      IndexName: INDEXES.lifecycle.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': ATTR.lifecyclePk },
      ExpressionAttributeValues: { ':pk': pendingPartition(correlationKey) },
    });
    // The index is eventually consistent; the consistent batch read and this filter are what
    // make the answer exact for anything claimed or cancelled a moment ago.
    const items = await this.table.batchGet(keys);
    return keys
      .map((key) => items.get(key.PK))
      .filter((item) => item !== undefined)
      .map(toMessageRecord)
      .filter((message) => message.status === 'scheduled' && message.correlationKey === correlationKey);
  }

  async applyProviderStatus(
    messageId: string,
    report: ProviderReport,
  ): Promise<'applied' | 'duplicate' | 'stale' | 'not-found'> {
    return (await applyProviderReport(this.table, messageId, report)).result;
  }

  async applyProviderStatusFound(
    messageId: string,
    report: ProviderReport,
  ): Promise<{ result: 'applied' | 'duplicate' | 'stale' | 'not-found'; found?: MessageRecord }> {
    const { result, found } = await applyProviderReport(this.table, messageId, report);
    return found === undefined ? { result } : { result, found: toMessageRecord(found) };
  }

  async findLatestMessageTo(address: string): Promise<MessageRecord | undefined> {
    const page = await this.table.call('Query', () =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
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
    const item = await this.table.getItem(toItemKey(first));
    return item === undefined ? undefined : toMessageRecord(item);
  }

  async deleteMessage(messageId: string, now: string): Promise<'deleted' | 'in-flight' | 'not-found'> {
    // In flight = claimed under a lease still running; a lapsed lease's sender is gone.
    const done = await deleteItemIf(this.table, itemKey.message(messageId), {
      expression: 'NOT (#status = :sending AND #lease >= :now)',
      names: { '#status': 'status', '#lease': 'leaseUntil' },
      values: { ':sending': 'sending', ':now': now },
    });
    return done === 'deleted' ? 'deleted' : done === 'refused' ? 'in-flight' : 'not-found';
  }

  async findMessagesSentTo(address: string, since: string, limit: number): Promise<MessageRecord[]> {
    // One page, newest first, bounded by time (the key condition) and by count (Limit).
    const page = await this.table.call('Query', () =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: INDEXES.address.indexName,
          KeyConditionExpression: '#to = :to AND #sentAt >= :since',
          ExpressionAttributeNames: { '#to': ATTR.to, '#sentAt': ATTR.sentAt },
          ExpressionAttributeValues: { ':to': address, ':since': since },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    const keys = (page.Items ?? []).map(toItemKey);
    const items = await this.table.batchGet(keys);
    return keys
      .map((key) => items.get(key.PK))
      .filter((item) => item !== undefined)
      .map(toMessageRecord);
  }

  /**
   * The update and the rule's counters in one transaction (dynamo-rule-stats.ts), then the new
   * record read back (a transaction returns no values). Undefined when the condition failed or
   * the message does not exist.
   */
  private async countedUpdate(
    messageId: string,
    update: UpdateExpressionBuilder,
    add: Omit<CounterAdd, 'ruleId'>,
  ): Promise<MessageRecord | undefined> {
    return (await this.countedWrite(messageId, update, add)) ? this.getMessage(messageId) : undefined;
  }

  /** The update and the rule's counters in one transaction; the rule read first unless given. */
  private async countedWrite(
    messageId: string,
    update: UpdateExpressionBuilder,
    add: Omit<CounterAdd, 'ruleId'> & { ruleId?: string | undefined },
  ): Promise<boolean> {
    const ruleId = add.ruleId ?? (await messageRuleId(this.table, messageId));
    if (ruleId === undefined) return false;
    const result = await countedWrite(
      this.table,
      { Update: { TableName: this.table.tableName, Key: itemKey.message(messageId), ...update.build() } },
      { ...add, ruleId },
    );
    return result.written;
  }

  /** Sends an UpdateItem that returns the new record, or undefined when its condition failed. */
  private async updateMessage(
    messageId: string,
    update: UpdateExpressionBuilder,
  ): Promise<MessageRecord | undefined> {
    try {
      const result = await this.table.call('UpdateItem', () =>
        this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.tableName,
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

/** The `due` index keys of a new message: every scheduled message, by rule, due time and id. */
function dueAtCreate(message: MessageRecord): Record<string, string> {
  if (message.status !== 'scheduled') return {};
  return {
    [ATTR.duePk]: duePartition(message.ruleId, message.messageId),
    [ATTR.dueSk]: dueSort(message.sendAt, message.messageId),
  };
}

/**
 * Keeps the `due` index exact through a transition: back to `scheduled` with a new sendAt (a
 * deferral or retry) it is listed at that time again, under the partition set at create; any
 * other status takes it out.
 */
function updateDue(
  update: UpdateExpressionBuilder,
  messageId: string,
  status: MessageStatus,
  patch: TransitionPatch,
): void {
  if (status !== 'scheduled') update.remove(ATTR.dueSk);
  else if (patch.sendAt !== undefined) update.set(ATTR.dueSk, dueSort(patch.sendAt, messageId));
  // The release index holds a message only at the time the send scheduler last gave it; any
  // transition takes it out (a message scheduled again is put back by the scheduler's call that
  // follows), so a cancelled or sent message is never released again.
  update.remove(ATTR.releaseSk);
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

/** The pre-send write: what is about to be sent, on a message still `sending` under `claim`. */
function prepareUpdate(claim: number, fields: SendFields): UpdateExpressionBuilder {
  const update = new UpdateExpressionBuilder();
  update
    .set('channel', fields.channel)
    .set('to', fields.to)
    .set('locale', fields.locale)
    .set('rendered', withoutUndefined(fields.rendered))
    .condition(`attribute_exists(${update.name(ATTR.pk)})`)
    .condition(`${update.name('status')} = ${update.value('sending')}`)
    .condition(`${update.name('attempts')} = ${update.value(claim)}`);
  return update;
}
