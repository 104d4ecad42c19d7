/**
 * The per-sender rate guard and Twilio's own 429 on the real send path: DynamoDB Local, the real
 * `twilio` SDK against the loopback Twilio sandbox. A message refused for rate — by Twilio (429 /
 * 20429 with Retry-After) or by the guard itself — goes back to be scheduled after the wait and
 * is sent on its next turn: never lost, never sent twice. The oracles are the sandbox's own list
 * of accepted messages and the test's own scheduler.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DateTime } from 'luxon';
import { afterAll, beforeEach, describe, expect, inject, test } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { createTwilioClient } from '../../functions/adapters/twilio/twilio-client.ts';
import { TwilioSmsSender } from '../../functions/adapters/twilio/twilio-sms-sender.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import type { ChannelSender, Clock, SendScheduler } from '../../functions/app/ports.ts';
import { type SendDeps, sendMessage } from '../../functions/app/send-message.ts';
import { guardSenderRate } from '../../functions/app/sender-rate-guard.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { startTwilioSandbox, type TwilioSandbox } from '../../local/sandboxes/index.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { aProfile, aRule, settings } from '../support/factories.ts';
import { aMessageRecord } from '../support/store-contract-fixtures.ts';

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const tables: string[] = [];
const sandboxes: TwilioSandbox[] = [];

afterAll(async () => {
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  await Promise.all(sandboxes.map((sandbox) => sandbox.stop()));
  client.destroy();
});

const START = '2026-11-23T09:00:00.000Z';
const ACCOUNT_SID = `AC${'b'.repeat(32)}`;
const AUTH_TOKEN = 'test-auth-token-rate-guard';
const FROM = '+14155550100';

class MovableClock implements Clock {
  private current = DateTime.fromISO(START, { zone: 'utc' });
  now(): DateTime {
    return this.current;
  }
  advance(milliseconds: number): void {
    this.current = this.current.plus({ milliseconds });
  }
}

/** The test's scheduler: what was handed back to be sent again, and when. */
class RecordingScheduler implements SendScheduler {
  readonly scheduled: Array<{ messageId: string; at: string }> = [];
  async schedule(messageId: string, at: DateTime): Promise<void> {
    this.scheduled.push({ messageId, at: at.toUTC().toISO() ?? '' });
  }
  async cancel(): Promise<void> {}
}

interface World {
  clock: MovableClock;
  stores: Stores;
  sandbox: TwilioSandbox;
  scheduler: RecordingScheduler;
  deps: SendDeps;
}

async function world(guard: { mps: number; concurrency: number; maxWaitMs: number }): Promise<World> {
  const clock = new MovableClock();
  const tableName = createTestTableName('rate-guard');
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  const stores = createDynamoStores({ tableName, client, clock });
  await stores.profiles.putProfile(aProfile());
  const sandbox = await startTwilioSandbox({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    statusCallbacks: 'manual',
  });
  sandboxes.push(sandbox);
  const twilio = new TwilioSmsSender({
    client: createTwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl: sandbox.url }),
    from: FROM,
  });
  const sms: ChannelSender = guardSenderRate(twilio, {
    ...guard,
    nowMs: () => clock.now().toMillis(),
    sleep: async (ms) => clock.advance(ms),
  });
  const scheduler = new RecordingScheduler();
  const deps: SendDeps = {
    ...stores,
    scheduler,
    clock,
    settings: settings({ cap: { max: 10, per: 'P1D' } }),
    rules: compileRuleSet([aRule({ id: 'renewal-reminder', window: 'always', channels: ['sms'] })]),
    channels: { sms, email: sms },
    render: () => () => ({
      ok: true,
      locale: 'sv',
      message: {
        channel: 'sms',
        text: 'Hej Anna, din försäkring förnyas snart.',
        encoding: 'UCS-2',
        segments: 1,
      },
    }),
    leaseMs: 60_000,
    random: () => 0.5,
  };
  return { clock, stores, sandbox, scheduler, deps };
}

let w: World;

describe("Twilio's 429 on the send path", () => {
  beforeEach(async () => {
    w = await world({ mps: 100, concurrency: 1, maxWaitMs: 15_000 });
  });

  test('a 20429 with Retry-After is scheduled again after the wait and then sent once', async () => {
    // Arrange: Twilio answers the first request 429 / 20429, Retry-After 30 s.
    await w.stores.messages.createMessage(aMessageRecord({ messageId: 'm-429', sendAt: START }));
    w.sandbox.faults.failNext(1, { status: 429, code: 20429, retryAfterSeconds: 30 });

    // Act: the first attempt.
    const first = await sendMessage('m-429', w.deps);

    // Assert: nothing reached Twilio's kept messages; the message waits for its retry, which
    // is at least Retry-After away, and the scheduler holds it.
    expect(first.kind).toBe('retrying');
    expect(w.sandbox.messages()).toHaveLength(0);
    const waiting = await w.stores.messages.getMessage('m-429');
    expect(waiting?.status).toBe('scheduled');
    expect(w.scheduler.scheduled).toHaveLength(1);
    const retryAt = DateTime.fromISO(w.scheduler.scheduled[0]?.at ?? '');
    expect(retryAt.diff(DateTime.fromISO(START)).as('seconds')).toBeGreaterThanOrEqual(30);
    expect(waiting?.sendAt).toBe(retryAt.toUTC().toISO());

    // Act: the schedule fires.
    w.clock.advance(retryAt.diff(DateTime.fromISO(START)).as('milliseconds'));
    const second = await sendMessage('m-429', w.deps);

    // Assert: sent exactly once, the record carrying Twilio's sid.
    expect(second.kind).toBe('sent');
    const kept = w.sandbox.messages();
    expect(kept).toHaveLength(1);
    expect(kept[0]?.from).toBe(FROM);
    const sent = await w.stores.messages.getMessage('m-429');
    expect(sent).toMatchObject({ status: 'sent', providerId: kept[0]?.sid });
  });
});

describe('the rate guard on the send path', () => {
  test('a message over the instance’s share goes back to the schedule, not to Twilio, and is sent on its turn', async () => {
    // Arrange: one segment a second for this instance, no waiting inside the invocation.
    w = await world({ mps: 1, concurrency: 1, maxWaitMs: 0 });
    await w.stores.messages.createMessage(aMessageRecord({ messageId: 'm-a', sendAt: START }));
    await w.stores.messages.createMessage(
      aMessageRecord({ messageId: 'm-b', sendAt: START, dedupeKey: 'ev-m-b' }),
    );

    // Act: both due in the same instant.
    const outcomes = [await sendMessage('m-a', w.deps), await sendMessage('m-b', w.deps)];

    // Assert: one reached Twilio, the other is scheduled a second later, nothing failed.
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['sent', 'retrying']);
    expect(w.sandbox.messages()).toHaveLength(1);
    expect(w.sandbox.faults.counts().seen).toBe(1);
    expect(w.scheduler.scheduled.map((entry) => entry.messageId)).toEqual(['m-b']);

    // Act: its turn comes.
    const retryAt = DateTime.fromISO(w.scheduler.scheduled[0]?.at ?? '');
    expect(retryAt.diff(DateTime.fromISO(START)).as('milliseconds')).toBeGreaterThanOrEqual(1_000);
    w.clock.advance(retryAt.diff(DateTime.fromISO(START)).as('milliseconds'));
    const later = await sendMessage('m-b', w.deps);

    // Assert: both sent, each once.
    expect(later.kind).toBe('sent');
    expect(w.sandbox.messages()).toHaveLength(2);
    expect((await w.stores.messages.getMessage('m-b'))?.status).toBe('sent');
  });
});
