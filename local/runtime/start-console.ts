import { createServer, type Server } from 'node:http';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { getRequestListener } from '@hono/node-server';
import type { Project } from '../../functions/adapters/files/load-project.ts';
import type { MemoryMetrics } from '../../functions/adapters/metrics/memory-metrics.ts';
import type { ControllableClock } from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import type { AuditLog } from '../../functions/app/ports/audit.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import type { SendScheduler } from '../../functions/app/ports.ts';
import { createConsoleAuth } from '../../functions/console/auth/console-auth.ts';
import type { Role } from '../../functions/console/auth/roles.ts';
import { type ConsoleAuth, createConsoleApp } from '../../functions/console/console-app.ts';
import type { ConsoleBackend } from '../../functions/console/console-backend.ts';
import type { MetricsSource } from '../../functions/console/metrics-route.ts';
import type { WebhookDeps } from '../../functions/handlers/webhook-router.ts';
import type { SendGridSandbox, TwilioSandbox } from '../sandboxes/index.ts';
import { type ConsoleBackendParts, createConsoleBackend } from './console-backend-impl.ts';
import { type LocalConsoleAuth, localConsoleAuthConfig } from './local-console-auth.ts';
import { SANDBOX_SENDER } from './start-providers.ts';

type Stops = Array<() => Promise<void>>;

/** The project that runs (the last good one) and the issues of the last reload. */
export interface ProjectState {
  project: Project;
  issues: string[];
}

/** The console (on port 3000 by default); returns its URL. */
export async function startConsole(
  projectDir: string,
  port: number | undefined,
  eventsUrl: string,
  deps: {
    state: ProjectState;
    stores: Stores;
    webhookDeps: WebhookDeps;
    customersSeen: Map<string, string>;
    clock: ControllableClock;
    bus: EventBridgeClient;
    twilio: TwilioSandbox;
    sendgrid: SendGridSandbox;
    metrics: MemoryMetrics;
    /** Privacy erase deletes pending schedules through it. */
    scheduler: SendScheduler;
    /** The rule editor's publish gate, and the pointer read after a console publish. */
    ruleSetHooks?: ConsoleBackendParts['ruleSetHooks'];
  },
  stops: Stops,
  auth?: LocalConsoleAuth,
): Promise<string> {
  const { state, webhookDeps, twilio, sendgrid } = deps;
  let consoleUrl = '';
  const consoleServer = await startConsoleServer({
    port: port ?? 3000,
    metrics: deps.metrics,
    audit: deps.stores.audit,
    localUser: localUser(),
    // `--auth oidc`: the same sign-in as the console Lambda, its callback beside this console.
    ...(auth === undefined
      ? {}
      : {
          auth: (url: string) =>
            createConsoleAuth(localConsoleAuthConfig(auth, url), {
              log: (line) => process.stderr.write(`[console] ${line}\n`),
            }),
        }),
    backend: createConsoleBackend({
      stores: deps.stores,
      scheduler: deps.scheduler,
      ...(deps.ruleSetHooks === undefined ? {} : { ruleSetHooks: deps.ruleSetHooks }),
      defaultCountry: () => state.project.settings.defaults.country,
      keywords: () => webhookDeps.keywords,
      clock: deps.clock,
      bus: deps.bus,
      twilio,
      sendgrid,
      sender: SANDBOX_SENDER,
      rules: () => state.project.rules,
      project: () => state.project,
      issues: () => state.issues,
      customersSeen: deps.customersSeen,
      examplesDir: join(projectDir, 'examples', 'events'),
      endpoints: () => ({
        console: consoleUrl,
        events: eventsUrl,
        twilio: twilio.url,
        sendgrid: sendgrid.url,
      }),
    }),
  });
  consoleUrl = consoleServer.url;
  stops.push(() => consoleServer.stop());
  return consoleServer.url;
}

/** How to start the console locally. */
export interface ConsoleServerOptions {
  backend: ConsoleBackend;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Told about unexpected failures; by default a PII-masked line on stderr. */
  onError?: (error: unknown) => void;
  /** Served at `GET /api/metrics`: the local runtime's in-memory metrics. */
  metrics?: MetricsSource;
  /**
   * Sign-in, built once the console's URL (its port) is known; without it the console is open,
   * which is why it only ever listens on loopback.
   */
  auth?: (consoleUrl: string) => ConsoleAuth;
  /** Where every write is recorded (`/audit`); without it nothing is. */
  audit?: AuditLog;
  /** Who an open console's requests are audited as (`local:<os user>`), with every role unless narrowed. */
  localUser?: { sub: string; name: string; roles?: Role[] };
}

/** A running console. */
export interface ConsoleServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:49152`. */
  url: string;
  /** Stops listening, closes open connections and waits for the server to close. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * Serves the console app (functions/console) on node:http through @hono/node-server, bound to
 * 127.0.0.1 only; it answers to `127.0.0.1:<port>` and `localhost:<port>`.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  // Listen first: sign-in needs the console's own URL (its callback) before the app is built.
  const handler: { listener?: ReturnType<typeof getRequestListener> } = {};
  const server = createServer((req, res) => {
    if (handler.listener === undefined) res.writeHead(503).end();
    else void handler.listener(req, res);
  });
  const port = await listen(server, options.port ?? 0);
  const url = `http://${HOST}:${port}`;
  const origins = [url, `http://localhost:${port}`];
  const app = createConsoleApp({
    backend: options.backend,
    origins: () => origins,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.auth === undefined ? {} : { auth: options.auth(url) }),
    ...(options.audit === undefined ? {} : { audit: options.audit }),
    ...(options.localUser === undefined ? {} : { localUser: options.localUser }),
  });
  handler.listener = getRequestListener(app.fetch);
  let stopping: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/** The open local console's user, as the audit names it: `local:<os user>`. */
function localUser(): { sub: string; name: string } {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment's name, if any.
    name = process.env.USER ?? 'unknown';
  }
  return { sub: `local:${name}`, name: `local:${name}` };
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('console server has no TCP address');
  return address.port;
}
