/**
 * The release path on real parts: messages on DynamoDB Local, put in the release index by the
 * AWS send scheduler, swept by the release use case onto the loopback SQS endpoint through
 * @aws-sdk/client-sqs (SendMessageBatch). The oracle is the test's own arithmetic over the due
 * times it wrote, with the window written out as numbers (a sweep scheduled at t releases what
 * is due in (t + 11 min, t + 13 min]), never the code's window function.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoReleaseIndex } from '../../../functions/adapters/dynamodb/dynamo-release-index.ts';
import { createDynamoStores } from '../../../functions/adapters/dynamodb/dynamo-stores.ts';
import { DynamoTable } from '../../../functions/adapters/dynamodb/dynamo-table.ts';
import { createJourneyTable } from '../../../functions/adapters/dynamodb/table-design.ts';
import { ReleaseSendScheduler } from '../../../functions/adapters/scheduler/release-send-scheduler.ts';
import { decodeSendRequest, SqsSendQueue } from '../../../functions/adapters/sqs/sqs-send-queue.ts';
import { cancelScheduledMessage } from '../../../functions/app/pending-sends.ts';
import type { BatchSendQueue } from '../../../functions/app/ports/release.ts';
import type { Stores } from '../../../functions/app/ports/stores.ts';
import type { Clock } from '../../../functions/app/ports.ts';
import { ReleaseIncompleteError, releaseDueSends } from '../../../functions/app/release-due-sends.ts';
import { RELEASE_TIMING } from '../../../functions/core/planning/release-window.ts';
import { dynamoDbLocalClientConfig } from '../../../local/dynamodb/dynamodb-local.ts';
import { type SqsApiServer, startSqsApiServer } from '../../support/aws/sqs-api-server.ts';
import { createTestTableName } from '../../support/dynamodb-test-server.ts';
import { aMessageRecord } from '../../support/store-contract-fixtures.ts';

const MINUTE = 60_000;
/** The window, as numbers: a sweep at t releases due times in (t + 11 min, t + 13 min]. */
const WINDOW_FROM = 11 * MINUTE;
const WINDOW_TO = 13 * MINUTE;
/** The first sweep's scheduled instant. */
const T0 = Date.parse('2026-12-07T10:00:00.000Z');

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const tables: string[] = [];
let sqs: SqsApiServer;
let sqsClient: SQSClient;
let queueCount = 0;

beforeAll(async () => {
  sqs = await startSqsApiServer();
  sqsClient = new SQSClient({
    endpoint: sqs.url,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
  sqsClient.destroy();
  await sqs.stop();
});

/** A clock the test moves. */
function movableClock(startMs: number): Clock & { set(ms: number): void } {
  let nowMs = startMs;
  return {
    now: () => DateTime.fromMillis(nowMs, { zone: 'utc' }),
    set: (ms) => {
      nowMs = ms;
    },
  };
}

interface World {
  stores: Stores;
  index: DynamoReleaseIndex;
  queue: SqsSendQueue;
  queueName: string;
  clock: ReturnType<typeof movableClock>;
  scheduler: ReleaseSendScheduler;
}

async function newWorld(): Promise<World> {
  const tableName = createTestTableName('release');
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  const clock = movableClock(T0 - 30 * MINUTE);
  const stores = createDynamoStores({ tableName, client, clock });
  const index = new DynamoReleaseIndex(new DynamoTable({ tableName, client, clock }));
  const queueName = `send-${++queueCount}`;
  const queue = new SqsSendQueue({ client: sqsClient, queueUrl: sqs.createQueue(queueName) });
  const scheduler = new ReleaseSendScheduler({ queue, index, clock });
  return { stores, index, queue, queueName, clock, scheduler };
}

/** Creates a scheduled message due at `dueMs` and schedules it, as evaluate does. */
async function planned(world: World, messageId: string, dueMs: number): Promise<void> {
  const sendAt = new Date(dueMs).toISOString();
  await world.stores.messages.createMessage(aMessageRecord({ messageId, sendAt, dedupeKey: messageId }));
  await world.scheduler.schedule(messageId, DateTime.fromMillis(dueMs, { zone: 'utc' }));
}

/** What the queue received since `from`: message id → the delays it was enqueued with. */
function enqueued(world: World, from = 0): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const message of sqs.messages(world.queueName).slice(from)) {
    const request = decodeSendRequest(message.body);
    if (!request.ok) throw new Error(`not a send request: ${message.body}`);
    found.set(request.messageId, [...(found.get(request.messageId) ?? []), message.delaySeconds]);
  }
  return found;
}

