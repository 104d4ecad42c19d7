/**
 * Starts dynalite (the `dynalite` npm package: the DynamoDB API over LevelDB, in this process) on
 * 127.0.0.1, as the local runtime's fallback when Java 17+ is not there for DynamoDB Local.
 *
 * In-process on purpose: no child to outlive us, nothing to install, ready in milliseconds. What it
 * does not do that Nudge's table uses is TTL (it has no UpdateTimeToLive, and DescribeTimeToLive
 * always says DISABLED); see local-journey-table.ts. The integration tests keep using DynamoDB
 * Local, which validates like the real service.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLocalError, DynamoDbLocalErrorCode } from './dynamodb-local-error.ts';

/** Options of {@link startDynalite}. */
export interface DynaliteOptions {
  /** Port on 127.0.0.1; `0` or absent lets the kernel pick a free one. */
  port?: number;
  /** Folder of the LevelDB store, created if missing, kept across restarts; absent = in memory. */
  dataDir?: string;
  /** Receives start and stop notes. */
  logger?: (line: string) => void;
}

/** A running dynalite. */
export interface Dynalite {
  /** `http://127.0.0.1:<port>`, for `DynamoDBClient({ endpoint })`. */
  endpoint: string;
  /** The port it listens on. */
  port: number;
  /** Stops accepting requests, ends open connections and closes the store. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * New tables stay CREATING this long (dynalite's default is 500 ms, which only slows down the
 * SDK's table waiter: it polls once a second at least).
 */
const TABLE_STATE_MS = 0;
/** Open keep-alive connections get this long to finish their request before they are cut. */
const CLOSE_GRACE_MS = 2_000;
const READY_TIMEOUT_MS = 10_000;

/**
 * Starts dynalite and resolves once it has answered `ListTables`.
 *
 * @throws {DynamoDbLocalError} `PORT_IN_USE` when the requested port is taken,
 * `DYNALITE_UNAVAILABLE` when the package cannot be loaded or its store cannot be opened.
 */
export async function startDynalite(options: DynaliteOptions = {}): Promise<Dynalite> {
  const log = options.logger ?? (() => {});
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${requestedPort}`);
  }
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const startedAt = performance.now();
  const dynalite = await loadDynalite();
  if (dataDir !== undefined) await assertStoreFree(dataDir);
  const server = dynalite({
    ...(dataDir === undefined ? {} : { path: dataDir }),
    createTableMs: TABLE_STATE_MS,
    deleteTableMs: TABLE_STATE_MS,
    updateTableMs: TABLE_STATE_MS,
  });
  // Like a DynamoDB Local child, it must not keep a process alive on its own (see dynamodb-local.ts).
  server.unref();
  const port = await listen(server, requestedPort);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= close(server).then(() => log(`dynalite: port ${port} closed`));
    return stopping;
  };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await answersListTables(endpoint);
  } catch (error) {
    await stop();
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.DynaliteUnavailable,
      `dynalite did not answer ListTables at ${endpoint} (${describe(error)}).`,
      { cause: error },
    );
  }
  const where = dataDir === undefined ? 'in memory' : `data in ${dataDir}`;
  log(
    `dynalite: ready at ${endpoint} (in this process, ${where}) in ` +
      `${Math.round(performance.now() - startedAt)} ms`,
  );
  return { endpoint, port, stop };
}

/** Loaded on demand: only the fallback pays for LevelDB, and a broken install gets a clear message. */
async function loadDynalite(): Promise<typeof import('dynalite')['default']> {
  try {
    return (await import('dynalite')).default;
  } catch (error) {
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.DynaliteUnavailable,
      `The dynalite package could not be loaded (${describe(error)}); run \`npm install\`, or install ` +
        'Java 17+ to use DynamoDB Local instead.',
      { cause: error },
    );
  }
}

/** The part of LevelDB's `Level` class used to try the store's lock. */
interface LevelStore {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens and closes the LevelDB store once before dynalite does. dynalite opens it lazily and
 * reports a failure (the folder locked by another `npm start`, a corrupt store) as an `error`
 * event nobody listens to, which ends the process with a stack trace; here it is a clear error.
 * `level` is resolved from dynalite's own folder: it is dynalite's dependency, the one it uses.
 */
async function assertStoreFree(dataDir: string): Promise<void> {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { Level }: { Level: new (location: string) => LevelStore } = fromDynalite('level');
  const store = new Level(dataDir);
  try {
    await store.open();
  } catch (error) {
    // LevelDB's own words ("lock …/LOCK: Resource temporarily unavailable") are in the cause.
    const reason = error instanceof Error && error.cause !== undefined ? error.cause : error;
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.DynaliteUnavailable,
      `dynalite cannot open its store in ${dataDir} (${describe(reason)}). Is another ` +
        '`npm start` using the same data folder? Stop it, or pass another --data-dir.',
      { cause: error },
    );
  }
  await store.close();
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new DynamoDbLocalError(
              DynamoDbLocalErrorCode.PortInUse,
              `Port ${port} is already in use; stop what listens there or omit \`port\` to get a free one.`,
              { cause: error },
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen({ host: '127.0.0.1', port }, () => {
      server.off('error', onError);
      const address = server.address();
      if (typeof address === 'object' && address !== null) resolveListen(address.port);
      else reject(new Error(`dynalite listens on ${String(address)}, not a TCP port`));
    });
  });
}

async function answersListTables(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { requestTimeout: READY_TIMEOUT_MS },
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
  } finally {
    client.destroy();
  }
}

/**
 * dynalite's close() waits for every connection to end, and SDK clients keep theirs alive: idle
 * ones are closed at once (Node ≥ 19), busy ones get a grace period to answer, then are cut.
 */
function close(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolveClose();
    });
    server.closeIdleConnections();
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
