/**
 * The deployment settings, read once from CDK context (`cdk.json` or `-c key=value`) and
 * validated, so a typo fails synthesis with the key's name instead of deploying something else.
 * docs/deploy.md has the table of every key.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import * as z from 'zod';
import { DEFAULT_RETENTION_DAYS } from '../functions/adapters/dynamodb/table-design.ts';
import { DEFAULT_SEND_CONCURRENCY, SEND_BATCH_SIZE } from './send-sizing.ts';

/** The repository root: where rules/, templates/ and nudge.config.yaml live by default. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The stage whose data is kept: its table is deletion-protected and every store RETAINed. */
const PRODUCTION_STAGE = 'prod';

/** Log retention periods CloudWatch Logs accepts, in days (RetentionDays minus INFINITE). */
const LOG_RETENTION_CHOICES: ReadonlySet<number> = new Set(
  Object.values(RetentionDays).filter(
    (value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE,
  ),
);

/**
 * Context keys that look like settings but are not deployment settings, with where they live.
 * Refused rather than ignored: someone who sets `senderId` expects it to take effect.
 */
const LIVES_ELSEWHERE: Readonly<Record<string, string>> = {
  senderId: 'the SMS sender lives in the Twilio secret ("from" or "messagingServiceSid"); see docs/deploy.md',
  fromAddress: 'the email sender lives in the SendGrid secret ("fromEmail", "fromName"); see docs/deploy.md',
  timeZone:
    'the default time zone lives in nudge.config.yaml (defaults.timeZone), deployed with the functions',
  window: 'the default send window lives in nudge.config.yaml (defaults.window), deployed with the functions',
};

// Context set with `-c key=value` arrives as a string, from cdk.json as JSON: accept both.
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const stringList = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        return JSON.parse(text);
      } catch {
        return value;
      }
    }
    return text === '' ? [] : text.split(',').map((part) => part.trim());
  },
  z.array(z.string().min(1)).min(1),
);

const secretArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/, {
    message: 'expected the complete secret ARN, ending in the 6-character suffix (…:secret:name-AbC123)',
  });

/**
 * Executions reserved for the webhook function. Its Function URL is public: a flood of requests
 * (forged ones are refused, but each still runs the function) may use these and no more, and
 * cannot starve evaluate, send or the account's other functions. 20 × (1 s or less per request)
 * is far above the callback rate of a few thousand messages an hour; Twilio retries what a
 * throttle refuses (the status callback's connection overrides), SendGrid retries a batch whose POST failed.
 */
const DEFAULT_WEBHOOK_RESERVED_CONCURRENCY = 20;

// Segments a second per Twilio sender: a number (every sender) or {"<from or MG sid>": n, "*": n}.
const senderMps = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  },
  z.union([
    z
      .number()
      .positive()
      .transform((mps) => ({ '*': mps })),
    z.record(z.string().min(1), z.number().positive()),
  ]),
);

