/**
 * Provider status reports (delivered, bounced, …) applied to a message item once: the report's
 * id is added to the item's `providerEvents` set by the same conditional write that moves the
 * status forward, so a webhook retry or a replay changes nothing.
 */
import type { MessageStatus, StatusChange } from '../../app/message-record.ts';
import { COUNTED_AS_SENT, statusesBefore } from '../../app/message-status-rank.ts';
import type { ProviderReport } from '../../app/ports/messages.ts';
import { reportCounters } from '../../app/rule-stat-counters.ts';
import { countedWrite } from './dynamo-rule-stats.ts';
import { CONDITION_RETRIES, conditionRace, type DynamoTable } from './dynamo-table.ts';
import { itemKey, type RawAttribute } from './journey-items.ts';
import { type ProviderState, providerStateFromRaw, toProviderState } from './message-items.ts';
import { ATTR } from './table-design.ts';
import { UpdateExpressionBuilder } from './update-expression.ts';

/**
 * `MessageStore.applyProviderStatus` on DynamoDB: one conditional write, explained when refused.
 * An outcome the rule's counters count (delivered, failed, …) is added to them in the same
 * transaction (dynamo-rule-stats.ts), so a replayed report, refused by the condition, adds nothing.
 */
export async function applyProviderReport(
  table: DynamoTable,
  messageId: string,
  report: ProviderReport,
): Promise<{ result: 'applied' | 'duplicate' | 'stale' | 'not-found'; found?: Record<string, unknown> }> {
  const before = statusesBefore(report.status);
  const counters = reportCounters(report.status, report.reason);
  // A counted outcome needs the message's rule (its counters' key): the whole item is read
  // (consistently: the pre-send write must be seen), so the caller can describe the outcome
  // from it without reading it again.
  const found =
    counters.length === 0 || before.length === 0
      ? undefined
      : await table.getItem(itemKey.message(messageId));
  const ruleId = typeof found?.ruleId === 'string' ? found.ruleId : undefined;
  if (counters.length > 0 && before.length > 0 && ruleId === undefined) return { result: 'not-found' };
  const answer = (result: 'applied' | 'duplicate' | 'stale' | 'not-found') =>
    found === undefined ? { result } : { result, found };
  for (let attempt = 1; before.length > 0; attempt++) {
    const result = await countedWrite(
      table,
      {
        Update: {
          TableName: table.tableName,
          Key: itemKey.message(messageId),
          ...reportUpdate(table, report, before).build(),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ruleId === undefined ? undefined : { ruleId, id: messageId, at: report.at, counters },
    );
    if (result.written) return answer('applied');
    const state = await providerStateAfterFailure(table, messageId, result.item);
    const verdict = explain(state, report.providerEventId, before);
    if (verdict !== undefined) return answer(verdict);
    // The read says it would apply now: the item changed between the write and the read.
    if (attempt >= CONDITION_RETRIES) throw conditionRace('UpdateItem', messageId);
  }
  // No status comes before the reported one (a report of `scheduled`): it can never apply.
  const item = await table.getItem(itemKey.message(messageId));
  return {
    result:
      explain(item === undefined ? undefined : toProviderState(item), report.providerEventId, []) ?? 'stale',
  };
}

/** The update that applies the report, conditioned on its id being new and the status earlier. */
function reportUpdate(
  table: DynamoTable,
  report: ProviderReport,
  before: ReadonlyArray<MessageStatus>,
): UpdateExpressionBuilder {
  const change: StatusChange = {
    at: report.at,
    status: report.status,
    ...(report.reason === undefined ? {} : { reason: report.reason }),
    ...(report.detail === undefined ? {} : { detail: report.detail }),
  };
  const update = new UpdateExpressionBuilder();
  const status = update.name('status');
  const events = update.name('providerEvents');
  update
    .set('status', report.status)
    .setExpression('history', `list_append(${update.name('history')}, ${update.value([change])})`)
    .setOrRemove('reason', report.reason)
    .setOrRemove('detail', report.detail)
    .add('providerEvents', new Set([report.providerEventId]))
    // A report can overtake a retry that put the message back to `scheduled`: out of the listing.
    .remove(ATTR.dueSk)
    .remove(ATTR.releaseSk)
    .set(ATTR.expiresAt, table.expiresAt());
  // A report for a message the send step did not record as sent (its answer was lost, and a
  // retry is pending): the provider's word is the record that it went out, so the message
  // gets its sentAt (and, with the `to` the retry recorded, its place in the address index).
  if (COUNTED_AS_SENT.has(report.status))
    update.setExpression('sentAt', `if_not_exists(${update.name('sentAt')}, ${update.value(report.at)})`);
  return update
    .condition(`attribute_exists(${update.name(ATTR.pk)})`)
    .condition(`NOT contains(${events}, ${update.value(report.providerEventId)})`)
    .condition(`${status} IN (${before.map((s) => update.value(s)).join(', ')})`);
}

/** The record's provider state as the failed condition saw it (or, as a fallback, read now). */
async function providerStateAfterFailure(
  table: DynamoTable,
  messageId: string,
  raw: Record<string, RawAttribute> | undefined,
): Promise<ProviderState | undefined> {
  if (raw !== undefined) return providerStateFromRaw(raw);
  const item = await table.getItem(itemKey.message(messageId));
  return item === undefined ? undefined : toProviderState(item);
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
