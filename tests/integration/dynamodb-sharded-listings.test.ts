/**
 * The outbox and the rejected inputs are spread over shards of a month (table-design.ts
 * MONTH_PARTITION_SHARDS) and listed newest first by merging them: on DynamoDB Local, against a
 * plain sorted list.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { aMessageRecord, contractClock } from '../support/store-contract-fixtures.ts';

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const doc = DynamoDBDocumentClient.from(client);
const tables: string[] = [];

async function newStores() {
  const tableName = createTestTableName('sharded');
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  return { tableName, stores: createDynamoStores({ tableName, client, clock: contractClock }) };
}

afterAll(async () => {
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

/** The distinct partition keys, by scanning partition names a month could have (0 … 63). */
async function partitionsHolding(tableName: string, prefix: string, indexName?: string): Promise<string[]> {
  const found: string[] = [];
  for (let shard = 0; shard < 64; shard++) {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        ...(indexName === undefined ? {} : { IndexName: indexName }),
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': indexName === undefined ? 'PK' : 'outboxPK' },
        ExpressionAttributeValues: { ':pk': `${prefix}#${shard}` },
        Select: 'COUNT',
      }),
    );
    if ((page.Count ?? 0) > 0) found.push(`${prefix}#${shard}`);
  }
  return found;
}

describe('sharded month partitions on DynamoDB Local', () => {
  it('pages the outbox across shards and months, newest first, nothing skipped or repeated', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            id: fc.stringMatching(/^m-[a-z0-9]{1,5}$/),
            // Two months and a few instants each, so ties on createdAt are common.
            createdAt: fc.constantFrom(
              '2026-10-30T10:00:00.000Z',
              '2026-10-31T10:00:00.000Z',
              '2026-11-20T08:00:00.000Z',
              '2026-11-21T08:00:00.000Z',
              '2026-11-21T08:00:00.001Z',
            ),
          }),
          { selector: (entry) => entry.id, minLength: 1, maxLength: 16 },
        ),
        fc.integer({ min: 2, max: 7 }),
        async (messages, pageSize) => {
          // Arrange
          const { stores } = await newStores();
          for (const m of messages) {
            await stores.messages.createMessage(aMessageRecord({ messageId: m.id, createdAt: m.createdAt }));
          }
          const oracle = [...messages]
            .sort((a, b) => (a.createdAt === b.createdAt ? cmp(b.id, a.id) : cmp(b.createdAt, a.createdAt)))
            .map((m) => m.id);

          // Act
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await stores.queries.listMessages({
              limit: pageSize,
              ...(cursor ? { cursor } : {}),
            });
            expect(page.items.length).toBeLessThanOrEqual(pageSize);
            seen.push(...page.items.map((item) => item.messageId));
            cursor = page.cursor;
            pages++;
          } while (cursor !== undefined && pages < 100);

          // Assert
          expect(seen).toEqual(oracle);
        },
      ),
      { numRuns: 4 },
    );
  }, 120_000);

  it('spreads a month of messages over several outbox partitions', async () => {
    const { tableName, stores } = await newStores();
    for (let i = 0; i < 40; i++) {
      await stores.messages.createMessage(
        aMessageRecord({ messageId: `m-${i}`, createdAt: '2026-11-20T08:00:00.000Z' }),
      );
    }

    const partitions = await partitionsHolding(tableName, 'OUTBOX#2026-11', 'outbox');

    expect(partitions.length).toBeGreaterThan(8);
    // Shards 0 … 63.
    expect(partitions.every((pk) => /^OUTBOX#2026-11#([0-9]|[1-5][0-9]|6[0-3])$/.test(pk))).toBe(true);
  });

  it('spreads the rejected inputs over shards and lists the newest first', async () => {
    const { tableName, stores } = await newStores();
    const received = Array.from(
      { length: 30 },
      (_, i) => `2026-11-2${i % 3}T08:00:${String(i).padStart(2, '0')}.000Z`,
    );
    for (const receivedAt of received) {
      await stores.rejected.recordRejected({ receivedAt, reason: 'bad', raw: `{"n":"${receivedAt}"}` });
    }

    const newest = await stores.queries.listRejected(12);
    const partitions = await partitionsHolding(tableName, 'REJECTED#2026-11');

    expect(newest.map((r) => r.receivedAt)).toEqual([...received].sort().reverse().slice(0, 12));
    expect(partitions.length).toBeGreaterThan(4);
  });
});

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
