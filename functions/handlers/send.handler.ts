// Lambda entry: SQS (due message ids) → send through Twilio or SendGrid.

import type * as z from 'zod';
import { createLogger } from '../adapters/logging/logger.ts';
import { PowertoolsMetrics } from '../adapters/metrics/powertools-metrics.ts';
import { systemClock } from '../adapters/system-clock.ts';
import type { RuleSetContent } from '../app/ports/rule-sets.ts';
import type { ChannelSender } from '../app/ports.ts';
import { catalogRenderer } from '../app/render-factory.ts';
import { guardSenderRate } from '../app/sender-rate-guard.ts';
import { senderMps } from '../core/messages/sender-rate.ts';
import { buildTemplateCatalog, type TemplateCatalog } from '../core/messages/template-catalog.ts';
import { followActive } from '../wiring/compose.ts';
import { composeSend } from '../wiring/compose-send.ts';
import { readDeployedProject } from './deployed-project.ts';
import { need, readEnvironment } from './lambda-environment.ts';
import {
  activeProject,
  compileVersion,
  dynamoStores,
  outcomePublisher,
  secretsProvider,
  sendScheduler,
} from './lambda-wiring.ts';
import { lazyChannel, loadOnce } from './lazy-channel.ts';
import { BatchedOutcomes, sendRecordHandler } from './send-records.ts';
import { createSqsBatchHandler, type RecordLog } from './sqs-batch.ts';

const logger = createLogger('nudge-send');
// Namespace and service from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME (the stack sets both).
const metrics = new PowertoolsMetrics();
const env = readEnvironment();
const stores = dynamoStores(env);

/** A rule-set version's templates, parsed; an invalid one fails the version. */
function parseTemplates(files: Readonly<Record<string, string>>, version: number): TemplateCatalog {
  const templates = buildTemplateCatalog(files);
  if (templates.issues.length > 0)
    throw new Error(
      `Nudge templates of rule-set version ${version} are invalid: ${templates.issues.map((issue) => `${issue.file}: ${issue.message}`).join('; ')}`,
    );
  return templates.catalog;
}

/** A rule-set version compiled for sending: the rules and the parsed templates (once per version). */
function compileForSend(content: RuleSetContent, version: number) {
  return { ...compileVersion(content, version), catalog: parseTemplates(content.templates, version) };
}

/**
 * The bundled templates, parsed when first looked up rather than at cold start (Liquid parsing is
 * the largest part of this function's init). Synthesis already parsed and validated them
 * (compile-project.ts), and the first batch replaces them with the active version's, compiled by
 * `compileForSend`, before any message renders.
 */
function parsedOnFirstUse(files: Readonly<Record<string, string>>): TemplateCatalog {
  let parsed: TemplateCatalog | undefined;
  return {
    get templates() {
      parsed ??= parseTemplates(files, 0);
      return parsed.templates;
    },
  };
}

// The active rule-set version from the table (30 s cache); the bundled project seeds a fresh table.
const bundled = readDeployedProject(env.NUDGE_PROJECT_DIR);
const active = activeProject({
  stores,
  bundled,
  compile: compileForSend,
  log: (message, fields) => logger.warn(message, fields),
});
// Until the first batch reads the table (cold start stays free of DynamoDB calls). That batch
// swaps in the active version (`follow`, in the handler) before it reads a record, compiled by
// `compileForSend` whether it is a published one or the bundled one seeding a fresh table; so the
// bundled rules are not compiled here too (synthesis validated them: compile-project.ts), and the
// rule set the first batch replaces is an empty one.
const { format: _format, ...bundledContent } = bundled;
const project = {
  ...compileVersion({ ...bundledContent, rules: [] }, 0),
  catalog: parsedOnFirstUse(bundledContent.templates),
};
// Each provider's SDK and secret are loaded on the first message of its channel (lazy-channel.ts),
// the Secrets Manager client with the first of them: the init phase imports neither twilio nor
// @sendgrid/* nor the Secrets Manager client, and calls no Secrets Manager.
const secrets = loadOnce(secretsProvider);
/** The secrets' schemas (zod), with the first secret read rather than at init. */
const secretSchemas = () => import('../adapters/secrets/provider-secrets.ts');
type SecretSchemas = Awaited<ReturnType<typeof secretSchemas>>;