const ContextSchema = z.object({
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, {
      message: 'expected lower-case letters, digits and dashes, e.g. dev or prod',
    })
    .default('dev'),
  busName: z
    .string()
    .regex(/^[A-Za-z0-9._\-/]{1,256}$/, { message: 'expected the name of an existing EventBridge bus' })
    .optional(),
  sources: stringList.optional(),
  retentionDays: integer(1, 3650).default(DEFAULT_RETENTION_DAYS),
  sendConcurrency: integer(2, 1000).default(DEFAULT_SEND_CONCURRENCY),
  sendBatchSize: integer(1, 10).default(SEND_BATCH_SIZE),
  twilioSenderMps: senderMps.optional(),
  webhookReservedConcurrency: integer(1, 1000).default(DEFAULT_WEBHOOK_RESERVED_CONCURRENCY),
  sendReservedConcurrency: integer(1, 1000).optional(),
  logRetentionDays: z.coerce
    .number()
    .refine((days) => LOG_RETENTION_CHOICES.has(days), {
      message: `expected one of CloudWatch Logs' periods: ${[...LOG_RETENTION_CHOICES].sort((a, b) => a - b).join(', ')}`,
    })
    .default(RetentionDays.ONE_MONTH),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  alarmTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, { message: 'expected an SNS topic ARN' })
    .optional(),
  webhookBaseUrl: z
    .url({ protocol: /^https$/, message: 'expected an https URL, e.g. https://hooks.example.com' })
    .optional(),
  twilioSecretArn: secretArn.optional(),
  sendgridSecretArn: secretArn.optional(),
  projectDir: z.string().min(1).optional(),
  // The console's sign-in: the stack's Cognito user pool unless all three are given (an external
  // OIDC issuer: Entra ID, Okta, Google…; the client secret stays in Secrets Manager).
  consoleOidcIssuer: z
    .url({ protocol: /^https$/, message: 'expected the issuer URL, e.g. https://login.example.com' })
    .optional(),
  consoleOidcClientId: z.string().min(1).optional(),
  consoleOidcClientSecretArn: secretArn.optional(),
  consoleGroupsClaim: z.string().min(1).optional(),
});

/** The schema with the checks that involve two keys. */
const CheckedContextSchema = ContextSchema.superRefine((settings, context) => {
  const { sendReservedConcurrency, sendConcurrency } = settings;
  // The send queue's event source runs up to sendConcurrency invocations at once; fewer reserved
  // executions would throttle its own pollers and return messages to the queue for nothing.
  if (sendReservedConcurrency !== undefined && sendReservedConcurrency < sendConcurrency) {
    context.addIssue({
      code: 'custom',
      path: ['sendReservedConcurrency'],
      message: `must be at least sendConcurrency (${sendConcurrency}), the send queue's maximum concurrency`,
    });
  }
  const oidc = [
    settings.consoleOidcIssuer,
    settings.consoleOidcClientId,
    settings.consoleOidcClientSecretArn,
  ];
  if (oidc.some((value) => value !== undefined) && oidc.some((value) => value === undefined)) {
    context.addIssue({
      code: 'custom',
      path: ['consoleOidcIssuer'],
      message:
        'an external issuer needs consoleOidcIssuer, consoleOidcClientId and consoleOidcClientSecretArn together (none of them: the stack makes a Cognito user pool)',
    });
  }
});

/** Validated deployment settings. */
export interface NudgeSettings {
  /** `dev`, `test`, `prod`, …; `prod` keeps data on delete. */
  stage: string;
  /** Import this existing bus instead of creating one. */
  busName: string | undefined;
  /** Event sources the ingest rule forwards; default: those the rules listen to. */
  sources: string[] | undefined;
  /** Days DynamoDB keeps records (TTL), passed to the functions. */
  retentionDays: number;
  /** Most concurrent send invocations: the provider-rate guard. */
  sendConcurrency: number;
  /**
   * Messages per send invocation (the send queue's event source batch size, 1–10 for a standard
   * queue), sent in parallel: messages/s ≈ sendConcurrency × sendBatchSize ÷ send latency.
   */
  sendBatchSize: number;
  /**
   * Twilio segments a second by sender (`from` number or Messaging Service SID; `*` for any):
   * the send function's rate guard splits each over `sendConcurrency`. Unlisted senders get
   * Twilio's default for their kind (functions/core/messages/sender-rate.ts).
   */
  twilioSenderMps: Readonly<Record<string, number>>;
  /** Executions reserved for (and the most available to) the webhook function. */
  webhookReservedConcurrency: number;
  /** Executions reserved for the send function; at least `sendConcurrency` (its default). */
  sendReservedConcurrency: number;
  /** CloudWatch Logs retention of every function's log group. */
  logRetentionDays: RetentionDays;
  /** POWERTOOLS_LOG_LEVEL. */
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Alarms notify this SNS topic, if set. */
  alarmTopicArn: string | undefined;
  /** Public base URL of the webhooks when they are not called on the Function URL itself. */
  webhookBaseUrl: string | undefined;
  /** Import these secrets instead of creating them. */
  twilioSecretArn: string | undefined;
  sendgridSecretArn: string | undefined;
  /** Absolute folder holding rules/, templates/ and nudge.config.yaml. */
  projectDir: string;
  /** The console's external OIDC issuer; undefined: the stack's Cognito user pool signs in. */
  consoleOidc: { issuer: string; clientId: string; clientSecretArn: string } | undefined;
  /** The ID-token claim that lists the user's groups (roles): `cognito:groups` or the IdP's. */
  consoleGroupsClaim: string;
  /** True in the production stage. */
  isProduction: boolean;
}

