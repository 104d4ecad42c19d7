// Lambda entry: provider webhooks through a Function URL → verify → record.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createLogger } from '../adapters/logging/logger.ts';
import { PowertoolsMetrics } from '../adapters/metrics/powertools-metrics.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { composeWebhook, followActive, projectPart } from '../wiring/compose.ts';
import { readDeployedProject } from './deployed-project.ts';
import { webhookRequestFromFunctionUrl } from './function-url-request.ts';
import { readEnvironment } from './lambda-environment.ts';
import {
  activeProject,
  compileVersion,
  dynamoStores,
  providerSecrets,
  queuedOutcomes,
} from './lambda-wiring.ts';
import { loadOnce } from './lazy-channel.ts';
import { createWebhookRouter, type WebhookDeps } from './webhook-router.ts';

const logger = createLogger('nudge-webhook');
// Namespace and service from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME (the stack sets both).
const metrics = new PowertoolsMetrics();
const env = readEnvironment();
// Validated at synthesis (compile-project.ts); the webhook needs the reply keywords and answers.
const project = readDeployedProject(env.NUDGE_PROJECT_DIR);

const stores = dynamoStores(env);
// Everything but the three secrets, built at init. Reply keywords and answers follow the active
// rule-set version's settings (30 s cache), as the evaluate and send functions follow its rules;
// the bundled project runs until the first request.
const base = {
  ...composeWebhook({
    stores,
    outcomes: queuedOutcomes(env),
    clock: systemClock,
    project: { settings: project.settings, rules: project.rules },
  }),
  ...(env.NUDGE_WEBHOOK_BASE_URL === undefined ? {} : { publicBaseUrl: env.NUDGE_WEBHOOK_BASE_URL }),
  metrics,
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) =>
    logger[level](message, fields ?? {}),
} satisfies Omit<WebhookDeps, 'twilioAuthToken' | 'sendgridPublicKey' | 'unsubscribeSigningKey'>;
const follow = followActive(
  activeProject({ stores, bundled: project, compile: compileVersion, log: (m, f) => logger.warn(m, f) }),
  (next) => Object.assign(base, projectPart(next)),
);
// The secrets (and the Secrets Manager client) on the first request, as the send function reads
// its own on each channel's first message: the init phase makes no Secrets Manager call. Every
// route needs one of them; an unreadable secret fails that request and the next one reads again.
const router = loadOnce(async () => {
  const secrets = await providerSecrets(env);
  const deps: WebhookDeps = Object.assign(base, {
    twilioAuthToken: secrets.twilio.authToken,
    sendgridPublicKey: secrets.sendgrid.webhookPublicKey,
    unsubscribeSigningKey: secrets.unsubscribe.signingKey,
  });
  return createWebhookRouter(deps);
});

export async function handler(
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  try {
    const route = await router();
    await follow();
    const response = await route(webhookRequestFromFunctionUrl(event));
    return { statusCode: response.status, headers: response.headers, body: response.body };
  } finally {
    metrics.flush();
  }
}
