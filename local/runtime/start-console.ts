import { join } from 'node:path';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Project } from '../../functions/adapters/files/load-project.ts';
import type { MemoryMetrics } from '../../functions/adapters/metrics/memory-metrics.ts';
import type { ControllableClock } from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import type { WebhookDeps } from '../../functions/handlers/webhook-router.ts';
import { startConsoleServer } from '../console/console-server.ts';
import type { SendGridSandbox, TwilioSandbox } from '../sandboxes/index.ts';
import { createConsoleBackend } from './console-backend-impl.ts';
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
  },
  stops: Stops,
): Promise<string> {
  const { state, webhookDeps, twilio, sendgrid } = deps;
  let consoleUrl = '';
  const consoleServer = await startConsoleServer({
    port: port ?? 3000,
    metrics: deps.metrics,
    backend: createConsoleBackend({
      stores: deps.stores,
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
