import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CapLedger } from '../../app/ports/caps.ts';
import { coalescedGet } from './batch-get.ts';
import { deleteItemIf } from './delete-item.ts';
import { isConditionFailure } from './dynamo-store-error.ts';
import { conditionRace, type DynamoTable, record } from './dynamo-table.ts';
import { ITEM_TYPE, itemKey, toCapLedger } from './journey-items.ts';
import { ATTR } from './table-design.ts';

/** Concurrent sends to one customer retry their cap reservation; each round one of them wins. */
const CAP_RETRIES = 20;

type Ledger = { sends: Record<string, string>; version: number };

/** Ledgers read by a count, kept for the reservation that follows it (at most this many). */
const HINTS_MAX = 1_000;

/**
 * The ledger each customer's last count read, per table: the reservation that follows starts from
 * it instead of reading it again. Only a hint: the reservation's write is conditioned on the
 * version it saw, so a ledger changed since then fails the condition and is read again.
 */
const hints = new WeakMap<DynamoTable, Map<string, Ledger | undefined>>();

function remember(table: DynamoTable, customerId: string, ledger: Ledger | undefined): void {
  const byCustomer = hints.get(table) ?? new Map<string, Ledger | undefined>();
  if (byCustomer.size >= HINTS_MAX) byCustomer.clear();
  byCustomer.set(customerId, ledger);
  hints.set(table, byCustomer);
}

/** The ledger to reserve from: the count's hint (taken once), or read now. */
export async function ledgerForReservation(
  table: DynamoTable,
  customerId: string,
): Promise<Ledger | undefined> {
  const byCustomer = hints.get(table);
  if (byCustomer?.has(customerId) === true) {
    const hint = byCustomer.get(customerId);
    byCustomer.delete(customerId);
    return hint;
  }
  const item = await table.getItem(itemKey.cap(customerId));
  return item === undefined ? undefined : toCapLedger(item);
}

/**
 * The conditional Put that reserves `messageId` a slot in `ledger` (as read), or why none is
 * needed: `held` (an earlier attempt of the same message has it), `full` (`max` others recorded
 * at or after `since`). Entries older than the cap period are dropped on every write.
 */
export function capSlotPut(
  table: DynamoTable,
  ledger: Ledger | undefined,
  slot: { customerId: string; messageId: string; at: string; since: string; max?: number | undefined },
): 'held' | 'full' | NonNullable<ConstructorParameters<typeof PutCommand>[0]> {
  const sends = ledger?.sends ?? {};
  if (Object.hasOwn(sends, slot.messageId)) return 'held'; // a redelivery of a send that got this far
  const recent = Object.fromEntries(Object.entries(sends).filter(([, sentAt]) => sentAt >= slot.since));
  if (slot.max !== undefined && Object.keys(recent).length >= slot.max) return 'full';
  recent[slot.messageId] = slot.at;
  const key = itemKey.cap(slot.customerId);
  return {
    TableName: table.tableName,
    Item: record({
      ...key,
      [ATTR.type]: ITEM_TYPE.cap,
      customerId: slot.customerId,
      sends: recent,
      version: (ledger?.version ?? 0) + 1,
      [ATTR.expiresAt]: table.expiresAt(slot.at),
    }),
    // The version read: a concurrent send that wrote in between makes this fail, and the caller
    // decides again on what it wrote. That is what makes the cap exact.
    ...(ledger === undefined
      ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': ATTR.pk } }
      : {
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': ledger.version },
        }),
  };
}

/** {@link CapLedger} on DynamoDB: one versioned item per customer, beside the profile. */
export class DynamoCapLedger implements CapLedger {
  constructor(private readonly table: DynamoTable) {}

  async countCapSlots(customerId: string, since: string, except?: string): Promise<number> {
    // Joined with a read of the profile asked for at the same time (the send step): one call.
    const item = await coalescedGet(this.table.doc, this.table.tableName, itemKey.cap(customerId));
    const ledger = item === undefined ? undefined : toCapLedger(item);
    remember(this.table, customerId, ledger);
    const sends = ledger?.sends ?? {};
    return Object.entries(sends).filter(([messageId, at]) => messageId !== except && at >= since).length;
  }

  async reserveCapSlot(
    customerId: string,
    messageId: string,
    at: string,
    since: string,
    max?: number,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      // The first attempt starts from the count's read; a lost race reads again.
      const ledger = await ledgerForReservation(this.table, customerId);
      const put = capSlotPut(this.table, ledger, { customerId, messageId, at, since, max });
      if (put === 'held') return true;
      if (put === 'full') return false;
      try {
        await this.table.call('PutItem', () => this.table.doc.send(new PutCommand(put)));
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        if (attempt >= CAP_RETRIES) throw conditionRace('PutItem', itemKey.cap(customerId).PK);
      }
    }
  }

  async releaseCapSlot(customerId: string, messageId: string): Promise<void> {
    try {
      await this.table.call('UpdateItem', () =>
        this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.tableName,
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

  async readCapLedger(customerId: string): Promise<Record<string, string>> {
    const item = await this.table.getItem(itemKey.cap(customerId));
    return item === undefined ? {} : toCapLedger(item).sends;
  }

  async deleteCapLedger(customerId: string): Promise<boolean> {
    return (await deleteItemIf(this.table, itemKey.cap(customerId))) === 'deleted';
  }
}
