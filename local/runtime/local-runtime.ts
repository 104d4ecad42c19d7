import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DateTime } from 'luxon';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { EventBridgeOutcomePublisher } from '../../functions/adapters/eventbridge/eventbridge-outcome-publisher.ts';
import { loadProjectFolder } from '../../functions/adapters/files/load-project.ts';
import { MemoryMetrics } from '../../functions/adapters/metrics/memory-metrics.ts';
import {
  ControllableClock,
  LocalSendScheduler,
} from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import { createSendGridMail } from '../../functions/adapters/sendgrid/sendgrid-client.ts';
import { SendGridEmailSender } from '../../functions/adapters/sendgrid/sendgrid-email-sender.ts';
import { type DeadLetter, InProcessSendQueue } from '../../functions/adapters/sqs/in-process-send-queue.ts';
import { createTwilioClient } from '../../functions/adapters/twilio/twilio-client.ts';
import { TwilioSmsSender } from '../../functions/adapters/twilio/twilio-sms-sender.ts';
import { type EvaluationResult, evaluateEvent } from '../../functions/app/evaluate-event.ts';
import type { MessageRecord } from '../../functions/app/message-record.ts';
import type { ConsoleQueries } from '../../functions/app/ports/console-queries.ts';
import type { MessageStore } from '../../functions/app/ports/messages.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import type { ChannelSender } from '../../functions/app/ports.ts';
import { sendMessage } from '../../functions/app/send-message.ts';
import { maskPiiText } from '../../functions/core/customers/mask-pii.ts';
import { readPath } from '../../functions/core/paths.ts';
import { formatRuleIssue, type LoadedRule } from '../../functions/core/rules/parse-rule-files.ts';
import type { Channel } from '../../functions/core/rules/rule-schema.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import { countEvaluation } from '../../functions/handlers/evaluate-records.ts';
import { countSendOutcome, timedChannels } from '../../functions/handlers/send-records.ts';
import { createWebhookRouter, type WebhookDeps } from '../../functions/handlers/webhook-router.ts';
import { type Composition, composeNudge } from '../../functions/wiring/compose-send.ts';
import { type EventBridgeEvent, startPutEventsServer } from '../aws/put-events-server.ts';
import { startConsoleServer } from '../console/console-server.ts';
import {
  type DynamoDbEngine,
  type DynamoDbEngineChoice,
  localDynamoDbDataDirs,
  startLocalDynamoDb,
} from '../dynamodb/local-dynamodb.ts';
import { createLocalJourneyTable } from '../dynamodb/local-journey-table.ts';
import { startSendGridSandbox, startTwilioSandbox } from '../sandboxes/index.ts';
import { createConsoleBackend } from './console-backend-impl.ts';
import { loadDemoJourneys } from './demo-journeys.ts';
import type { LiveCredentials } from './live-credentials.ts';
import { watchProject } from './project-watcher.ts';
import { localUnsubscribeSigningKey } from './unsubscribe-signing-key.ts';
import { startWebhookHttpServer } from './webhook-http-server.ts';

