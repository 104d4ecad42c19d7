// Lambda entry: SQS (due message ids) → send through Twilio or SendGrid.
import { createLogger } from '../adapters/logging/logger.ts';
import { PowertoolsMetrics } from '../adapters/metrics/powertools-metrics.ts';
import { createSendGridMail } from '../adapters/sendgrid/sendgrid-client.ts';
import { SendGridEmailSender } from '../adapters/sendgrid/sendgrid-email-sender.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { createTwilioClient } from '../adapters/twilio/twilio-client.ts';
import { TwilioSmsSender } from '../adapters/twilio/twilio-sms-sender.ts';
import { buildTemplateCatalog } from '../core/messages/template-catalog.ts';
import { compileRuleSet } from '../core/rules/rule-set.ts';
import { composeSend } from '../wiring/compose-send.ts';
import { readDeployedProject } from './deployed-project.ts';
import { need, readEnvironment } from './lambda-environment.ts';
import { dynamoStores, outcomePublisher, providerSecrets, sendScheduler } from './lambda-wiring.ts';
import { sendRecordHandler } from './send-records.ts';
import { createSqsBatchHandler } from './sqs-batch.ts';

const logger = createLogger('nudge-send');
// Namespace and service from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME (the stack sets both).
const metrics = new PowertoolsMetrics();
const env = readEnvironment();
// Validated at synthesis (compile-project.ts). The Liquid templates are parsed here, once: every
// send renders one.
const project = readDeployedProject(env.NUDGE_PROJECT_DIR);
const templates = buildTemplateCatalog(project.templates);
if (templates.issues.length > 0)
  throw new Error(
    `Nudge templates are invalid: ${templates.issues.map((issue) => `${issue.file}: ${issue.message}`).join('; ')}`,
  );
const secrets = await providerSecrets(env);
const { twilio, sendgrid, unsubscribe } = secrets;

export const handler = createSqsBatchHandler(
  sendRecordHandler(
    composeSend({
      stores: dynamoStores(env),
      scheduler: sendScheduler(env),
      clock: systemClock,
      project: { settings: project.settings, rules: compileRuleSet(project.rules) },
      catalog: templates.catalog,
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
    }),
    (message, fields, level = 'info') => logger[level](message, fields),
    metrics,
  ),
  { logger, metrics },
);
