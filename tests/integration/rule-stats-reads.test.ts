/**
 * Reading a rule's daily counters on DynamoDB Local costs a few calls, and stays exact: outcomes
 * spread over many messages (so many shards) and several days, some of them dated on days that
 * were already summed (late reports, late creates), read back over a clock that moves across day
 * ends. The oracle is what this test did, counted here by hand; the call counts come from an SDK
 * middleware on the stores' own client.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import { ruleCounterReads } from '../../functions/console/rule-counter-reads.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { countDynamoDbCalls, type DynamoDbCallCounter } from '../support/count-dynamodb-calls.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { aMessageRecord, sentMessage } from '../support/store-contract-fixtures.ts';

const RULE = 'busy-rule';
/** Messages created per day: enough to touch most of the 384 shards of each day. */
const PER_DAY = 160;
const DAYS = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24'] as const;

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
let tableName: string;
let now = DateTime.fromISO(`${DAYS[0]}T10:00:00Z`, { zone: 'utc' });
let stores: Stores;
let calls: DynamoDbCallCounter;

/** What the test did, per day: counter → count (the oracle). */
const expected = new Map<string, Record<string, number>>();

function count(day: string, ...counters: string[]): void {
  const counts = expected.get(day) ?? {};
  for (const counter of counters) counts[counter] = (counts[counter] ?? 0) + 1;
  expected.set(day, counts);
}

function expectedDays(from: string, to: string): Array<{ day: string; counts: Record<string, number> }> {
  const days: Array<{ day: string; counts: Record<string, number> }> = [];
  for (
    let day = from;
    day <= to;
    day = DateTime.fromISO(day, { zone: 'utc' }).plus({ days: 1 }).toISODate() ?? ''
  ) {
    days.push({ day, counts: { ...(expected.get(day) ?? {}) } });
  }
  return days;
}

function setClock(iso: string): void {
  now = DateTime.fromISO(iso, { zone: 'utc' });
}

/** Creates a scheduled (or held-back) message dated `at`, and counts it. */
async function plan(messageId: string, at: string, heldBack = false): Promise<void> {
  const record = heldBack
    ? aMessageRecord({
        messageId,
        ruleId: RULE,
        createdAt: at,
        status: 'suppressed',
        reason: 'no-consent',
        history: [],
      })
    : aMessageRecord({ messageId, ruleId: RULE, createdAt: at, history: [{ at, status: 'scheduled' }] });
  expect(await stores.messages.createMessage(record)).toBe('created');
  count(at.slice(0, 10), 'planned', ...(heldBack ? ['suppressed', 'suppressed:no-consent'] : []));
}

/** Cancels a scheduled message at `at`, and counts it. */
async function cancel(messageId: string, at: string): Promise<void> {
  const done = await stores.messages.transition(messageId, ['scheduled'], {
    at,
    status: 'cancelled',
    reason: 'closed-by-event',
  });
  expect(done?.status).toBe('cancelled');
  count(at.slice(0, 10), 'cancelled', 'cancelled:closed-by-event');
}

beforeAll(async () => {
  tableName = createTestTableName('rulestats');
  await createJourneyTable(client, tableName);
  stores = createDynamoStores({ tableName, client, clock: { now: () => now } });
  calls = countDynamoDbCalls(client);
  // Each day written while it is today: its outcomes land on the day's shards.
  for (const day of DAYS) {
    setClock(`${day}T10:00:00Z`);
    const ids = Array.from({ length: PER_DAY }, (_, n) => `${day}-m-${n}`);
    await Promise.all(
      ids.map((id, n) => plan(id, `${day}T10:${String(n % 60).padStart(2, '0')}:00.000Z`, n % 7 === 0)),
    );
    await Promise.all(
      ids.filter((_, n) => n % 7 !== 0 && n % 3 === 0).map((id) => cancel(id, `${day}T12:00:00.000Z`)),
    );
  }
  // Two sent SMS on the first day, to be reported delivered later.
  setClock(`${DAYS[0]}T10:00:00Z`);
  for (const id of ['sent-1', 'sent-2']) {
    await sentMessage(
      stores,
      { messageId: id, ruleId: RULE, createdAt: `${DAYS[0]}T09:00:00.000Z` },
      `${DAYS[0]}T09:30:00.000Z`,
    );
    count(DAYS[0], 'planned', 'sent');
  }
}, 120_000);

afterAll(async () => {
  calls.stop();
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
});

