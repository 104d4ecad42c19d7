// Lambda entry: SQS (due message ids) → send through Twilio or SendGrid.
import { createLogger } from '../adapters/logging/logger.ts';
import { PowertoolsMetrics } from '../adapters/metrics/powertools-metrics.ts';
import { createSendGridMail } from '../adapters/sendgrid/sendgrid-client.ts';
import { SendGridEmailSender } from '../adapters/sendgrid/sendgrid-email-sender.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { createTwilioClient } from '../adapters/twilio/twilio-client.ts';
import { TwilioSmsSender } from '../adapters/twilio/twilio-sms-sender.ts';
import type { RuleSetContent } from '../app/ports/rule-sets.ts';
import { catalogRenderer } from '../app/render-factory.ts';
import { buildTemplateCatalog } from '../core/messages/template-catalog.ts';
import { followActive } from '../wiring/compose.ts';
import { composeSend } from '../wiring/compose-send.ts';
import { readDeployedProject } from './deployed-project.ts';
import { need, readEnvironment } from './lambda-environment.ts';
import {
  activeProject,
  compileVersion,
  dynamoStores,
  outcomePublisher,
  providerSecrets,
  sendScheduler,
} from './lambda-wiring.ts';
import { BatchedOutcomes, sendRecordHandler } from './send-records.ts';
import { createSqsBatchHandler, type RecordLog } from './sqs-batch.ts';

const logger = createLogger('nudge-send');
// Namespace and service from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME (the stack sets both).
const metrics = new PowertoolsMetrics();
const env = readEnvironment();
const stores = dynamoStores(env);

/** A rule-set version compiled for sending: the rules and the parsed templates (once per version). */
function compileForSend(content: RuleSetContent, version: number) {
  const templates = buildTemplateCatalog(content.templates);
  if (templates.issues.length > 0)
    throw new Error(
      `Nudge templates of rule-set version ${version} are invalid: ${templates.issues.map((issue) => `${issue.file}: ${issue.message}`).join('; ')}`,
    );
  return { ...compileVersion(content, version), catalog: templates.catalog };
}

// The active rule-set version from the table (30 s cache); the bundled project seeds a fresh table.
const bundled = readDeployedProject(env.NUDGE_PROJECT_DIR);
const active = activeProject({
  stores,
  bundled,
  compile: compileForSend,
  log: (message, fields) => logger.warn(message, fields),
});
// Until the first batch reads the table (cold start stays free of DynamoDB calls); the bundle's
// templates are checked here so a broken artifact still fails the cold start.
const { format: _format, ...bundledContent } = bundled;
const project = compileForSend(bundledContent, 0);
const secrets = await providerSecrets(env);
const { twilio, sendgrid, unsubscribe } = secrets;

const deps = composeSend({
  stores,
  scheduler: sendScheduler(env),
  clock: systemClock,
  project,
  catalog: project.catalog,
  channels: {
    sms: new TwilioSmsSender({
      client: createTwilioClient({
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        timeoutMs: 10_000,
      }),
      ...(twilio.from === undefined ? {} : { from: twilio.from }),
      ...(twilio.messagingServiceSid === undefined
        ? {}
        : { messagingServiceSid: twilio.messagingServiceSid }),
      ...(env.NUDGE_WEBHOOK_BASE_URL === undefined
        ? {}
        : { statusCallbackBaseUrl: env.NUDGE_WEBHOOK_BASE_URL }),
    }),
    email: new SendGridEmailSender({
      mail: createSendGridMail({ apiKey: sendgrid.apiKey, timeoutMs: 10_000 }),
      from: {
        email: sendgrid.fromEmail,
        ...(sendgrid.fromName === undefined ? {} : { name: sendgrid.fromName }),
      },
      unsubscribe: {
        // The webhook function's Function URL (or custom domain): it serves /unsubscribe.
        baseUrl: need(env, 'NUDGE_WEBHOOK_BASE_URL'),
        signingKey: unsubscribe.signingKey,
        ttlDays: project.settings.unsubscribe.linkDays,
        nowEpochSeconds: () => Math.floor(systemClock.now().toSeconds()),
      },
    }),
  },
  outcomes: outcomePublisher(env),
});
// A pending message renders with the active version's template text (docs/rules.md, "Publishing").
const follow = followActive(active, (next) =>
  Object.assign(deps, {
    rules: next.rules,
    settings: next.settings,
    render: catalogRenderer(next.catalog, next.settings),
  }),
);

const log: RecordLog = (message, fields, level = 'info') => logger[level](message, fields);
// The batch's outcome events go out together once its records are done (≤ 10 per PutEvents).
const outcomes = new BatchedOutcomes();
const batch = createSqsBatchHandler(sendRecordHandler(deps, log, metrics, outcomes), { logger, metrics });

/** Each batch runs the active rule-set version (swapped in when the pointer moved). */
export const handler: typeof batch = async (event, context) => {
  await follow();
  try {
    return await batch(event, context);
  } finally {
    await outcomes.flush(deps.outcomes, log);
  }
};
