import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DateTime } from 'luxon';
import { loadProjectFolder } from '../../functions/adapters/files/load-project.ts';
import { MemoryMetrics } from '../../functions/adapters/metrics/memory-metrics.ts';
import { ControllableClock } from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import type { DeadLetter } from '../../functions/adapters/sqs/in-process-send-queue.ts';
import type { ActiveProject } from '../../functions/app/active-project.ts';
import type { EvaluationResult } from '../../functions/app/evaluate-event.ts';
import type { MessageStore } from '../../functions/app/ports/messages.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import type { ChannelSender, OutcomePublisher, SendScheduler } from '../../functions/app/ports.ts';
import { maskPiiText } from '../../functions/core/customers/mask-pii.ts';
import { formatRuleIssue } from '../../functions/core/rules/parse-rule-files.ts';
import type { Channel } from '../../functions/core/rules/rule-schema.ts';
import { timedChannels } from '../../functions/handlers/send-records.ts';
import { createWebhookRouter, type WebhookDeps } from '../../functions/handlers/webhook-router.ts';
import { followActive } from '../../functions/wiring/compose.ts';
import { composeNudge } from '../../functions/wiring/compose-send.ts';
import type { EventBridgeEvent } from '../aws/put-events-server.ts';
import type { DynamoDbEngine, DynamoDbEngineChoice } from '../dynamodb/local-dynamodb.ts';
import type { startSendGridSandbox, startTwilioSandbox } from '../sandboxes/index.ts';
import { localRuleSetHooks } from './console-gate.ts';
import type { LiveCredentials } from './live-credentials.ts';
import type { LocalConsoleAuth } from './local-console-auth.ts';
import { watchProject } from './project-watcher.ts';
import { type LocalProject, projectContent, publishIfChanged, startRuleSets } from './rule-versions.ts';
import { writeRuntimeFile } from './runtime-file.ts';
import { runtimeHandle, startSendQueue } from './runtime-handle.ts';
import { type ProjectState, startConsole } from './start-console.ts';
import { ingestStep, type NudgeHolder, type SendBacklog, startDemo, startEventBus } from './start-events.ts';
import { buildSenders, providerKeys, startSandboxes } from './start-providers.ts';
import { restoreSchedules, startStorage, TABLE } from './start-storage.ts';
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
  /** Console sign-in (`nudge start --auth oidc`); absent: the console is open on 127.0.0.1. */
  consoleAuth?: LocalConsoleAuth;
  /**
   * Back-pressure: PutEvents waits while `limit` messages (default 50) are evaluated with a send
   * due and not yet sent, and answers `ThrottlingException` after `maxWaitMs` (default 30 s).
   */
  sendBacklog?: { limit?: number; maxWaitMs?: number };
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

type Log = (line: string) => void;
type Stops = Array<() => Promise<void>>;

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

/**
 * Every line is masked here, once, whoever composed it: an error message from an SDK or a
 * rejected event may quote a phone number or an email, and one that quotes its request may
 * carry a credential (as itself, or inside a Basic authorization header). Secrets pushed onto
 * `secrets` later are redacted from then on.
 */
function maskingLog(rawLog: Log): { log: Log; secrets: string[] } {
  const secrets: string[] = [];
  const log = (line: string) => {
    let safe = line;
    for (const secret of secrets) safe = safe.replaceAll(secret, '[redacted]');
    rawLog(maskPiiText(safe));
  };
  return { log, secrets };
}

