/**
 * GDPR export and erase on DynamoDB Local, with the real use cases. The test builds one customer
 * the way production does (events through evaluateEvent, a send through sendMessage, replies
 * through handleInboundReply), exports her, erases her, and then looks up every key and index
 * entry it created itself — GetItem on each key, Query on each index for her values, written
 * here, not through the code under test — and finds only the kept suppression (without her id).
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import {
  createJourneyTable,
  MONTH_PARTITION_SHARDS,
} from '../../functions/adapters/dynamodb/table-design.ts';
import { LocalSendScheduler } from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import { evaluateEvent } from '../../functions/app/evaluate-event.ts';
import { handleInboundReply } from '../../functions/app/handle-inbound-reply.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import type { Clock, OutcomePublisher } from '../../functions/app/ports.ts';
import type { PrivacyDeps } from '../../functions/app/privacy/customer-holdings.ts';
import { eraseCustomer } from '../../functions/app/privacy/erase-customer.ts';
import { exportCustomer } from '../../functions/app/privacy/export-customer.ts';
import { type SendDeps, sendMessage } from '../../functions/app/send-message.ts';
import { keywordTable } from '../../functions/core/replies/inbound-keywords.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { aCustomer, anEvent, aRule, settings } from '../support/factories.ts';

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const doc = DynamoDBDocumentClient.from(client);
const tables: string[] = [];

afterAll(async () => {
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

const START = '2026-11-23T09:00:00.000Z';
const ANNA = 'cust-anna';
const PHONE = '+46701234567';
const EMAIL = 'anna@example.se';

class MovableClock implements Clock {
  private current = DateTime.fromISO(START, { zone: 'utc' });
  now(): DateTime {
    return this.current;
  }
  advance(minutes: number): void {
    this.current = this.current.plus({ minutes });
  }
}

const noOutcomes: OutcomePublisher = { publish: async () => undefined };

const RULES = compileRuleSet([
  // Scheduled two days ahead, cancellable by policy (lifecycle index), deduped by policy.
  aRule({
    id: 'reminder',
    on: { source: ['acme.policies'], 'detail-type': ['RenewalDue'] },
    send: { after: 'P2D' },
    cancel: { on: [{ source: ['acme.policies'], 'detail-type': ['Renewed'] }], key: 'detail.policyId' },
    dedupe: { key: '{{ detail.policyId }}' },
  }),
  // Sent at once; its goal (the booking paid) files a goal ledger entry under her.
  aRule({
    id: 'confirm',
    on: { source: ['acme.bookings'], 'detail-type': ['Booked'] },
    dedupe: { key: '{{ detail.bookingId }}' },
    goal: {
      on: { source: ['acme.bookings'], 'detail-type': ['Paid'] },
      key: 'detail.bookingId',
      within: 'P7D',
    },
  }),
  // Counts her case towards a threshold (an entry keyed by the problem code, not by her).
  aRule({
    id: 'spike',
    on: { source: ['acme.cases'], 'detail-type': ['CaseOpened'] },
    threshold: { count: 50, within: 'PT1H', key: 'detail.problemCode' },
    to: { email: 'ops@acme.example' },
    channels: ['email'],
  }),
]);

interface Built {
  stores: Stores;
  tableName: string;
  clock: MovableClock;
  scheduler: LocalSendScheduler;
  deps: PrivacyDeps;
  reminderId: string;
  confirmId: string;
  caseEventId: string;
  caseEventTime: string;
}

/** A table holding Anna: profile with a consent change, a pending and a sent message, replies, a STOP. */
async function buildAnna(): Promise<Built> {
  const tableName = createTestTableName('privacy');
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  const clock = new MovableClock();
  const stores = createDynamoStores({ tableName, client, clock });
  const scheduler = new LocalSendScheduler({ clock, queue: { enqueue: async () => undefined } });
  const evaluate = { ...stores, scheduler, clock, settings: settings(), rules: RULES };
  const customer = aCustomer({ id: ANNA, phone: PHONE, email: EMAIL, consent: { sms: true, email: true } });

  const reminder = await evaluateEvent(
    anEvent({
      source: 'acme.policies',
      'detail-type': 'RenewalDue',
      time: START,
      detail: { policyId: 'P-1', customer },
    }),
    evaluate,
  );
  const booked = await evaluateEvent(
    anEvent({
      source: 'acme.bookings',
      'detail-type': 'Booked',
      time: START,
      detail: { bookingId: 'B-1', customer },
    }),
    evaluate,
  );
  const caseEvent = anEvent({
    source: 'acme.cases',
    'detail-type': 'CaseOpened',
    time: START,
    detail: { problemCode: 'INV', customer },
  });
  await evaluateEvent(caseEvent, evaluate);
  const confirmId = booked.planned[0]?.messageId ?? '';
  // She pays the booking at once: her decision converts (the goal entry records the event).
  await evaluateEvent(
    anEvent({
      id: 'ev-paid-1',
      source: 'acme.bookings',
      'detail-type': 'Paid',
      time: START,
      detail: { bookingId: 'B-1' },
    }),
    evaluate,
  );
  const send: SendDeps = {
    ...evaluate,
    channels: {
      sms: { send: async () => ({ ok: true, providerId: 'SM-sent-1' }) },
      email: { send: async () => ({ ok: true, providerId: 'SG-sent-1' }) },
    },
    render: () => () => ({
      ok: true,
      locale: 'sv',
      message: { channel: 'sms', text: 'Hej Anna, vi ses på tisdag.', encoding: 'GSM-7', segments: 1 },
    }),
    outcomes: noOutcomes,
    leaseMs: 60_000,
    random: () => 0.5,
  };
  // The schedule fires (the scheduler drops its entry as it hands the id to the queue) and sends.
  await scheduler.cancel(confirmId);
  await sendMessage(confirmId, send);
  clock.advance(5);
  const replies = { ...stores, outcomes: noOutcomes, keywords: keywordTable(), defaultCountry: 'SE' };
  const at = (minutes: number) => clock.now().plus({ minutes }).toISO() ?? '';
  await handleInboundReply({ replyId: 'SM-reply-yes', from: PHONE, body: 'JA', receivedAt: at(0) }, replies);
  await handleInboundReply(
    { replyId: 'SM-reply-stop', from: PHONE, body: 'STOPP', receivedAt: at(1) },
    replies,
  );
  clock.advance(5);
  const deps: PrivacyDeps = { ...stores, clock, defaultCountry: 'SE', scheduler };
  return {
    stores,
    tableName,
    clock,
    scheduler,
    deps,
    reminderId: reminder.planned[0]?.messageId ?? '',
    confirmId,
    caseEventId: caseEvent.id,
    caseEventTime: '2026-11-23T09:00:00.000Z',
  };
}

