// Lambda entry: the operations console (the same hono app `npm start` serves) behind the HTTP API.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { handle } from 'hono/aws-lambda';
import { createLogger } from '../adapters/logging/logger.ts';
import { createConsoleApp } from '../console/console-app.ts';
import { createStoresConsoleBackend } from '../console/stores-console-backend.ts';
import { maskPiiText } from '../core/customers/mask-pii.ts';
import { readDeployedProject } from './deployed-project.ts';
import { need, readEnvironment } from './lambda-environment.ts';
import { dynamoStores } from './lambda-wiring.ts';

const logger = createLogger('nudge-console');
const env = readEnvironment();
// Validated at synthesis (compile-project.ts): the rules page shows the deployed rules.
const project = readDeployedProject(env.NUDGE_PROJECT_DIR);
const publicUrl = need(env, 'NUDGE_CONSOLE_URL');

const app = createConsoleApp({
  backend: createStoresConsoleBackend({
    stores: dynamoStores(env),
    project,
    bus: { client: new EventBridgeClient({}), name: need(env, 'NUDGE_EVENT_BUS_NAME') },
    publicUrl,
    now: () => new Date(),
  }),
  // The Host and Origin checks accept only the stack's own endpoint.
  origins: () => [new URL(publicUrl).origin],
  onError: (error) =>
    logger.error('console request failed', {
      error: error instanceof Error ? `${error.name}: ${maskPiiText(error.message)}` : 'unknown',
    }),
});

/** API Gateway HTTP API (payload 2.0) → the console app → the HTTP API's response. */
export const handler = handle(app);