/** How to run Nudge on one machine. */
export interface LocalRuntimeOptions {
  /** Where rules/, templates/, nudge.config.yaml and examples/ are. */
  projectDir: string;
  /** Keep DynamoDB data here across restarts; in memory when absent. */
  dataDir?: string;
  /** Wipe `dataDir` first. */
  fresh?: boolean;
  /**
   * `auto` (default): DynamoDB Local, or dynalite with a one-line notice when Java 17+ is not
   * usable. `dynamodb-local` or `dynalite` to insist on one.
   */
  dynamodb?: DynamoDbEngineChoice;
  /** Virtual seconds per real second (1 = real time, 0 = frozen until moved, for tests). */
  speed?: number;
  /** Virtual time to start at (default: now). */
  clockStart?: DateTime;
  /** Play the example journeys (moved to start now). */
  demo?: boolean;
  /** Send through the real Twilio and SendGrid instead of the sandboxes. */
  live?: LiveCredentials;
  /** 0 picks a free port (tests); defaults: console 3000, events 4010. */
  ports?: { console?: number; events?: number; webhooks?: number };
  /** Re-validate and reload rules and templates when they change (default true). */
  watch?: boolean;
  /**
   * Where the runtime's log lines go. Phone numbers and emails are masked before a line gets
   * here, and no line carries a provider credential.
   */
  log?: (line: string) => void;
  /**
   * Credentials the sandboxes accept (default: random per start). Known values let a developer
   * point another client at the sandboxes, and let tests prove they never reach a log line.
   */
  sandboxCredentials?: SandboxCredentials;
  /**
   * `auto` (default): the sandboxes report delivery by themselves, 50 ms after accepting a
   * message. `manual`: only when told (`twilio.deliverOutcome(sid)`,
   * `sendgrid.deliverOutcome(id)`), to look at a message while it is `sent`, or to decide
   * whether a report arrives before or after something else.
   */
  providerReports?: 'auto' | 'manual';
  /** How long a call to the Twilio or SendGrid sandbox may take before it counts as a timeout (default 5 s). */
  providerTimeoutMs?: number;
  /**
   * Decorates the ports of the send step (the store it records through, the channel senders),
   * e.g. to trace every provider call or to inject a crash between two steps. Default: as built.
   */
  decorateSendPorts?: (ports: SendPorts) => SendPorts;
  /**
   * Signs the one-click unsubscribe links in every email (default: generated once into
   * `<dataDir>/unsubscribe-signing-key`, or random per start without a data dir). Never logged.
   */
  unsubscribeSigningKey?: string;
}

/** The sandboxes' credentials: a Twilio account SID (`AC` + 32 hex) and auth token, a SendGrid API key. */
interface SandboxCredentials {
  twilioAccountSid: string;
  twilioAuthToken: string;
  sendgridApiKey: string;
}

/** The ports the send step uses, for {@link LocalRuntimeOptions.decorateSendPorts}. */
export interface SendPorts {
  messages: MessageStore;
  channels: Readonly<Record<Channel, ChannelSender>>;
}

