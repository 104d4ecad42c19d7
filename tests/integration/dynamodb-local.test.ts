import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  type DynamoDbLocal,
  DynamoDbLocalError,
  DynamoDbLocalErrorCode,
  dynamoDbLocalClientConfig,
  startDynamoDbLocal,
} from '../../local/dynamodb/dynamodb-local.ts';
import { checkJavaRuntime, parseJavaMajorVersion } from '../../local/dynamodb/java-runtime.ts';
import { isProcessGroupAlive } from '../../local/dynamodb/process-group.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAUNCHER_URL = pathToFileURL(join(REPO_ROOT, 'local/dynamodb/dynamodb-local.ts')).href;

/** A one-key table, on demand, so the tests only pay for what they write. */
async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** The same guarded write Nudge uses for idempotency: only if the key is not there yet. */
function putIfAbsent(tableName: string, pk: string): PutItemCommand {
  return new PutItemCommand({
    TableName: tableName,
    Item: { pk: { S: pk }, note: { S: 'first write' } },
    ConditionExpression: 'attribute_not_exists(pk)',
  });
}

/** Pids of live (non-zombie) processes in process group `pgid`, read from /proc. */
async function livePidsInGroup(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after "pid (comm)": state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (pgrp === String(pgid) && state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

/** Pids of orphan watchdogs still armed for `pgid` (see local/dynamodb/orphan-watchdog.ts). */
async function watchdogsFor(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(`\0nudge-dynamodb-watchdog\0${pgid}\0`)) pids.push(Number(entry));
  }
  return pids;
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await condition()) return true;
    await sleep(50);
  }
  return condition();
}

describe('the shared DynamoDB Local of the test run', () => {
  const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
  afterAll(() => client.destroy());

  test('accepts a conditional PutItem once and rejects the identical second one', async () => {
    // Arrange
    const tableName = createTestTableName('conditional-put');
    await createTable(client, tableName);
    await client.send(putIfAbsent(tableName, 'occurrence#1'));

    // Act
    const second = client.send(putIfAbsent(tableName, 'occurrence#1'));

    // Assert
    await expect(second).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const stored = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'occurrence#1' } } }),
    );
    expect(stored.Item?.note).toEqual({ S: 'first write' });
  });
});

describe('a second, independent startDynamoDbLocal()', () => {
  let second: DynamoDbLocal;
  let secondClient: DynamoDBClient;
  beforeAll(async () => {
    second = await startDynamoDbLocal();
    secondClient = new DynamoDBClient(dynamoDbLocalClientConfig(second.endpoint));
  });
  afterAll(async () => {
    secondClient.destroy();
    await second.stop();
  });

  test('runs next to the shared one on its own port with its own tables', async () => {
    // Arrange
    const sharedClient = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
    const tableName = createTestTableName('second-instance');

    // Act
    await createTable(secondClient, tableName);
    await secondClient.send(putIfAbsent(tableName, 'k'));
    const [onSecond, onShared] = await Promise.all([
      secondClient.send(new ListTablesCommand({})),
      sharedClient.send(new ListTablesCommand({})),
    ]);
    sharedClient.destroy();

    // Assert
    expect(second.endpoint).toBe(`http://127.0.0.1:${second.port}`);
    expect(second.endpoint).not.toBe(inject('dynamodbEndpoint'));
    expect(onSecond.TableNames).toContain(tableName);
    expect(onShared.TableNames).not.toContain(tableName);
  });

  test('stop() ends the whole process group and its watchdog, and may be called again', async () => {
    // Arrange
    expect(await livePidsInGroup(second.pid)).toEqual([second.pid]);
    expect(await watchdogsFor(second.pid)).toHaveLength(1);

    // Act
    await second.stop();
    await second.stop();

    // Assert
    expect(() => process.kill(-second.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(await livePidsInGroup(second.pid)).toEqual([]);
    expect(await waitFor(async () => (await watchdogsFor(second.pid)).length === 0, 2_000)).toBe(true);
  });
});

// Tests that start their own JVMs get more than the default 30 s: a start takes ~2.5 s on an idle
// 2-core machine but was measured at 5–9 s while the rest of the suite ran next to it.
const ONE_JVM_TIMEOUT_MS = 60_000;
const TWO_JVMS_TIMEOUT_MS = 90_000;

describe('startDynamoDbLocal({ dataDir })', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nudge-dynamodb-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  test(
    'creates the folder and keeps an item across stop and restart',
    async () => {
      // Arrange: a folder that does not exist yet
      const dataDir = join(root, 'nested', 'data');
      const tableName = createTestTableName('persisted');
      const first = await startDynamoDbLocal({ dataDir });
      const firstClient = new DynamoDBClient(dynamoDbLocalClientConfig(first.endpoint));
      await createTable(firstClient, tableName);
      await firstClient.send(putIfAbsent(tableName, 'kept'));
      firstClient.destroy();
      await first.stop();

      // Act
      const restarted = await startDynamoDbLocal({ dataDir });
      const client = new DynamoDBClient(dynamoDbLocalClientConfig(restarted.endpoint));
      try {
        const stored = await client.send(
          new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'kept' } } }),
        );
        const again = client.send(putIfAbsent(tableName, 'kept'));

        // Assert
        expect(stored.Item?.note).toEqual({ S: 'first write' });
        await expect(again).rejects.toBeInstanceOf(ConditionalCheckFailedException);
        expect(await readdir(dataDir)).toContain('shared-local-instance.db');
      } finally {
        client.destroy();
        await restarted.stop();
      }
    },
    TWO_JVMS_TIMEOUT_MS,
  );
});