/** A provider secret, read and checked on first use (the Secrets Manager client and schemas load with it). */
async function providerSecret<T>(
  arnVariable: 'NUDGE_TWILIO_SECRET_ARN' | 'NUDGE_SENDGRID_SECRET_ARN' | 'NUDGE_UNSUBSCRIBE_SECRET_ARN',
  schemaOf: (schemas: SecretSchemas) => z.ZodType<T>,
  what: string,
): Promise<T> {
  const [provider, schemas] = await Promise.all([secrets(), secretSchemas()]);
  return schemas.readProviderSecret(provider, need(env, arnVariable), schemaOf(schemas), what);
}

/**
 * The SMS sender keeping this instance's share of the Twilio sender's rate
 * (functions/app/sender-rate-guard.ts); built with the sender on the first SMS, when the secret is read.
 */
function guardSms(
  sms: ChannelSender,
  twilio: { from?: string; messagingServiceSid?: string },
): ChannelSender {
  const twilioSender = twilio.messagingServiceSid ?? twilio.from ?? '';
  const mps = senderMps(twilioSender, env.NUDGE_TWILIO_SENDER_MPS);
  if (mps === undefined) {
    logger.warn('Twilio sender not rate-guarded: set twilioSenderMps for it', { twilioSender });
    return sms;
  }
  return guardSenderRate(sms, {
    mps,
    concurrency: env.NUDGE_SEND_CONCURRENCY,
    maxWaitMs: env.NUDGE_SEND_RATE_MAX_WAIT_MS,
    nowMs: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}

const deps = composeSend({
  stores,
  scheduler: sendScheduler(env),
  clock: systemClock,
  project,
  catalog: project.catalog,
  channels: {
    sms: lazyChannel(async () => {
      const [{ createTwilioClient }, { TwilioSmsSender }, twilio] = await Promise.all([
        import('../adapters/twilio/twilio-client.ts'),
        import('../adapters/twilio/twilio-sms-sender.ts'),
        providerSecret('NUDGE_TWILIO_SECRET_ARN', (schemas) => schemas.TwilioSecretSchema, 'Twilio'),
      ]);
      return guardSms(
        new TwilioSmsSender({
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
        twilio,
      );
    }),
    email: lazyChannel(async () => {
      const [{ createSendGridMail }, { SendGridEmailSender }, sendgrid, unsubscribe] = await Promise.all([
        import('../adapters/sendgrid/sendgrid-client.ts'),
        import('../adapters/sendgrid/sendgrid-email-sender.ts'),
        providerSecret('NUDGE_SENDGRID_SECRET_ARN', (schemas) => schemas.SendGridSecretSchema, 'SendGrid'),
        providerSecret(
          'NUDGE_UNSUBSCRIBE_SECRET_ARN',
          (schemas) => schemas.UnsubscribeSecretSchema,
          'Unsubscribe signing key',
        ),
      ]);
      return new SendGridEmailSender({
        mail: createSendGridMail({ apiKey: sendgrid.apiKey, timeoutMs: 10_000 }),
        from: {
          email: sendgrid.fromEmail,
          ...(sendgrid.fromName === undefined ? {} : { name: sendgrid.fromName }),
        },
        unsubscribe: {
          // The webhook function's Function URL (or custom domain): it serves /unsubscribe.
          baseUrl: need(env, 'NUDGE_WEBHOOK_BASE_URL'),
          signingKey: unsubscribe.signingKey,
          ttlDays: deps.settings.unsubscribe.linkDays,
          nowEpochSeconds: () => Math.floor(systemClock.now().toSeconds()),
        },
      });
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