/** Starts every part in order; each pushes its stop onto `stops` as soon as it runs. */
async function start(
  options: LocalRuntimeOptions,
  rawLog: Log,
  stops: Stops,
  stop: () => Promise<void>,
): Promise<LocalRuntime> {
  const { log, secrets } = maskingLog(rawLog);
  const dir = options.projectDir;
  // The same reader as synthesis and `nudge rules validate`: issues are located relative to the project.
  const project = loadProjectFolder(dir);
  if (project.issues.length > 0) {
    throw new Error(`rules or templates are invalid:\n${project.issues.map(formatRuleIssue).join('\n')}`);
  }
  const state: ProjectState = { project, issues: [] };
  const clock = new ControllableClock({
    start: options.clockStart ?? DateTime.utc(),
    speed: options.speed ?? 1,
  });
  const { dynamo, dynamoClient, firstStart, stores } = await startStorage(options, clock, log, stops);
  const { active, initial } = await startRuleSets({ ruleSets: stores.ruleSets, dir, project, clock, log });

  // Webhooks first: the sandboxes need their URL; the router needs the sandboxes' keys.
  const router: { route?: ReturnType<typeof createWebhookRouter> } = {};
  const webhooks = await startWebhookHttpServer({
    port: options.ports?.webhooks ?? 0,
    route: (request) =>
      router.route === undefined
        ? Promise.resolve({ status: 503, headers: {}, body: 'starting' })
        : router.route(request),
    onError: (error) => log(`webhook error: ${String(error)}`),
  });
  stops.push(() => webhooks.stop());
  const keys = providerKeys(options, secrets);
  const providerReports = options.providerReports ?? 'auto';
  const { twilio, sendgrid } = await startSandboxes(keys, providerReports, webhooks.url, clock, stops);

  const outcomes: EventBridgeEvent[] = [];
  const customersSeen = new Map<string, string>();
  const holder: NudgeHolder = {};
  // The metrics the Lambda functions write to CloudWatch, counted here (GET /api/metrics).
  const metrics = new MemoryMetrics();
  const ingest = ingestStep({ holder, metrics, customersSeen, clock, log });
  const eventsPort = options.ports?.events ?? 4010;
  const busDeps = { clock, log, stops, backPressure: options.sendBacklog };
  const { events, bus, publisher, backlog } = await startEventBus(eventsPort, ingest, outcomes, busDeps);
  const senders = buildSenders({
    keys,
    live: options.live,
    providerTimeoutMs: options.providerTimeoutMs,
    urls: { twilio: twilio.url, sendgrid: sendgrid.url, webhooks: webhooks.url },
    unsubscribeLinkDays: state.project.settings.unsubscribe.linkDays,
    clock,
  });
  const { queue, scheduler } = startSendQueue(holder, metrics, log, clock, stops, backlog);
  const webhookKeys = {
    unsubscribeSigningKey: keys.unsubscribeSigningKey,
    twilioAuthToken: options.live?.twilio.authToken ?? keys.authToken,
    sendgridPublicKey: options.live?.sendgrid.webhookPublicKey ?? sendgrid.publicKey,
    publicBaseUrl: webhooks.url,
  };
  const built: SendPorts = { messages: stores.messages, channels: senders };
  const composed = { initial, holder, stores, scheduler, clock, metrics, publisher, log, backlog };
  const webhookDeps = wire(options, composed, built, webhookKeys);
  router.route = createWebhookRouter(webhookDeps);
  followRuleSets(holder, active, webhookDeps);

  // Messages scheduled before a restart live in DynamoDB: give them back to the scheduler.
  const restored = await restoreSchedules(stores.queries, scheduler);
  if (restored > 0) log(`restored ${restored} scheduled message(s) from ${options.dataDir ?? 'the table'}`);
  scheduler.start();
  if (options.watch !== false) await watchRules(dir, { state, holder, stores, active, clock }, log, stops);
  const consoleDeps = { state, stores, webhookDeps, customersSeen, clock, bus, twilio, sendgrid, metrics };
  const ruleSetHooks = localRuleSetHooks(dir, stores.events, clock, active);
  const consoleParts = { ...consoleDeps, scheduler, ruleSetHooks };
  const consolePort = options.ports?.console;
  const consoleUrl = await startConsole(
    dir,
    consolePort,
    events.url,
    consoleParts,
    stops,
    options.consoleAuth,
  );
  if (options.demo ?? firstStart) startDemo(join(dir, 'examples', 'events'), bus, { clock, log, stops });

  const urls = { console: consoleUrl, events: events.url, webhooks: webhooks.url, dynamodb: dynamo.endpoint };
  if (options.dataDir !== undefined) {
    const runtime = { pid: process.pid, dynamodbEndpoint: dynamo.endpoint, tableName: TABLE };
    stops.push(writeRuntimeFile(options.dataDir, { ...runtime, consoleUrl, eventsUrl: events.url }));
  }
  const parts = { dynamoClient, stores, clock, twilio, sendgrid, queue, scheduler, ingest, outcomes };
  return runtimeHandle(urls, dynamo.engine, parts, stop);
}