describe('failures before java starts', () => {
  test('a missing Java is a DynamoDbLocalError that says how to install it', async () => {
    // Act
    const error = await checkJavaRuntime('/nonexistent/bin/java').catch((caught: unknown) => caught);

    // Assert
    expect(error).toBeInstanceOf(DynamoDbLocalError);
    expect(error).toMatchObject({
      name: 'DynamoDbLocalError',
      code: DynamoDbLocalErrorCode.JavaMissing,
      retryable: false,
      cause: expect.objectContaining({ code: 'ENOENT' }),
    });
    expect(String(error)).toContain('Java 17+');
    expect(String(error)).toContain('apt-get install -y openjdk-17-jre-headless');
  });

  test.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_402"', 8],
    ['openjdk version "11.0.22" 2024-01-16 LTS', 11],
    ['Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "22-ea" 2024-03-19', 22],
    ['no version here', undefined],
  ])('reads the Java major version from %j', (output, expected) => {
    expect(parseJavaMajorVersion(output)).toBe(expected);
  });

  test('an explicit port that is taken fails fast with PORT_IN_USE', async () => {
    // Arrange
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;

    // Act
    const started = startDynamoDbLocal({ port }).catch((caught: unknown) => caught);

    // Assert
    try {
      expect(await started).toMatchObject({
        name: 'DynamoDbLocalError',
        code: DynamoDbLocalErrorCode.PortInUse,
      });
    } finally {
      blocker.close();
    }
  });
});

describe('when the Node process that started it dies', () => {
  /** Starts DynamoDB Local in a separate Node process and resolves with that process and java's pid. */
  async function startInChildProcess(): Promise<{ parent: ChildProcess; javaPid: number }> {
    const script = [
      'const { startDynamoDbLocal } = await import(process.argv[1]);',
      'const db = await startDynamoDbLocal();',
      'process.stdout.write(JSON.stringify({ pid: db.pid }) + "\\n");',
      // Something has to keep this process alive: the launcher deliberately does not.
      'setInterval(() => {}, 60_000);',
    ].join('\n');
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, LAUNCHER_URL],
      // stderr is kept for the failure message instead of inherited: the SDK's Node-version warning
      // would otherwise fill the test output on every run.
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (parent.stdout === null || parent.stderr === null) throw new Error('no stdio pipes');
    let stderr = '';
    parent.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    const lines = createInterface({ input: parent.stdout });
    const [line]: unknown[] = await Promise.race([
      once(lines, 'line'),
      once(parent, 'exit').then(([code]) => {
        throw new Error(`the parent process exited with ${code} before DynamoDB Local was ready:\n${stderr}`);
      }),
    ]);
    const started: unknown = JSON.parse(String(line));
    if (
      typeof started !== 'object' ||
      started === null ||
      !('pid' in started) ||
      typeof started.pid !== 'number'
    ) {
      throw new Error(`unexpected output from the parent process: ${String(line)}`);
    }
    return { parent, javaPid: started.pid };
  }

  test(
    'SIGTERM: the signal hook kills java, then the parent still ends by SIGTERM',
    async () => {
      // Arrange
      const { parent, javaPid } = await startInChildProcess();
      expect(isProcessGroupAlive(javaPid)).toBe(true);
      const exited = once(parent, 'exit');

      // Act
      parent.kill('SIGTERM');
      const [code, signal] = await exited;

      // Assert
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
      expect(await waitFor(() => !isProcessGroupAlive(javaPid), 2_000)).toBe(true);
      expect(await waitFor(async () => (await watchdogsFor(javaPid)).length === 0, 2_000)).toBe(true);
    },
    ONE_JVM_TIMEOUT_MS,
  );

  test(
    'SIGKILL: no hook can run, so the orphan watchdog kills java',
    async () => {
      // Arrange
      const { parent, javaPid } = await startInChildProcess();
      const exited = once(parent, 'exit');

      // Act
      parent.kill('SIGKILL');
      await exited;

      // Assert
      expect(await waitFor(() => !isProcessGroupAlive(javaPid), 10_000)).toBe(true);
      expect(await waitFor(async () => (await watchdogsFor(javaPid)).length === 0, 2_000)).toBe(true);
    },
    ONE_JVM_TIMEOUT_MS,
  );
});
