// Lambda entry: SQS (due message ids) → send through Twilio or SendGrid.
import { createLogger } from '../adapters/logging/logger.ts';
import { createSendGridMail } from '../adapters/sendgrid/sendgrid-client.ts';
import { SendGridEmailSender } from '../adapters/sendgrid/sendgrid-email-sender.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { createTwilioClient } from '../adapters/twilio/twilio-client.ts';
import { TwilioSmsSender } from '../adapters/twilio/twilio-sms-sender.ts';
import { catalogRenderer } from '../app/render-factory.ts';
import { loadDeployedProject, readEnvironment } from './lambda-environment.ts';
import { journeyStore, outcomePublisher, providerSecrets, sendScheduler } from './lambda-wiring.ts';
import { sendRecordHandler } from './send-records.ts';
import { createSqsBatchHandler } from './sqs-batch.ts';

const logger = createLogger('nudge-send');
const env = readEnvironment();
const project = loadDeployedProject(env.NUDGE_PROJECT_DIR);
const secrets = await providerSecrets(env);
const { twilio, sendgrid } = secrets;

export const handler = createSqsBatchHandler(
  sendRecordHandler(
    {
      store: journeyStore(env),
      scheduler: sendScheduler(env),
      clock: systemClock,
      settings: project.settings,
      rules: project.rules,
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
        }),
      },
      render: catalogRenderer(project.catalog, project.settings),
      outcomes: outcomePublisher(env),
    },
    (message, fields) => logger.info(message, fields),
  ),
);