/**
 * Before each event and each send, the composition moves onto the active rule-set version (one
 * pointer read per cache period, as in Lambda); the webhook router's copy of its part too.
 */
function followRuleSets(
  holder: NudgeHolder,
  active: ActiveProject<LocalProject>,
  webhookDeps: WebhookDeps,
): void {
  const nudge = holder.nudge;
  if (nudge === undefined) return;
  nudge.follow = followActive(active, (next) => {
    nudge.reload(next);
    Object.assign(webhookDeps, nudge.webhook);
  });
}

/**
 * Composes the production use cases on the local ports (into `holder`) and returns the webhook
 * router's dependencies.
 */
function wire(
  options: LocalRuntimeOptions,
  parts: {
    initial: LocalProject;
    holder: NudgeHolder;
    stores: Stores;
    scheduler: SendScheduler;
    clock: ControllableClock;
    metrics: MemoryMetrics;
    publisher: OutcomePublisher;
    log: Log;
    backlog: SendBacklog;
  },
  built: SendPorts,
  keys: Pick<
    WebhookDeps,
    'unsubscribeSigningKey' | 'twilioAuthToken' | 'sendgridPublicKey' | 'publicBaseUrl'
  >,
): WebhookDeps {
  const project = parts.initial;
  const sendPorts = options.decorateSendPorts?.(built) ?? built;
  const nudge = composeNudge({
    stores: parts.stores,
    sendStores: { messages: sendPorts.messages },
    // Sends due now count in the backlog the PutEvents endpoint's back-pressure bounds.
    scheduler: parts.backlog.watch(parts.scheduler),
    clock: parts.clock,
    project,
    catalog: project.catalog,
    channels: timedChannels(sendPorts.channels, parts.metrics),
    outcomes: parts.publisher,
  });
  parts.holder.nudge = nudge;
  const log = parts.log;
  return {
    ...nudge.webhook,
    unsubscribeSigningKey: keys.unsubscribeSigningKey,
    twilioAuthToken: keys.twilioAuthToken,
    sendgridPublicKey: keys.sendgridPublicKey,
    publicBaseUrl: keys.publicBaseUrl,
    log: (level, message, fields) => log(`webhook ${level}: ${message} ${JSON.stringify(fields ?? {})}`),
    metrics: parts.metrics,
  };
}

/**
 * Hot reload: a valid edit of the project files is published as a new local version, and the
 * runtime moves onto it at once (a forced pointer read, then the same follow as every event);
 * an edit that breaks a rule publishes nothing, and the last good version keeps running.
 */
async function watchRules(
  dir: string,
  parts: {
    state: ProjectState;
    holder: NudgeHolder;
    stores: Stores;
    active: ActiveProject<LocalProject>;
    clock: ControllableClock;
  },
  log: Log,
  stops: Stops,
): Promise<void> {
  const { state } = parts;
  const reload = async () => {
    const next = loadProjectFolder(dir);
    state.issues = next.issues.map(formatRuleIssue);
    if (state.issues.length > 0) {
      log(`rules NOT published (the last good version keeps running):\n  ${state.issues.join('\n  ')}`);
      return;
    }
    const content = projectContent(dir, next);
    const published = await publishIfChanged(
      parts.stores.ruleSets,
      content,
      parts.clock,
      'edited project files',
    );
    await parts.active.refresh();
    await parts.holder.nudge?.follow?.();
    // The console shows the new rules once the runtime runs them.
    state.project = next;
    log(`rules reloaded: ${next.rules.length} rule(s) valid, version ${published.version} active`);
  };
  const watcher = watchProject(
    dir,
    () => {
      reload().catch((error: unknown) =>
        log(`rules NOT published: ${error instanceof Error ? error.message : String(error)}`),
      );
    },
    { onError: (error) => log(`watching the project: ${error}`) },
  );
  await watcher.ready;
  stops.push(() => watcher.close());
}
