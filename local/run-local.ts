import { join } from 'node:path';
import { DYNAMODB_LOCAL_NETWORK_NOTICE } from './dynamodb/dynamodb-local.ts';
import { type DynamoDbEngineChoice, engineForRun } from './dynamodb/local-dynamodb.ts';
import { readLiveCredentials } from './runtime/live-credentials.ts';
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
}

/** Starts the local runtime, prints what is where, and stops every child cleanly on Ctrl-C. */
export async function runLocal(options: RunLocalOptions): Promise<void> {
  if (!Number.isFinite(options.speed) || options.speed <= 0) {
    process.stderr.write(`--speed must be a positive number, not ${options.speed}\n`);
    process.exitCode = 2;
    return;
  }
  let live: ReturnType<typeof readLiveCredentials> | undefined;
  if (options.live) {
    live = readLiveCredentials(process.env, join(options.projectDir, 'nudge.secrets.json'));
    if (!live.ok) {
      process.stderr.write(`${live.error}\n`);
      process.exitCode = 2;
      return;
    }
  }
  let unsubscribeSigningKey: string | undefined;
  try {
    unsubscribeSigningKey = configuredUnsubscribeSigningKey(
      process.env,
      join(options.projectDir, 'nudge.secrets.json'),
    );
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
    return;
  }
  // --live keeps real data off storage other machines can reach (local-dynamodb.ts).
  const storage = engineForRun(options.dynamodb, options.live);
  if (!storage.ok) {
    process.stderr.write(`${storage.error}\n`);
    process.exitCode = 2;
    return;
  }
  const dynamodb = storage.engine;
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
    ...(live?.ok === true ? { live: live.credentials } : {}),
    ports: { console: options.consolePort, events: options.eventsPort },
    watch: options.watch,
    log: say,
    ...(unsubscribeSigningKey === undefined ? {} : { unsubscribeSigningKey }),
  });
  const { urls } = runtime;
  process.stdout.write(
    [
      '',
      `  Console          ${urls.console}`,
      `  Events           ${urls.events}   (PutEvents: aws events put-events --no-sign-request --region eu-north-1 --endpoint-url ${urls.events} --entries file://examples/put-events-entries.json)`,
      `  Webhooks         ${urls.webhooks}/webhooks/…`,
      `  Twilio sandbox   ${urls.twilio}${live?.ok === true ? '   (not used: --live)' : ''}`,
      `  SendGrid sandbox ${urls.sendgrid}${live?.ok === true ? '   (not used: --live)' : ''}`,
      runtime.dynamodbEngine === 'dynalite'
        ? `  dynalite         ${urls.dynamodb}   data in ${join(options.dataDir, 'dynalite')}   (no TTL expiry)`
        : `  DynamoDB Local   ${urls.dynamodb}   data in ${options.dataDir}\n                   ${DYNAMODB_LOCAL_NETWORK_NOTICE(Number(new URL(urls.dynamodb).port))}`,
      `  Clock            ×${options.speed}${options.speed === 1 ? '   (npm start -- --speed 20160 shows a 14-day reminder within a minute)' : ''}`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
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