async function getItem(tableName: string, PK: string, SK: string) {
  return (await doc.send(new GetCommand({ TableName: tableName, Key: { PK, SK }, ConsistentRead: true })))
    .Item;
}

async function queryIndex(tableName: string, indexName: string, attribute: string, value: string) {
  const page = await doc.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: indexName,
      KeyConditionExpression: '#k = :v',
      ExpressionAttributeNames: { '#k': attribute },
      ExpressionAttributeValues: { ':v': value },
    }),
  );
  return page.Items ?? [];
}

describe('privacy: export and erase one customer (DynamoDB Local, real use cases)', () => {
  test('export holds everything; erase leaves nothing by key or index but the unlinked suppression', async () => {
    // Arrange
    const built = await buildAnna();
    const { tableName, reminderId, confirmId } = built;
    expect(built.scheduler.pending().map((entry) => entry.messageId)).toEqual([reminderId]);

    // Act: export
    const exported = await exportCustomer(ANNA, built.deps);

    // Assert: the export holds each thing the test created
    expect(exported?.profile).toMatchObject({ id: ANNA, phone: PHONE, email: EMAIL });
    expect(exported?.profile?.consent.sms?.granted).toBe(false); // the STOP withdrew it
    expect(exported?.profile?.consent.email?.granted).toBe(true);
    expect(exported?.messages.map((m) => [m.messageId, m.status]).sort()).toEqual(
      [
        [confirmId, 'sent'],
        [reminderId, 'scheduled'],
      ].sort(),
    );
    expect(exported?.messages.find((m) => m.messageId === confirmId)?.rendered).toMatchObject({
      text: 'Hej Anna, vi ses på tisdag.',
    });
    expect(exported?.replies.map((reply) => [reply.replyId, reply.body])).toEqual([
      ['SM-reply-yes', 'JA'],
      ['SM-reply-stop', 'STOPP'],
    ]);
    expect(exported?.suppressions).toEqual([
      expect.objectContaining({ channel: 'sms', address: PHONE, suppressed: true, customerId: ANNA }),
    ]);
    expect(exported?.dedupeClaims.map((claim) => [claim.key, claim.messageId]).sort()).toEqual(
      [
        ['reminder#P-1', reminderId],
        ['confirm#B-1', confirmId],
      ].sort(),
    );
    expect(exported?.thresholdEntries).toEqual([
      expect.objectContaining({ eventId: built.caseEventId, customerId: ANNA }),
    ]);
    expect(Object.keys(exported?.capLedger ?? {})).toEqual([confirmId]);
    expect(exported?.goals).toEqual([
      expect.objectContaining({
        ruleId: 'confirm',
        messageId: confirmId,
        group: 'sent',
        convertedBy: 'ev-paid-1',
      }),
    ]);

    // Act: erase
    const erased = await eraseCustomer(ANNA, { actor: 'test:privacy-officer' }, built.deps);

    // Assert: the summary counts what the test created, and carries no contact data
    expect(erased.outcome).toBe('erased');
    if (erased.outcome !== 'erased') return;
    expect(erased.summary).toMatchObject({
      profile: 1,
      capLedger: 1,
      messages: 2,
      pendingCancelled: 1,
      dedupeClaims: 2,
      entries: { REPLY: 2, THRESHOLD: 1, GOAL: 1 },
      suppressionsKept: 1,
      remaining: 0,
    });
    expect(JSON.stringify(erased)).not.toMatch(/4670|anna@|Anna|JA|STOPP/);

    // Assert: nothing left by key
    const keys: Array<[string, string]> = [
      [`CUST#${ANNA}`, 'PROFILE'],
      [`CUST#${ANNA}`, 'CAP'],
      [`MSG#${reminderId}`, 'MSG'],
      [`MSG#${confirmId}`, 'MSG'],
      ['REPLY#SM-reply-yes', 'REPLY'],
      ['REPLY#SM-reply-stop', 'REPLY'],
      ['DEDUPE#reminder#P-1', 'DEDUPE'],
      ['DEDUPE#confirm#B-1', 'DEDUPE'],
      ['THRESHOLD#spike#INV', `${built.caseEventTime}#${built.caseEventId}`],
      ['GOAL#confirm#goal#B-1', confirmId],
    ];
    for (const [PK, SK] of keys) expect(await getItem(tableName, PK, SK), `${PK} / ${SK}`).toBeUndefined();
    // … nor by index
    expect(await queryIndex(tableName, 'timeline', 'timelinePK', `CUST#${ANNA}`)).toEqual([]);
    expect(await queryIndex(tableName, 'lifecycle', 'lifecyclePK', 'PENDING#reminder#P-1')).toEqual([]);
    expect(await queryIndex(tableName, 'address', 'to', PHONE)).toEqual([]);
    for (let shard = 0; shard < MONTH_PARTITION_SHARDS.outbox; shard++) {
      expect(await queryIndex(tableName, 'outbox', 'outboxPK', `OUTBOX#2026-11#${shard}`)).toEqual([]);
    }
    // … nor a pending schedule
    expect(built.scheduler.pending()).toEqual([]);
    // The rule's effect tally is a count with no one in it: it stays (docs/data-model.md).
    expect(await getItem(tableName, 'EFFECT#confirm', '2026-11-23#sent')).toMatchObject({
      decisions: 1,
      goals: 1,
    });
    // The suppression stays, in force, without her id
    const kept = await getItem(tableName, `ADDR#sms#${PHONE}`, 'SUPPRESSION');
    expect(kept).toMatchObject({ suppressed: true, reason: 'stop-reply' });
    expect(kept?.customerId).toBeUndefined();
    expect(await getItem(tableName, `ADDR#email#${EMAIL}`, 'SUPPRESSION')).toBeUndefined();
    // … and sends to her number are still refused by it
    expect((await built.stores.suppressions.get('sms', PHONE))?.suppressed).toBe(true);

    // Act + Assert: idempotent — a second run finds nothing and changes nothing
    expect(await eraseCustomer(ANNA, { actor: 'test:privacy-officer' }, built.deps)).toEqual({
      outcome: 'not-found',
      customerId: ANNA,
    });
    expect(await exportCustomer(ANNA, built.deps)).toBeUndefined();
  });

  test('a message being sent: erase is refused and changes nothing', async () => {
    // Arrange: a sender claimed the reminder (its lease runs)
    const built = await buildAnna();
    built.clock.advance(2 * 24 * 60);
    const now = built.clock.now();
    const claimed = await built.stores.messages.claimForSending(
      built.reminderId,
      now.toISO() ?? '',
      now.plus({ minutes: 1 }).toISO() ?? '',
    );
    expect(claimed?.status).toBe('sending');
    const before = await exportCustomer(ANNA, built.deps);

    // Act
    const result = await eraseCustomer(ANNA, { actor: 'test' }, built.deps);

    // Assert
    expect(result).toEqual({ outcome: 'in-flight', customerId: ANNA, inFlight: 1 });
    const after = await exportCustomer(ANNA, built.deps);
    expect({ ...after, exportedAt: '' }).toEqual({ ...before, exportedAt: '' });
    expect(await getItem(built.tableName, `CUST#${ANNA}`, 'PROFILE')).toBeDefined();
  });

  test('an unknown customer: not found, nothing changed', async () => {
    // Arrange
    const built = await buildAnna();
    const before = await exportCustomer(ANNA, built.deps);

    // Act
    const result = await eraseCustomer('cust-nobody', { actor: 'test' }, built.deps);

    // Assert
    expect(result).toEqual({ outcome: 'not-found', customerId: 'cust-nobody' });
    expect(await exportCustomer('cust-nobody', built.deps)).toBeUndefined();
    const after = await exportCustomer(ANNA, built.deps);
    expect({ ...after, exportedAt: '' }).toEqual({ ...before, exportedAt: '' });
  });
});