/**
 * Validates raw context values.
 *
 * @throws Error naming every invalid key, and every key that belongs in a secret or in
 *   nudge.config.yaml rather than in context.
 */
export function parseSettings(context: Readonly<Record<string, unknown>>): NudgeSettings {
  const problems: string[] = [];
  for (const [key, where] of Object.entries(LIVES_ELSEWHERE)) {
    if (context[key] !== undefined) problems.push(`${key}: not a deployment setting: ${where}`);
  }
  const parsed = CheckedContextSchema.safeParse(context);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${issue.path.join('.') || '(context)'}: ${issue.message}`);
  }
  if (problems.length > 0 || !parsed.success) {
    throw new Error(`Nudge context settings are invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const settings = parsed.data;
  return {
    stage: settings.stage,
    busName: settings.busName,
    sources: settings.sources,
    retentionDays: settings.retentionDays,
    sendConcurrency: settings.sendConcurrency,
    sendBatchSize: settings.sendBatchSize,
    twilioSenderMps: settings.twilioSenderMps ?? {},
    webhookReservedConcurrency: settings.webhookReservedConcurrency,
    sendReservedConcurrency: settings.sendReservedConcurrency ?? settings.sendConcurrency,
    logRetentionDays: toRetentionDays(settings.logRetentionDays),
    logLevel: settings.logLevel,
    alarmTopicArn: settings.alarmTopicArn,
    webhookBaseUrl: settings.webhookBaseUrl,
    twilioSecretArn: settings.twilioSecretArn,
    sendgridSecretArn: settings.sendgridSecretArn,
    projectDir: resolve(REPO_ROOT, settings.projectDir ?? '.'),
    consoleOidc: consoleOidcOf(settings),
    consoleGroupsClaim:
      settings.consoleGroupsClaim ?? (settings.consoleOidcIssuer === undefined ? 'cognito:groups' : 'groups'),
    isProduction: settings.stage === PRODUCTION_STAGE,
  };
}

function consoleOidcOf(settings: z.output<typeof ContextSchema>): NudgeSettings['consoleOidc'] {
  const { consoleOidcIssuer: issuer, consoleOidcClientId: clientId } = settings;
  const clientSecretArn = settings.consoleOidcClientSecretArn;
  if (issuer === undefined || clientId === undefined || clientSecretArn === undefined) return undefined;
  return { issuer, clientId, clientSecretArn };
}

/** The context keys {@link parseSettings} reads. */
const CONTEXT_KEYS = [...Object.keys(ContextSchema.shape), ...Object.keys(LIVES_ELSEWHERE)];

/** Reads and validates the settings from a construct's context (the App's, normally). */
export function readSettings(node: Node): NudgeSettings {
  const context: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value: unknown = node.tryGetContext(key);
    if (value !== undefined) context[key] = value;
  }
  return parseSettings(context);
}

function toRetentionDays(days: number): RetentionDays {
  const match = Object.values(RetentionDays).find((value) => value === days);
  if (match === undefined || typeof match === 'string')
    throw new Error(`logRetentionDays: ${days} is not a period`);
  return match;
}
