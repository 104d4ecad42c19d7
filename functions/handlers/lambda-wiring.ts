import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoClient } from '../adapters/dynamodb/dynamo-client.ts';
import { DynamoReleaseIndex } from '../adapters/dynamodb/dynamo-release-index.ts';
import { createDynamoStores } from '../adapters/dynamodb/dynamo-stores.ts';
import { DynamoTable } from '../adapters/dynamodb/dynamo-table.ts';
import { EventBridgeOutcomePublisher } from '../adapters/eventbridge/eventbridge-outcome-publisher.ts';
import { ReleaseSendScheduler } from '../adapters/scheduler/release-send-scheduler.ts';
import type {
  SendGridSecret,
  TwilioSecret,
  UnsubscribeSecret,
} from '../adapters/secrets/provider-secrets.ts';
import { SqsOutcomeQueue } from '../adapters/sqs/sqs-outcome-queue.ts';
import { SqsSendQueue } from '../adapters/sqs/sqs-send-queue.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { type ActiveProject, createActiveProject } from '../app/active-project.ts';
import type { RuleSetContent } from '../app/ports/rule-sets.ts';
import type { Stores } from '../app/ports/stores.ts';
import { compileRuleSet } from '../core/rules/rule-set.ts';
import type { CompiledProject } from '../wiring/compose.ts';
import type { DeployedProject } from './deployed-project.ts';
import { type Environment, need } from './lambda-environment.ts';

// The AWS adapters the Lambda entry points share, built from the environment. Provider SDKs
// (twilio, @sendgrid/mail) are deliberately not here: only the send function may load them.

let sharedClient: ReturnType<typeof createDynamoClient> | undefined;

/** The process's one DynamoDB client: the stores and the release index share it (and its sockets). */
function dynamoClient(): ReturnType<typeof createDynamoClient> {
  sharedClient ??= createDynamoClient();
  return sharedClient;
}

/** Every store port on the one DynamoDB table, sharing one client (suppressions are kept for good). */
export function dynamoStores(env: Environment): Stores {
  return createDynamoStores({
    tableName: need(env, 'NUDGE_TABLE_NAME'),
    client: dynamoClient(),
    retentionDays: env.NUDGE_RETENTION_DAYS,
    clock: systemClock,
  });
}

/** The release index on the journey table (the scheduler and the sweep use it). */
export function releaseIndex(env: Environment): DynamoReleaseIndex {
  return new DynamoReleaseIndex(
    new DynamoTable({
      tableName: need(env, 'NUDGE_TABLE_NAME'),
      client: dynamoClient(),
      retentionDays: env.NUDGE_RETENTION_DAYS,
      clock: systemClock,
    }),
  );
}

/** The send queue on SQS. */
export function sendQueue(env: Environment): SqsSendQueue {
  return new SqsSendQueue({ client: new SQSClient({}), queueUrl: need(env, 'NUDGE_SEND_QUEUE_URL') });
}

/**
 * Later sends: due within the send queue's reach, onto the queue with a delay; later, into the
 * release index, which the release function sweeps every minute (no per-message schedule).
 */
export function sendScheduler(env: Environment): ReleaseSendScheduler {
  return new ReleaseSendScheduler({ queue: sendQueue(env), index: releaseIndex(env), clock: systemClock });
}

/** Outcome events onto the journey bus. */
export function outcomePublisher(env: Environment): EventBridgeOutcomePublisher {
  return new EventBridgeOutcomePublisher({
    client: new EventBridgeClient({}),
    busName: need(env, 'NUDGE_EVENT_BUS_NAME'),
  });
}

/**
 * The webhook's outcome events, queued for the outcome-relay function (which puts them on the bus
 * 10 per call) instead of one PutEvents call per provider callback.
 */
export function queuedOutcomes(env: Environment): SqsOutcomeQueue {
  return new SqsOutcomeQueue({ client: new SQSClient({}), queueUrl: need(env, 'NUDGE_OUTCOME_QUEUE_URL') });
}

/**
 * A Secrets Manager reader (Powertools, cached). Its SDK client and Powertools' parameters
 * package are imported here, on the first read, not at cold start: the bundles keep their code
 * but evaluate none of it during init.
 */
export async function secretsProvider(): Promise<SecretsProvider> {
  const [{ SecretsProvider }, { SecretsManagerClient }] = await Promise.all([
    import('@aws-lambda-powertools/parameters/secrets'),
    import('@aws-sdk/client-secrets-manager'),
  ]);
  return new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
}

/**
 * Both provider secrets and the unsubscribe-link signing key from Secrets Manager (cached by
 * Powertools), validated.
 */
export async function providerSecrets(
  env: Environment,
): Promise<{ twilio: TwilioSecret; sendgrid: SendGridSecret; unsubscribe: UnsubscribeSecret }> {
  // The secrets' schemas (zod) load with the secrets, not at init.
  const [secrets, { readProviderSecret, SendGridSecretSchema, TwilioSecretSchema, UnsubscribeSecretSchema }] =
    await Promise.all([secretsProvider(), import('../adapters/secrets/provider-secrets.ts')]);
  const [twilio, sendgrid, unsubscribe] = await Promise.all([
    readProviderSecret(secrets, need(env, 'NUDGE_TWILIO_SECRET_ARN'), TwilioSecretSchema, 'Twilio'),
    readProviderSecret(secrets, need(env, 'NUDGE_SENDGRID_SECRET_ARN'), SendGridSecretSchema, 'SendGrid'),
    readProviderSecret(
      secrets,
      need(env, 'NUDGE_UNSUBSCRIBE_SECRET_ARN'),
      UnsubscribeSecretSchema,
      'Unsubscribe signing key',
    ),
  ]);
  return { twilio, sendgrid, unsubscribe };
}

/** The rules and settings of a rule-set version, compiled for the evaluate step. */
export function compileVersion(content: RuleSetContent, version: number): CompiledProject {
  return { settings: content.settings, rules: compileRuleSet(content.rules), ruleSetVersion: version };
}

/**
 * The active rule-set version from the table (one pointer read per cache period, each version
 * compiled once), seeded with the bundled project when the table has none yet, so a fresh stack
 * runs with no step. A failed pointer read keeps the version already running (logged).
 */
export function activeProject<T>(options: {
  stores: Stores;
  bundled: DeployedProject;
  compile: (content: RuleSetContent, version: number) => T;
  log: (message: string, fields: Record<string, unknown>) => void;
}): ActiveProject<T> {
  const { format: _format, ...content } = options.bundled;
  return createActiveProject({
    ruleSets: options.stores.ruleSets,
    clock: systemClock,
    compile: options.compile,
    seed: { content, by: 'deploy (bundled nudge-project.json)' },
    onStale: (error, version) =>
      options.log('rule-set pointer not readable; still running the cached version', {
        version,
        reason: error instanceof Error ? error.message : String(error),
      }),
  });
}