describe('rule counters read on DynamoDB Local', () => {
  test('a reader IAM does not let write summaries (read-only credentials) still gets exact counts', async () => {
    setClock('2026-11-24T15:00:00Z');
    const readOnly = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
    // What IAM answers a principal without dynamodb:BatchWriteItem.
    readOnly.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchWriteItemCommand')
          throw Object.assign(new Error('not authorized to perform: dynamodb:BatchWriteItem'), {
            name: 'AccessDeniedException',
          });
        return next(args);
      },
      { step: 'initialize', name: 'denyBatchWrite' },
    );
    const readOnlyStores = createDynamoStores({ tableName, client: readOnly, clock: { now: () => now } });
    const readOnlyCalls = countDynamoDbCalls(readOnly);
    try {
      const read = await readOnlyStores.ruleStats.readDays(RULE, DAYS[0], DAYS[1]);
      expect(read).toEqual(expectedDays(DAYS[0], DAYS[1]));
      // It tried to write the two settled days' summaries, and was refused.
      expect(readOnlyCalls.counts()).toEqual({ BatchGetItem: 8, BatchWriteItem: 1, Query: 4 });
    } finally {
      readOnlyCalls.stop();
      readOnly.destroy();
    }
  });

  test('the first read sums the settled days once; the next reads cost one Query per late partition and the live day', async () => {
    setClock('2026-11-24T15:00:00Z');

    calls.reset();
    const first = await stores.ruleStats.readDays(RULE, DAYS[0], '2026-11-24');
    const firstCalls = calls.counts();
    calls.reset();
    const again = await stores.ruleStats.readDays(RULE, DAYS[0], '2026-11-24');
    const steady = calls.counts();

    expect(first).toEqual(expectedDays(DAYS[0], '2026-11-24'));
    expect(again).toEqual(first);
    // 4 days to sum (1,536 keys: 16 BatchGetItem) and summarise, today read live: 4 Queries + 16 + 4.
    expect(firstCalls).toEqual({ BatchGetItem: 20, BatchWriteItem: 1, Query: 4 });
    // Summaries and late items (4 Queries), today's 384 shards (4 BatchGetItem).
    expect(steady).toEqual({ BatchGetItem: 4, Query: 4 });
  });

  test('outcomes dated on summed days (late reports, late creates) and on today are in the next read', async () => {
    setClock('2026-11-24T16:00:00Z');
    await stores.ruleStats.readDays(RULE, DAYS[0], '2026-11-24');

    // A delivery report of the 20th arriving four days late, for both sent messages.
    for (const id of ['sent-1', 'sent-2']) {
      const verdict = await stores.messages.applyProviderStatus(id, {
        providerEventId: `${id}#delivered`,
        status: 'delivered',
        at: `${DAYS[0]}T23:59:00.000Z`,
      });
      expect(verdict).toBe('applied');
      count(DAYS[0], 'delivered');
    }
    // A message dated on the 21st, created now (a redriven event), and cancelled on the 22nd.
    await plan('late-1', '2026-11-21T08:00:00.000Z');
    await cancel('late-1', '2026-11-22T08:00:00.000Z');
    // And today's.
    await plan('today-1', '2026-11-24T16:00:00.000Z', true);
    calls.reset();

    const read = await stores.ruleStats.readDays(RULE, DAYS[0], '2026-11-24');

    expect(read).toEqual(expectedDays(DAYS[0], '2026-11-24'));
    expect(calls.counts()).toEqual({ BatchGetItem: 4, Query: 4 });
  });

  test('across midnight: yesterday is read live until it settles, then summed once; 30 days cost the same', async () => {
    // 01:30: the 24th is closed (late outcomes go to its late items) but not yet settled.
    setClock('2026-11-25T01:30:00Z');
    await plan('after-midnight-late', '2026-11-24T23:30:00.000Z');
    await plan('after-midnight', '2026-11-25T01:30:00.000Z');
    calls.reset();

    const beforeSettled = await stores.ruleStats.readDays(RULE, DAYS[0], '2026-11-25');

    expect(beforeSettled).toEqual(expectedDays(DAYS[0], '2026-11-25'));
    expect(calls.counts()).toEqual({ BatchGetItem: 8, Query: 4 });

    setClock('2026-11-25T02:30:00Z');
    await cancel('after-midnight-late', '2026-11-24T23:45:00.000Z');
    calls.reset();
    const settling = await stores.ruleStats.readDays(RULE, DAYS[0], '2026-11-25');
    const settlingCalls = calls.counts();
    calls.reset();
    const month = await stores.ruleStats.readDays(RULE, '2026-10-27', '2026-11-25');
    const monthFirst = calls.counts();
    calls.reset();
    const monthAgain = await stores.ruleStats.readDays(RULE, '2026-10-27', '2026-11-25');

    expect(settling).toEqual(expectedDays(DAYS[0], '2026-11-25'));
    expect(settlingCalls).toEqual({ BatchGetItem: 8, BatchWriteItem: 1, Query: 4 });
    expect(month).toEqual(expectedDays('2026-10-27', '2026-11-25'));
    expect(monthAgain).toEqual(month);
    // The 24 empty days before are summed once (as empty: one Query per shard over them)…
    expect(monthFirst).toEqual({ BatchGetItem: 4, BatchWriteItem: 1, Query: 4 + 384 });
    // …and a 30-day read is then as cheap as a 6-day one.
    expect(calls.counts()).toEqual({ BatchGetItem: 4, Query: 4 });
  });

  test('the rules page (8 rules, 30 days) costs 8 calls a rule once its days are summed', async () => {
    setClock('2026-11-25T12:00:00Z');
    const rules = [RULE, ...Array.from({ length: 7 }, (_, n) => `quiet-${n}`)];
    const view = async () => {
      // A new console backend each time: its 10-second cache would hide the second view.
      const reads = ruleCounterReads({ stores, ruleIds: () => rules, clock: { now: () => now } });
      return Promise.all(rules.map((ruleId) => reads.rulesPage(ruleId)));
    };
    calls.reset();

    await view();
    const first = calls.counts();
    calls.reset();
    const reports = await view();

    // The 7 quiet rules' 29 settled days are summed (as empty) once, by one Query per shard over
    // the span; the busy rule's already were.
    expect(first).toEqual({ BatchGetItem: 8 * 4, BatchWriteItem: 7 * 2, Query: 8 * 4 + 7 * 384 });
    expect(calls.counts()).toEqual({ BatchGetItem: 8 * 4, Query: 8 * 4 });
    const busy = reports.find((report) => report.ruleId === RULE);
    expect(busy?.days).toEqual(expectedDays('2026-10-27', '2026-11-25'));
  });
});
