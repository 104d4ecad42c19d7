/**
 * The send step's pre-send write and its frequency-cap reservation in one TransactWriteItems
 * (`MessageStore.prepareSendReserving`): the message item (what is about to be sent, under the
 * sender's claim) and the customer's cap ledger (the new slot, under the version read) are
 * written together or not at all. One write instead of two, and no slot to give back when the
 * claim has lapsed or the record would be too large. On a server without transactions (dynalite)
 * the two are written one after the other: the slot first, so the cap is never exceeded, and a
 * slot reserved under a claim that then turns out lapsed stays reserved (counted once too many,
 * never sent twice).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { CapSlotRequest } from '../../app/ports/messages.ts';
import { capSlotPut, ledgerForReservation } from './dynamo-cap-ledger.ts';
import { DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';
import { conditionRace, type DynamoTable } from './dynamo-table.ts';
import { itemKey } from './journey-items.ts';
import { noteTransactionsUnsupported, transactionsUnsupported } from './transaction-support.ts';
import type { UpdateExpressionBuilder } from './update-expression.ts';

/** Lost races on the cap ledger (concurrent sends to one customer) before giving up. */
const CAP_RETRIES = 20;

/**
 * Writes `prepare` (the pre-send update of the message, conditioned on the claim) and reserves
 * the slot. `cap-reached`: nothing written. `lease-lost`: the claim no longer holds, nothing
 * written. Throws a `RecordTooLarge` store error when the message would outgrow the item limit.
 * `prepareOnly` writes the message alone (the slot is already held by an earlier attempt);
 * `oneAfterTheOther` reserves and then prepares, where the server has no transactions.
 */
export async function prepareAndReserve(
  table: DynamoTable,
  messageId: string,
  prepare: UpdateExpressionBuilder,
  slot: CapSlotRequest,
  prepareOnly: () => Promise<boolean>,
  oneAfterTheOther: () => Promise<'prepared' | 'lease-lost' | 'cap-reached'>,
): Promise<'prepared' | 'lease-lost' | 'cap-reached'> {
  if (transactionsUnsupported(table)) return oneAfterTheOther();
  const update = { TableName: table.tableName, Key: itemKey.message(messageId), ...prepare.build() };
  for (let attempt = 1; ; attempt++) {
    const ledger = await ledgerForReservation(table, slot.customerId);
    const put = capSlotPut(table, ledger, { ...slot, messageId });
    if (put === 'full') return 'cap-reached';
    if (put === 'held') return (await prepareOnly()) ? 'prepared' : 'lease-lost';
    try {
      await table.call('TransactWriteItems', () =>
        table.doc.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, { Put: put }] })),
      );
      return 'prepared';
    } catch (error) {
      if (noteTransactionsUnsupported(table, error)) return oneAfterTheOther();
      const cause = error instanceof DynamoStoreError ? error.cause : error;
      if (!(cause instanceof TransactionCanceledException)) throw error;
      const [message, cap] = cause.CancellationReasons ?? [];
      if (message?.Code === 'ValidationError' && /item size/i.test(message.Message ?? '')) {
        throw new DynamoStoreError(`TransactWriteItems on table ${table.tableName} failed: item size`, {
          operation: 'TransactWriteItems',
          retryable: false,
          code: DynamoStoreErrorCode.RecordTooLarge,
          cause,
        });
      }
      if (message?.Code === 'ConditionalCheckFailed') return 'lease-lost';
      const conflict = [message?.Code, cap?.Code].includes('TransactionConflict');
      if (cap?.Code !== 'ConditionalCheckFailed' && !conflict) throw error;
      // The ledger changed since it was read (another send to the customer): decide again.
      if (attempt >= CAP_RETRIES) throw conditionRace('TransactWriteItems', itemKey.cap(slot.customerId).PK);
      if (conflict) await sleep(5 * 2 ** Math.min(attempt, 6) * Math.random());
    }
  }
}