/** One sweep at the scheduled instant `atMs`, run 2 s late, over every shard. */
async function sweep(
  world: World,
  atMs: number,
  options: { lookbackMs?: number; queue?: BatchSendQueue } = {},
) {
  world.clock.set(atMs + 2_000);
  const shards = Array.from({ length: world.index.shards }, (_, shard) => shard);
  return releaseDueSends(
    {
      index: world.index,
      queue: options.queue ?? world.queue,
      clock: world.clock,
      timing: { ...RELEASE_TIMING, lookbackMs: options.lookbackMs ?? RELEASE_TIMING.lookbackMs },
    },
    atMs,
    shards,
  );
}

/** Whole seconds from `nowMs` to `dueMs`, rounded up, none below 0: the delay SQS should hold. */
function expectedDelay(dueMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((dueMs - nowMs) / 1000));
}

describe('release sweep: release index on DynamoDB Local → SendMessageBatch on loopback SQS', () => {
  it('enqueues every message due in its window with the delay to its time, none later, none cancelled', async () => {
    // Arrange: 240 messages due every 7 s from T0 + 2 min to ~T0 + 30 min, written 30 min ahead
    // (so every one goes to the index, none to the queue); every 9th cancelled.
    const world = await newWorld();
    const due = new Map<string, number>();
    for (let i = 0; i < 240; i++) due.set(`m-${String(i).padStart(3, '0')}`, T0 + 2 * MINUTE + i * 7_000);
    for (const [messageId, dueMs] of due) await planned(world, messageId, dueMs);
    expect(sqs.sentCount(world.queueName)).toBe(0);
    const cancelled = new Set([...due.keys()].filter((_, i) => i % 9 === 0));
    for (const messageId of cancelled) {
      const result = await cancelScheduledMessage(messageId, 'test', {
        messages: world.stores.messages,
        clock: world.clock,
      });
      expect(result.kind).toBe('cancelled');
    }

    // Act: three sweeps a minute apart.
    const sweeps = [T0, T0 + MINUTE, T0 + 2 * MINUTE];
    const releasedBy: Array<Map<string, number[]>> = [];
    for (const at of sweeps) {
      const before = sqs.messages(world.queueName).length;
      await sweep(world, at);
      releasedBy.push(enqueued(world, before));
    }

    // Assert: each sweep, exactly its window's live messages, each with the delay to its time.
    sweeps.forEach((at, n) => {
      const expected = [...due]
        .filter(([id, ms]) => !cancelled.has(id) && ms > at + WINDOW_FROM && ms <= at + WINDOW_TO)
        .map(([id]) => id)
        .sort();
      const released = releasedBy[n] ?? new Map();
      expect([...released.keys()].sort()).toEqual(expected);
      for (const [messageId, delays] of released) {
        expect(delays).toEqual([expectedDelay(due.get(messageId) ?? Number.NaN, at + 2_000)]);
      }
    });
    // Over the three, everything due in (T0 + 11 min, T0 + 15 min] went at least once; nothing later.
    const all = enqueued(world);
    const covered = [...due].filter(([id, ms]) => !cancelled.has(id) && ms > T0 + WINDOW_FROM);
    for (const [messageId, ms] of covered) {
      if (ms <= T0 + 2 * MINUTE + WINDOW_TO) expect(all.has(messageId), messageId).toBe(true);
      else expect(all.has(messageId), messageId).toBe(false);
    }
    for (const messageId of cancelled) expect(all.has(messageId), messageId).toBe(false);
    expect(all.size).toBeGreaterThan(20);
  });

  it('releases a message written behind a sweep (index lag, clock skew) with the next sweep', async () => {
    // Arrange: a sweep at T0 has run; then an entry appears inside its window, 30 s before its end.
    const world = await newWorld();
    await planned(world, 'm-early', T0 + 12 * MINUTE);
    await sweep(world, T0);
    const late = 'm-late';
    const lateDue = T0 + WINDOW_TO - 30_000;
    await world.stores.messages.createMessage(
      aMessageRecord({ messageId: late, sendAt: new Date(lateDue).toISOString(), dedupeKey: late }),
    );
    expect(await world.index.hold(late, new Date(lateDue).toISOString())).toBe(true);
    const before = sqs.messages(world.queueName).length;

    // Act
    await sweep(world, T0 + MINUTE);

    // Assert
    expect(enqueued(world, before).get(late)).toEqual([expectedDelay(lateDue, T0 + MINUTE + 2_000)]);
  });

  it('sends a message due within 14 minutes straight to the queue, delayed, never to the index', async () => {
    // Arrange
    const world = await newWorld();
    world.clock.set(T0);

    // Act
    await world.stores.messages.createMessage(
      aMessageRecord({
        messageId: 'm-soon',
        sendAt: new Date(T0 + 10 * MINUTE).toISOString(),
        dedupeKey: 's',
      }),
    );
    await world.scheduler.schedule('m-soon', DateTime.fromMillis(T0 + 10 * MINUTE, { zone: 'utc' }));

    // Assert
    expect(enqueued(world).get('m-soon')).toEqual([600]);
    const inIndex: string[] = [];
    for (let shard = 0; shard < world.index.shards; shard++) {
      for await (const page of world.index.due(shard, '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'))
        inIndex.push(...page.map((entry) => entry.messageId));
    }
    expect(inIndex).toEqual([]);
  });

  it('a sweep that failed halfway reports it and, run again for the same instant, releases everything', async () => {
    // Arrange: 30 messages in the window; the queue refuses the first two batches it is given.
    const world = await newWorld();
    const due = Array.from(
      { length: 30 },
      (_, i) => [`m-f${i}`, T0 + WINDOW_FROM + 1_000 + i * 1_000] as const,
    );
    for (const [messageId, ms] of due) await planned(world, messageId, ms);
    let refusals = 2;
    const flaky: BatchSendQueue = {
      enqueueMany: async (entries) => {
        if (refusals > 0) {
          refusals--;
          throw new Error('SQS unavailable');
        }
        return world.queue.enqueueMany(entries);
      },
    };

    // Act
    const failure = await sweep(world, T0, { queue: flaky }).catch((error: unknown) => error);
    const retry = await sweep(world, T0, { queue: flaky });

    // Assert
    expect(failure).toBeInstanceOf(ReleaseIncompleteError);
    expect(retry.enqueued).toBe(30);
    const all = enqueued(world);
    for (const [messageId] of due) expect(all.has(messageId), messageId).toBe(true);
  });

  it('takes a claimed message out of the index, so later sweeps do not release it again', async () => {
    // Arrange
    const world = await newWorld();
    const dueMs = T0 + 12 * MINUTE + 30_000;
    await planned(world, 'm-claimed', dueMs);
    await sweep(world, T0);
    expect(enqueued(world).get('m-claimed')).toHaveLength(1);

    // Act: the send step claims it when due.
    world.clock.set(dueMs);
    const at = new Date(dueMs).toISOString();
    const claimed = await world.stores.messages.claimForSending(
      'm-claimed',
      at,
      new Date(dueMs + MINUTE).toISOString(),
      {
        dueBy: at,
      },
    );
    const before = sqs.messages(world.queueName).length;
    await sweep(world, T0 + MINUTE);

    // Assert
    expect(claimed?.status).toBe('sending');
    expect(enqueued(world, before).has('m-claimed')).toBe(false);
  });
});