/** A running local Nudge. */
export interface LocalRuntime {
  urls: {
    console: string;
    events: string;
    webhooks: string;
    twilio: string;
    sendgrid: string;
    dynamodb: string;
  };
  /** Which DynamoDB API server runs: DynamoDB Local, or the dynalite fallback. */
  dynamodbEngine: DynamoDbEngine;
  clock: ControllableClock;
  /** Every store port, on the local table (tests look records and STOPs up here). */
  stores: Stores;
  twilio: Awaited<ReturnType<typeof startTwilioSandbox>>;
  sendgrid: Awaited<ReturnType<typeof startSendGridSandbox>>;
  /** The DynamoDB client the store uses (tests count its calls). */
  dynamoClient: DynamoDBClient;
  /** The journey table in the local DynamoDB. */
  tableName: string;
  /** Hands a message id to the send queue directly, as a redelivery would (tests). */
  enqueue(messageId: string): Promise<void>;
  /**
   * Evaluates one event envelope as the ingest path does (PutEvents assigns a new id to every
   * entry, so this is how a duplicated or redelivered envelope reaches the engine again).
   */
  evaluate(event: unknown): Promise<EvaluationResult>;
  /** Sends waiting for their time, earliest first. */
  pendingSends(): Array<{ messageId: string; at: DateTime }>;
  /**
   * Fires the schedules due by the clock's current time and waits for the send queue to empty,
   * without waiting for provider callbacks (see {@link settle} for that).
   */
  drain(): Promise<void>;
  /** Send requests that failed on every delivery of the queue (its dead-letter list). */
  deadLetters(): ReadonlyArray<DeadLetter>;
  /** Outcome events Nudge put back on the bus (source `nudge`), oldest first. */
  outcomes(): EventBridgeEvent[];
  /** Waits until queued sends and provider callbacks have settled (tests, demos). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const TABLE = 'nudge-local';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const SANDBOX_SENDER = '+46766861004';
/**
 * Sends in flight at once: what the deployed send function allows at its defaults (event source
 * maxConcurrency 5 × batch size 5, infra/constructs/sending.ts). Locally the send step shares one
 * event loop with ingest, so a smaller bound starves it: with 4, ten busy producers got most of
 * the loop and the queue grew without end (bench/e2e.bench.ts: p99 10 s instead of under 1 s).
 */
const SEND_QUEUE_CONCURRENCY = 25;

/**
 * Starts the whole service on 127.0.0.1 with the production use cases and handlers: DynamoDB
 * Local (the real DynamoDB API; dynalite when Java is missing), the Twilio and SendGrid
 * sandboxes, a PutEvents endpoint, an in-process send queue and scheduler on a clock that can run
 * faster than real time, the webhook router, and the console.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    return await start(options, log, stops, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function start(
  options: LocalRuntimeOptions,
  rawLog: (line: string) => void,
  stops: Array<() => Promise<void>>,
  stop: () => Promise<void>,
): Promise<LocalRuntime> {
  // Every line is masked here, once, whoever composed it: an error message from an SDK or a
  // rejected event may quote a phone number or an email, and one that quotes its request may
  // carry a credential (as itself, or inside a Basic authorization header).
  const secrets: string[] = [];
  const log = (line: string) => {
    let safe = line;
    for (const secret of secrets) safe = safe.replaceAll(secret, '[redacted]');
    rawLog(maskPiiText(safe));
  };
  const dir = options.projectDir;
  // The same reader as synthesis and `nudge rules validate`: issues are located relative to the project.
  let project = loadProjectFolder(dir);
  if (project.issues.length > 0) {
    throw new Error(`rules or templates are invalid:\n${project.issues.map(formatRuleIssue).join('\n')}`);
  }
  const clock = new ControllableClock({
    start: options.clockStart ?? DateTime.utc(),
    speed: options.speed ?? 1,
  });

  // DynamoDB Local (or dynalite): persisted in dataDir unless --fresh wipes it, for both engines,
  // so switching engines after --fresh never finds the other one's old data.
  if (options.fresh === true && options.dataDir !== undefined) {
    for (const dir of Object.values(localDynamoDbDataDirs(options.dataDir)))
      rmSync(dir, { recursive: true, force: true });
  }
  const dynamo = await startLocalDynamoDb({
    engine: options.dynamodb ?? 'auto',
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  stops.push(() => dynamo.stop());
  if (dynamo.notice !== undefined) log(dynamo.notice);
  const dynamoClient = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-north-1',
    credentials: LOCAL_CREDENTIALS,
  });
  // Stopped before the server (stops run in reverse): no keep-alive socket holds dynalite's close.
  stops.push(async () => dynamoClient.destroy());
  const firstStart = !(await tableExists(dynamoClient));
  await createLocalJourneyTable(dynamoClient, TABLE, dynamo.engine, log);
  const stores = createDynamoStores({ tableName: TABLE, client: dynamoClient, clock });

  // Webhooks first: the sandboxes need their URL; the router needs the sandboxes' keys.
  let route: ReturnType<typeof createWebhookRouter> | undefined;
  const webhooks = await startWebhookHttpServer({
    port: options.ports?.webhooks ?? 0,
    route: (request) =>
      route === undefined ? Promise.resolve({ status: 503, headers: {}, body: 'starting' }) : route(request),
    onError: (error) => log(`webhook error: ${String(error)}`),
  });
  stops.push(() => webhooks.stop());

  const accountSid = options.sandboxCredentials?.twilioAccountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = options.sandboxCredentials?.twilioAuthToken ?? randomBytes(16).toString('hex');
  const apiKey = options.sandboxCredentials?.sendgridApiKey ?? `SG.${randomBytes(16).toString('hex')}`;
  const live = options.live;
  for (const [sid, token] of [
    [accountSid, authToken],
    ...(live === undefined ? [] : [[live.twilio.accountSid, live.twilio.authToken]]),
  ]) {
    if (sid === undefined || token === undefined) continue;
    secrets.push(token, Buffer.from(`${sid}:${token}`).toString('base64'));
  }
  secrets.push(apiKey, ...(live === undefined ? [] : [live.sendgrid.apiKey]));
  const unsubscribeSigningKey = options.unsubscribeSigningKey ?? localUnsubscribeSigningKey(options.dataDir);
  secrets.push(unsubscribeSigningKey);
  const twilio = await startTwilioSandbox({
    accountSid,
    authToken,
    inboundWebhookUrl: `${webhooks.url}/webhooks/twilio/inbound`,
    statusCallbackDelayMs: 50,
    statusCallbacks: options.providerReports ?? 'auto',
    // Providers' timestamps (and SendGrid's signed ones) follow the virtual clock.
    now: () => clock.now().toJSDate(),
  });
  stops.push(() => twilio.stop());
  const sendgrid = await startSendGridSandbox({
    apiKey,
    eventWebhookUrl: `${webhooks.url}/webhooks/sendgrid/events`,
    eventDelayMs: 50,
    events: options.providerReports ?? 'auto',
    now: () => clock.now().toJSDate(),
  });
  stops.push(() => sendgrid.stop());

  // Outcome events go back on the (local) bus through the real EventBridge SDK.
  const outcomes: EventBridgeEvent[] = [];
  const customersSeen = new Map<string, string>();
  let nudge: Composition | undefined;
  // The metrics the Lambda functions write to CloudWatch, counted here (GET /api/metrics).
  const metrics = new MemoryMetrics();
  // The ingest step for one journey event, whichever way it arrived (PutEvents, or a redelivery).
  const ingest = async (event: unknown): Promise<EvaluationResult> => {
    if (nudge === undefined) throw new Error('not started');
    const result = await evaluateEvent(event, nudge.evaluate);
    countEvaluation(result, metrics);
    const id = readPath(event, 'detail.customer.id') ?? readPath(event, 'detail.customerId');
    if (typeof id === 'string') customersSeen.set(id, clock.now().toISO() ?? '');
    const counted = result.counted.map(
      (entry) =>
        `, ${entry.ruleId}: ${entry.outcome}${entry.count === undefined ? '' : ` (${entry.count} in window${entry.crossing === undefined ? '' : `, ${entry.crossing}`})`}`,
    );
    log(
      `event ${String(readPath(event, 'detail-type'))} ${result.eventId ?? '(no id)'}: ${result.rejected ?? `${result.planned.length} planned, ${result.closed.length} closed${counted.join('')}`}`,
    );
    return result;
  };
  const events = await startPutEventsServer({
    port: options.ports?.events ?? 4010,
    now: () => clock.now().toJSDate(),
    onEvents: async (delivered) => {
      for (const event of delivered) {
        if (event.source === 'nudge') {
          outcomes.push(event);
          log(
            `outcome ${event['detail-type']} ${JSON.stringify(event.detail.messageId ?? event.detail.replyId ?? '')}`,
          );
          continue;
        }
        await ingest(event);
      }
    },
  });
  stops.push(() => events.stop());
  const bus = new EventBridgeClient({
    endpoint: events.url,
    region: 'eu-north-1',
    credentials: LOCAL_CREDENTIALS,
  });
  const publisher = new EventBridgeOutcomePublisher({ client: bus, busName: 'default' });

  const smsSender = new TwilioSmsSender({
    client: createTwilioClient(
      live === undefined
        ? { accountSid, authToken, apiBaseUrl: twilio.url, timeoutMs: options.providerTimeoutMs ?? 5000 }
        : { accountSid: live.twilio.accountSid, authToken: live.twilio.authToken, timeoutMs: 10_000 },
    ),
    ...(live === undefined
      ? { from: SANDBOX_SENDER, statusCallbackBaseUrl: webhooks.url }
      : live.twilio.messagingServiceSid === undefined
        ? { from: live.twilio.from ?? SANDBOX_SENDER }
        : { messagingServiceSid: live.twilio.messagingServiceSid }),
  });
  const emailSender = new SendGridEmailSender({
    mail:
      live === undefined
        ? createSendGridMail({
            apiKey,
            apiBaseUrl: sendgrid.url,
            timeoutMs: options.providerTimeoutMs ?? 5000,
          })
        : createSendGridMail({ apiKey: live.sendgrid.apiKey, timeoutMs: 10_000 }),
    from:
      live === undefined ? { email: 'nudge@acme.example', name: 'Acme' } : { email: live.sendgrid.fromEmail },
    // One-click unsubscribe links point at the local webhook server. Not in --live mail: a link
    // to this machine's loopback means nothing in a real mailbox.
    ...(live === undefined
      ? {
          unsubscribe: {
            baseUrl: webhooks.url,
            signingKey: unsubscribeSigningKey,
            ttlDays: project.settings.unsubscribe.linkDays,
            nowEpochSeconds: () => Math.floor(clock.now().toSeconds()),
          },
        }
      : {}),
  });

  // The send path: scheduler → in-process queue (at least once, bounded concurrency) → send use case.
  const queue = new InProcessSendQueue({
    concurrency: SEND_QUEUE_CONCURRENCY,
    handler: async (messageId) => {
      if (nudge === undefined) throw new Error('not started');
      const outcome = await sendMessage(messageId, nudge.send);
      countSendOutcome(outcome, metrics);
      log(`send ${messageId}: ${outcome.kind}${'reason' in outcome ? ` (${outcome.reason})` : ''}`);
    },
    onError: (failure) => log(`send ${failure.messageId} failed, will retry: ${String(failure.error)}`),
  });
  const scheduler = new LocalSendScheduler({ clock, queue });
  stops.push(async () => {
    scheduler.stop();
    await queue.close();
  });

  const rulesOf = (loaded: LoadedRule[]) => compileRuleSet(loaded.map((item) => item.rule));
  const built: SendPorts = { messages: stores.messages, channels: { sms: smsSender, email: emailSender } };
  const sendPorts = options.decorateSendPorts?.(built) ?? built;
  nudge = composeNudge({
    stores,
    sendStores: { messages: sendPorts.messages },
    scheduler,
    clock,
    project: { settings: project.settings, rules: rulesOf(project.rules) },
    catalog: project.catalog,
    channels: timedChannels(sendPorts.channels, metrics),
    outcomes: publisher,
  });
  const webhookDeps: WebhookDeps = {
    ...nudge.webhook,
    unsubscribeSigningKey,
    twilioAuthToken: live?.twilio.authToken ?? authToken,
    sendgridPublicKey: live?.sendgrid.webhookPublicKey ?? sendgrid.publicKey,
    publicBaseUrl: webhooks.url,
    log: (level, message, fields) => log(`webhook ${level}: ${message} ${JSON.stringify(fields ?? {})}`),
    metrics,
  };
  route = createWebhookRouter(webhookDeps);

  // Messages scheduled before a restart live in DynamoDB: give them back to the scheduler.
  const restored = await restoreSchedules(stores.queries, scheduler);
  if (restored > 0) log(`restored ${restored} scheduled message(s) from ${options.dataDir ?? 'the table'}`);
  scheduler.start();

  // Hot reload: the last good set keeps running when an edit breaks a rule.
  let issues: string[] = [];
  const reload = () => {
    const next = loadProjectFolder(dir);
    issues = next.issues.map(formatRuleIssue);
    if (issues.length > 0) {
      log(`rules NOT reloaded (the last good set keeps running):\n  ${issues.join('\n  ')}`);
      return;
    }
    project = next;
    nudge?.reload({ settings: next.settings, rules: rulesOf(next.rules), catalog: next.catalog });
    // The router holds a copy of the webhook's dependencies: give it the reloaded part too.
    Object.assign(webhookDeps, nudge?.webhook);
    log(`rules reloaded: ${next.rules.length} rule(s) valid`);
  };
  if (options.watch !== false) {
    const watcher = watchProject(dir, reload, { onError: (error) => log(`watching the project: ${error}`) });
    await watcher.ready;
    stops.push(() => watcher.close());
  }

  let consoleUrl = '';
  const consoleServer = await startConsoleServer({
    port: options.ports?.console ?? 3000,
    metrics,
    backend: createConsoleBackend({
      stores,
      defaultCountry: () => project.settings.defaults.country,
      keywords: () => webhookDeps.keywords,
      clock,
      bus,
      twilio,
      sendgrid,
      sender: SANDBOX_SENDER,
      rules: () => project.rules,
      issues: () => issues,
      customersSeen,
      examplesDir: join(dir, 'examples', 'events'),
      endpoints: () => ({
        console: consoleUrl,
        events: events.url,
        twilio: twilio.url,
        sendgrid: sendgrid.url,
      }),
    }),
  });
  consoleUrl = consoleServer.url;
  stops.push(() => consoleServer.stop());

  // The demo: the example journeys, moved to start now, put on the bus as their time comes.
  if (options.demo ?? firstStart) {
    const demo = loadDemoJourneys(join(dir, 'examples', 'events'), clock.now());
    let index = 0;
    const tick = setInterval(() => {
      const due: typeof demo = [];
      while (
        index < demo.length &&
        (demo[index]?.at.toMillis() ?? Number.POSITIVE_INFINITY) <= clock.nowMillis()
      ) {
        const next = demo[index];
        if (next !== undefined) due.push(next);
        index++;
      }
      if (due.length === 0) return;
      void bus
        .send(
          new PutEventsCommand({
            Entries: due.map((event) => ({
              Source: event.source,
              DetailType: event.detailType,
              Detail: JSON.stringify(event.detail),
              Time: event.at.toJSDate(),
            })),
          }),
        )
        .catch((error: unknown) => log(`demo event failed: ${String(error)}`));
    }, 100);
    stops.push(async () => clearInterval(tick));
    log(`demo: ${demo.length} journey events from examples/events, starting now`);
  }

  return {
    urls: {
      console: consoleServer.url,
      events: events.url,
      webhooks: webhooks.url,
      twilio: twilio.url,
      sendgrid: sendgrid.url,
      dynamodb: dynamo.endpoint,
    },
    dynamodbEngine: dynamo.engine,
    clock,
    stores,
    dynamoClient,
    tableName: TABLE,
    enqueue: (messageId) => queue.enqueue(messageId),
    evaluate: ingest,
    pendingSends: () => scheduler.pending(),
    drain: async () => {
      // A send may schedule another one due now (a duplicate finding the lease held): repeat.
      for (let round = 0; round < 5; round++) {
        await scheduler.advanceTo(clock.now());
        await queue.drain();
      }
    },
    deadLetters: () => queue.deadLetters(),
    twilio,
    sendgrid,
    outcomes: () => [...outcomes],
    settle: async () => {
      for (let round = 0; round < 5; round++) {
        await scheduler.advanceTo(clock.now());
        await queue.drain();
        await twilio.whenIdle();
        await sendgrid.whenIdle();
      }
    },
    stop,
  };
}

async function tableExists(client: DynamoDBClient): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: TABLE }));
    return true;
  } catch {
    return false;
  }
}

async function restoreSchedules(queries: ConsoleQueries, scheduler: LocalSendScheduler): Promise<number> {
  let cursor: string | undefined;
  let restored = 0;
  do {
    const page: { items: MessageRecord[]; cursor?: string } = await queries.listMessages({
      limit: 100,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const record of page.items) {
      if (record.status !== 'scheduled') continue;
      await scheduler.schedule(record.messageId, DateTime.fromISO(record.sendAt, { zone: 'utc' }));
      restored++;
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return restored;
}
