import { join } from 'node:path';
import { DYNAMODB_LOCAL_NETWORK_NOTICE } from './dynamodb/dynamodb-local.ts';
import { type DynamoDbEngineChoice, engineForRun } from './dynamodb/local-dynamodb.ts';
import { type LiveCredentials, readLiveCredentials } from './runtime/live-credentials.ts';
import { type LocalConsoleAuth, readLocalConsoleAuth } from './runtime/local-console-auth.ts';
import { startLocalRuntime } from './runtime/local-runtime.ts';
import { configuredUnsubscribeSigningKey } from './runtime/unsubscribe-signing-key.ts';

/** What `nudge start` was asked for. */
export interface RunLocalOptions {
  projectDir: string;
  dataDir: string;
  speed: number;
  fresh: boolean;
  /** `auto` (DynamoDB Local, dynalite when Java 17+ is missing), `dynamodb-local` or `dynalite`. */
  dynamodb: DynamoDbEngineChoice;
  demo?: boolean;
  live: boolean;
  consolePort: number;
  eventsPort: number;
  watch: boolean;
  /** `--auth oidc`: the console signs people in at this issuer (open on 127.0.0.1 without it). */
  auth?: { issuer?: string | undefined; clientId?: string | undefined; groupsClaim?: string | undefined };
}

/** What `runLocal` checked before starting anything. */
interface Preflight {
  dynamodb: DynamoDbEngineChoice;
  live: LiveCredentials | undefined;
  unsubscribeSigningKey: string | undefined;
  consoleAuth: LocalConsoleAuth | undefined;
}

type LocalRuntime = Awaited<ReturnType<typeof startLocalRuntime>>;

/** Starts the local runtime, prints what is where, and stops every child cleanly on Ctrl-C. */
export async function runLocal(options: RunLocalOptions): Promise<void> {
  const checked = preflight(options);
  if (!checked.ok) {
    process.stderr.write(`${checked.error}\n`);
    process.exitCode = 2;
    return;
  }
  const { dynamodb, live, unsubscribeSigningKey, consoleAuth } = checked.value;
  const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)}Z  ${line}\n`);
  say(
    dynamodb === 'dynalite' && options.live
      ? 'starting Nudge locally (--live: on dynalite, which listens on 127.0.0.1 only)…'
      : dynamodb === 'dynalite'
        ? 'starting Nudge locally (on dynalite, as asked)…'
        : 'starting Nudge locally (DynamoDB Local needs a few seconds on a cold JVM)…',
  );
  const runtime = await startLocalRuntime({
    projectDir: options.projectDir,
    dataDir: options.dataDir,
    fresh: options.fresh,
    dynamodb,
    speed: options.speed,
    ...(options.demo === undefined ? {} : { demo: options.demo }),
    ...(live === undefined ? {} : { live }),
    ports: { console: options.consolePort, events: options.eventsPort },
    watch: options.watch,
    log: say,
    ...(unsubscribeSigningKey === undefined ? {} : { unsubscribeSigningKey }),
    ...(consoleAuth === undefined ? {} : { consoleAuth }),
  });
  process.stdout.write(banner(options, runtime, live !== undefined));
  stopOnSignals(runtime, say);
}

/** The checks that need no server: speed, --live credentials, the signing key, the engine. */
function preflight(options: RunLocalOptions): { ok: true; value: Preflight } | { ok: false; error: string } {
  if (!Number.isFinite(options.speed) || options.speed <= 0) {
    return { ok: false, error: `--speed must be a positive number, not ${options.speed}` };
  }
  const secretsFile = join(options.projectDir, 'nudge.secrets.json');
  let live: LiveCredentials | undefined;
  if (options.live) {
    const read = readLiveCredentials(process.env, secretsFile);
    if (!read.ok) return { ok: false, error: read.error };
    live = read.credentials;
  }
  let unsubscribeSigningKey: string | undefined;
  try {
    unsubscribeSigningKey = configuredUnsubscribeSigningKey(process.env, secretsFile);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  // --live keeps real data off storage other machines can reach (local-dynamodb.ts).
  const storage = engineForRun(options.dynamodb, options.live);
  if (!storage.ok) return { ok: false, error: storage.error };
  let consoleAuth: LocalConsoleAuth | undefined;
  if (options.auth !== undefined) {
    const { issuer, clientId, groupsClaim } = options.auth;
    const read = readLocalConsoleAuth(
      {
        ...(issuer === undefined ? {} : { issuer }),
        ...(clientId === undefined ? {} : { clientId }),
        ...(groupsClaim === undefined ? {} : { groupsClaim }),
      },
      process.env,
      { secretsFile, dataDir: options.dataDir },
    );
    if (!read.ok) return { ok: false, error: read.error };
    consoleAuth = read.auth;
  }
  return { ok: true, value: { dynamodb: storage.engine, live, unsubscribeSigningKey, consoleAuth } };
}

/** What is where, printed once the runtime is up. */
function banner(options: RunLocalOptions, runtime: LocalRuntime, live: boolean): string {
  const { urls } = runtime;
  return [
    '',
    `  Console          ${urls.console}`,
    `  Events           ${urls.events}   (PutEvents: aws events put-events --no-sign-request --region eu-north-1 --endpoint-url ${urls.events} --entries file://examples/put-events-entries.json)`,
    `  Webhooks         ${urls.webhooks}/webhooks/…`,
    `  Twilio sandbox   ${urls.twilio}${live ? '   (not used: --live)' : ''}`,
    `  SendGrid sandbox ${urls.sendgrid}${live ? '   (not used: --live)' : ''}`,
    runtime.dynamodbEngine === 'dynalite'
      ? `  dynalite         ${urls.dynamodb}   data in ${join(options.dataDir, 'dynalite')}   (no TTL expiry)`
      : `  DynamoDB Local   ${urls.dynamodb}   data in ${options.dataDir}\n                   ${DYNAMODB_LOCAL_NETWORK_NOTICE(Number(new URL(urls.dynamodb).port))}`,
    `  Clock            ×${options.speed}${options.speed === 1 ? '   (npm start -- --speed 20160 shows a 14-day reminder within a minute)' : ''}`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** Ctrl-C (or SIGTERM) stops every child, once, then exits. */
function stopOnSignals(runtime: LocalRuntime, say: (line: string) => void): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping…`);
    void runtime.stop().then(() => {
      say('stopped.');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Keep the process alive: the servers are unref'd by some parts.
  setInterval(() => undefined, 60_000);
}
