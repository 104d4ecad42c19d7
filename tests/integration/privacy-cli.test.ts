/**
 * `nudge customer export|erase` as a user runs it, against a table on DynamoDB Local reached the
 * way the CLI reaches a running `nudge start` (its `<data dir>/runtime.json`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { writeRuntimeFile } from '../../local/runtime/runtime-file.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { aProfile } from '../support/factories.ts';
import { aMessageRecord } from '../support/store-contract-fixtures.ts';

const endpoint = inject('dynamodbEndpoint');
const client = new DynamoDBClient(dynamoDbLocalClientConfig(endpoint));
const doc = DynamoDBDocumentClient.from(client);
const tables: string[] = [];

afterAll(async () => {
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

/** Runs the real `nudge` command with `input` on stdin; its streams and exit code. */
function nudge(args: string[], input = ''): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(
      'node',
      ['bin/nudge.js', ...args],
      { encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ stdout, stderr, code });
      },
    );
    child.stdin?.end(input);
  });
}

/** A data directory whose runtime.json points at a fresh table holding Anna (profile, a message, a STOP). */
async function tableWithAnna(): Promise<{ dataDir: string; tableName: string }> {
  const tableName = createTestTableName('privacy-cli');
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  const stores = createDynamoStores({ tableName, client });
  await stores.profiles.putProfile(aProfile({ id: 'cust-anna', phone: '+46701234567' }));
  await stores.messages.createMessage(aMessageRecord({ messageId: 'm-cli-1', customerId: 'cust-anna' }));
  await stores.suppressions.suppress({
    channel: 'sms',
    address: '+46701234567',
    reason: 'stop-reply',
    source: 'reply:SM-cli',
    at: '2026-11-23T09:00:00.000Z',
    customerId: 'cust-anna',
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'nudge-privacy-'));
  writeRuntimeFile(dataDir, {
    pid: process.pid,
    dynamodbEndpoint: endpoint,
    tableName,
    consoleUrl: 'http://127.0.0.1:1',
    eventsUrl: 'http://127.0.0.1:1',
  });
  return { dataDir, tableName };
}

async function exists(tableName: string, PK: string, SK: string): Promise<boolean> {
  const found = await doc.send(
    new GetCommand({ TableName: tableName, Key: { PK, SK }, ConsistentRead: true }),
  );
  return found.Item !== undefined;
}

describe('nudge customer export | erase', () => {
  test('export writes the document; erase without --yes asks and, answered no, changes nothing', async () => {
    // Arrange
    const { dataDir, tableName } = await tableWithAnna();
    const out = join(dataDir, 'anna.json');

    // Act
    const exported = await nudge(['customer', 'export', 'cust-anna', '--data-dir', dataDir, '--out', out]);
    const declined = await nudge(['customer', 'erase', 'cust-anna', '--data-dir', dataDir], 'n\n');

    // Assert
    expect(exported.code).toBe(0);
    const document = JSON.parse(readFileSync(out, 'utf8'));
    expect(document.profile.phone).toBe('+46701234567');
    expect(document.messages.map((m: { messageId: string }) => m.messageId)).toEqual(['m-cli-1']);
    expect(document.suppressions[0]).toMatchObject({ address: '+46701234567', suppressed: true });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('Nothing erased');
    expect(await exists(tableName, 'CUST#cust-anna', 'PROFILE')).toBe(true);
    expect(await exists(tableName, 'MSG#m-cli-1', 'MSG')).toBe(true);
  }, 60_000);

  test('erase --yes removes her, prints counts without contact data; a second run finds no such customer', async () => {
    // Arrange
    const { dataDir, tableName } = await tableWithAnna();

    // Act
    const erased = await nudge(['customer', 'erase', 'cust-anna', '--yes', '--data-dir', dataDir]);
    const again = await nudge(['customer', 'erase', 'cust-anna', '--yes', '--data-dir', dataDir]);
    const unknown = await nudge(['customer', 'export', 'cust-nobody', '--data-dir', dataDir]);

    // Assert
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain('profile 1');
    expect(erased.stdout).toContain('messages 1');
    expect(erased.stdout).toContain('Kept 1 address suppression');
    expect(`${erased.stdout}${erased.stderr}`).not.toMatch(/4670|anna@|Anna/);
    expect(await exists(tableName, 'CUST#cust-anna', 'PROFILE')).toBe(false);
    expect(await exists(tableName, 'MSG#m-cli-1', 'MSG')).toBe(false);
    expect(await exists(tableName, 'ADDR#sms#+46701234567', 'SUPPRESSION')).toBe(true);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No such customer');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No such customer');
  }, 60_000);
});
