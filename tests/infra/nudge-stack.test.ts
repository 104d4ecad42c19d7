// The default stack (stage dev, everything created), synthesised ONCE with real esbuild bundling
// and cdk-nag; every test below reads that one assembly. (CDK's CloudFormation schema validation
// runs in stage-variants.test.ts, in parallel with this file's bundling.)
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEXES, JOURNEY_TABLE } from '../../functions/adapters/dynamodb/table-design.ts';
import { PowertoolsMetrics } from '../../functions/adapters/metrics/powertools-metrics.ts';
import { compileDeployedProject } from '../../functions/handlers/compile-project.ts';
import { DEPLOYED_PROJECT_FILE, readDeployedProject } from '../../functions/handlers/deployed-project.ts';
import { ESM_REQUIRE_BANNER } from '../../infra/bundling.ts';
import { STORE_INDEXES } from '../../infra/constructs/journey-table.ts';
import { RESERVED_ENVIRONMENT_KEYS } from '../../infra/constructs/nudge-function.ts';
import { RELEASE_SHARD_GROUPS } from '../../infra/constructs/release.ts';
import { listNagAcknowledgements } from '../../infra/nag.ts';
import { checkProject, sourcesOfRules } from '../../infra/project-files.ts';
import { REPO_ROOT } from '../../infra/settings.ts';
import { coldStart, fakeValueFor, startFakeSecretsManager } from './cold-start.ts';
import {
  actionsOfRole,
  arnOf,
  type CfnResource,
  isRecord,
  onlyResource,
  type SynthesisedNudge,
  statementsOfRole,
  synthNudge,
} from './support.ts';

let nudge: SynthesisedNudge;
let secretsManager: Awaited<ReturnType<typeof startFakeSecretsManager>>;

beforeAll(async () => {
  nudge = synthNudge({}, { bundle: true, validate: false });
  secretsManager = await startFakeSecretsManager();
}, 120_000);

afterAll(async () => {
  await secretsManager?.close();
  if (nudge !== undefined) rmSync(nudge.outdir, { recursive: true, force: true });
});

const FUNCTIONS = {
  evaluate: 'IngestEvaluate',
  send: 'SendingSend',
  webhook: 'WebhooksWebhook',
  'outcome-relay': 'OutcomeRelay',
} as const;
type FunctionName = keyof typeof FUNCTIONS;
const FUNCTION_NAMES: FunctionName[] = ['evaluate', 'send', 'webhook', 'outcome-relay'];

const resource = (type: string, prefix: string) => onlyResource(nudge.template, type, prefix);
const fn = (name: FunctionName) => resource('AWS::Lambda::Function', `${FUNCTIONS[name]}Function`);
const role = (name: FunctionName) => resource('AWS::IAM::Role', `${FUNCTIONS[name]}Role`);
const queue = (prefix: string) => resource('AWS::SQS::Queue', prefix);
const props = (found: { resource: CfnResource }) => found.resource.Properties ?? {};

function environmentOf(name: FunctionName): Record<string, unknown> {
  const environment = props(fn(name)).Environment;
  if (!isRecord(environment) || !isRecord(environment.Variables))
    throw new Error(`${name} has no environment`);
  return environment.Variables;
}

describe('journey bus and ingest', () => {
  it('creates the bus nudge-<stage>', () => {
    nudge.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'nudge-dev' });
  });

  it('forwards exactly the sources the rules listen to, from the bus to the ingest queue', () => {
    const bus = resource('AWS::Events::EventBus', 'JourneyBus');
    const ingest = queue('IngestQueue9');
    const deadLetters = queue('IngestQueueDeadLetters');
    nudge.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: bus.id },
      // Which sources (of a fixture project) is settings-and-rules.test.ts's; here, the wiring.
      EventPattern: { source: sourcesOfRules(checkProject(REPO_ROOT).rules) },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [ingest.id, 'Arn'] },
          // Events EventBridge cannot deliver land with the failed evaluations, in one place.
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetters.id, 'Arn'] } },
        }),
      ],
    });
  });

  it('lets only that rule send to the ingest queue', () => {
    const ingest = queue('IngestQueue9');
    const rule = resource('AWS::Events::Rule', 'IngestRule');
    nudge.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ingest.id }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule.id, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('feeds evaluate from the ingest queue with partial batch responses', () => {
    nudge.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue('IngestQueue9').id, 'Arn'] },
      FunctionName: { Ref: fn('evaluate').id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
  });
});

describe('queues', () => {
  it('has exactly the eight queues: ingest, send, outcome relay, and five dead-letter queues (ingest, send, Scheduler, release, outcome relay)', () => {
    expect(Object.keys(nudge.template.findResources('AWS::SQS::Queue'))).toHaveLength(8);
  });

  it('encrypts every queue and refuses non-TLS requests to each', () => {
    const queues = nudge.template.findResources('AWS::SQS::Queue');
    const policies = Object.values(nudge.template.findResources('AWS::SQS::QueuePolicy'));
    for (const [id, found] of Object.entries(queues)) {
      expect(found.Properties?.SqsManagedSseEnabled, id).toBe(true);
      const denies = policies.some((policy) => {
        const text = JSON.stringify(policy.Properties);
        return text.includes(`"Ref":"${id}"`) && text.includes('"aws:SecureTransport":"false"');
      });
      expect(denies, `${id} has an SSL-only policy`).toBe(true);
    }
  });

  it('dead-letters ingest, send and the outcome relay after 5 receives, kept 14 days', () => {
    for (const [main, dead] of [
      ['IngestQueue9', 'IngestQueueDeadLetters'],
      ['SendQueue4', 'SendQueueQueueDeadLetters'],
      ['OutcomeRelayQueueD4', 'OutcomeRelayQueueDeadLetters'],
    ] as const) {
      expect(props(queue(main)).RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [queue(dead).id, 'Arn'] },
        maxReceiveCount: 5,
      });
      expect(props(queue(dead)).MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
    expect(props(queue('SchedulingDeadLetters')).MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('gives each queue six times its consumer timeout as visibility timeout', () => {
    expect(props(queue('IngestQueue9')).VisibilityTimeout).toBe(6 * Number(props(fn('evaluate')).Timeout));
    expect(props(queue('SendQueue4')).VisibilityTimeout).toBe(6 * Number(props(fn('send')).Timeout));
    expect(props(queue('OutcomeRelayQueueD4')).VisibilityTimeout).toBe(
      6 * Number(props(fn('outcome-relay')).Timeout),
    );
  });
});

describe('sending', () => {
  it('feeds send from the send queue with bounded concurrency (the provider-rate guard)', () => {
    nudge.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue('SendQueue4').id, 'Arn'] },
      FunctionName: { Ref: fn('send').id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // The default sizing (docs/deploy.md "Sizing sending"): 20 instances × batches of 5.
      ScalingConfig: { MaximumConcurrency: 20 },
      BatchSize: 5,
    });
  });

  it('passes the send function the webhook base URL straight from the Function URL', () => {
    const url = resource('AWS::Lambda::Url', 'WebhooksWebhookFunctionFunctionUrl');
    expect(environmentOf('send').NUDGE_WEBHOOK_BASE_URL).toEqual({ 'Fn::GetAtt': [url.id, 'FunctionUrl'] });
    // …and the webhook does not reference its own URL (that would be a circular dependency).
    expect(environmentOf('webhook').NUDGE_WEBHOOK_BASE_URL).toBeUndefined();
  });
});

describe('outcome relay', () => {
  it("feeds the relay from the webhook's outcome queue in batches, waiting up to 1 s to fill one", () => {
    nudge.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue('OutcomeRelayQueueD4').id, 'Arn'] },
      FunctionName: { Ref: fn('outcome-relay').id },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
    });
  });

  it('alarms on the relay dead-letter queue', () => {
    const alarms = Object.values(nudge.template.findResources('AWS::CloudWatch::Alarm'));
    const watched = alarms.map((alarm) => JSON.stringify(alarm.Properties?.Dimensions ?? []));
    expect(watched.some((dimensions) => dimensions.includes(queue('OutcomeRelayQueueDeadLetters').id))).toBe(
      true,
    );
  });
});

describe('schedules of the replaced design (draining)', () => {
  it('keeps the schedule group nudge-<stage> and its dead-letter queue, but no function uses them', () => {
    nudge.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'nudge-dev' });
    for (const name of FUNCTION_NAMES) {
      const keys = Object.keys(environmentOf(name));
      expect(keys.filter((key) => key.includes('SCHEDULE'))).toEqual([]);
    }
  });

  it('lets only EventBridge Scheduler, for this account and group, assume the scheduler role', () => {
    const group = resource('AWS::Scheduler::ScheduleGroup', 'SchedulingGroup');
    expect(props(resource('AWS::IAM::Role', 'SchedulingRole')).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [group.id, 'Arn'] } },
          },
        },
      ],
    });
  });

  it('lets the scheduler role do one thing: sqs:SendMessage to the send queue (and its own dead letters)', () => {
    const schedulerRole = resource('AWS::IAM::Role', 'SchedulingRole');
    expect(schedulerRole.resource.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(schedulerRole.resource.Properties?.Policies).toBeUndefined();
    expect(statementsOfRole(nudge.template, schedulerRole.id)).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        // Scheduler writes dead letters with the schedule's role: AWS requires this second queue.
        Resource: [arnOf(queue('SchedulingDeadLetters').id), arnOf(queue('SendQueue4').id)].sort(),
      },
    ]);
  });
});

describe('release sweep', () => {
  const releaseFn = () => resource('AWS::Lambda::Function', 'ReleaseFunction');
  const releaseRole = () => resource('AWS::IAM::Role', 'ReleaseRole');

  it('runs on nodejs22.x arm64 with only the table name and the send queue URL', () => {
    const properties = props(releaseFn());
    expect(properties.Runtime).toBe('nodejs22.x');
    expect(properties.Architectures).toEqual(['arm64']);
    expect(properties.Handler).toBe('index.handler');
    const environment = properties.Environment;
    if (!isRecord(environment) || !isRecord(environment.Variables)) throw new Error('no environment');
    const keys = Object.keys(environment.Variables).filter(
      (key) => key.startsWith('NUDGE_') && key !== 'NUDGE_RETENTION_DAYS',
    );
    expect(keys.sort()).toEqual(['NUDGE_SEND_QUEUE_URL', 'NUDGE_TABLE_NAME']);
  });

  it(`is run every minute by ${RELEASE_SHARD_GROUPS} rules, one per shard group, each passing its scheduled time`, () => {
    const rules = Object.values(nudge.template.findResources('AWS::Events::Rule')).filter(
      (rule) => rule.Properties?.ScheduleExpression !== undefined,
    );
    expect(rules).toHaveLength(RELEASE_SHARD_GROUPS);
    const groups = rules.map((rule) => {
      expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
      const [target] = rule.Properties.Targets;
      expect(target.Arn).toEqual({ 'Fn::GetAtt': [releaseFn().id, 'Arn'] });
      // The event's own time, so a retried run sweeps the same window.
      expect(target.InputTransformer.InputPathsMap).toEqual({ time: '$.time' });
      const input = JSON.parse(target.InputTransformer.InputTemplate.replace('<time>', '"T"'));
      expect(input).toMatchObject({ time: 'T', shardGroups: RELEASE_SHARD_GROUPS });
      return input.shardGroup;
    });
    expect(groups.sort((a, b) => a - b)).toEqual(Array.from({ length: RELEASE_SHARD_GROUPS }, (_, i) => i));
  });

  it('may Query the release index alone, SendMessage to the send queue, and nothing else of the table', () => {
    const actions = actionsOfRole(nudge.template, releaseRole().id);
    const table = resource('AWS::DynamoDB::Table', 'JourneysTable');
    expect(actions.get('dynamodb:Query')).toEqual([`${arnOf(table.id)}/index/${INDEXES.release.indexName}`]);
    expect([...actions.keys()].filter((action) => action.startsWith('dynamodb:'))).toEqual([
      'dynamodb:Query',
    ]);
    expect(actions.get('sqs:SendMessage')).toEqual(
      [arnOf(queue('SendQueue4').id), arnOf(queue('ReleaseDeadLetters').id)].sort(),
    );
    expect([...actions.keys()].filter((action) => action.startsWith('scheduler:'))).toEqual([]);
  });

  it('sends sweeps that failed after two retries to its dead-letter queue', () => {
    nudge.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: releaseFn().id },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [queue('ReleaseDeadLetters').id, 'Arn'] } },
      },
    });
  });
});

describe('journey table', () => {
  it('is on-demand with point-in-time recovery and TTL on expiresAt', () => {
    nudge.template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: JOURNEY_TABLE.ttlAttribute, Enabled: true },
      KeySchema: [
        { AttributeName: JOURNEY_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: JOURNEY_TABLE.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  it('has exactly the indexes table-design.ts defines', () => {
    const indexes = props(resource('AWS::DynamoDB::Table', 'JourneysTable')).GlobalSecondaryIndexes;
    expect(indexes).toEqual(
      JOURNEY_TABLE.indexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      })),
    );
  });

  it('is deleted with a non-production stack, without deletion protection', () => {
    const table = resource('AWS::DynamoDB::Table', 'JourneysTable');
    expect(table.resource.DeletionPolicy).toBe('Delete');
    expect(table.resource.Properties?.DeletionProtectionEnabled).toBe(false);
  });
});

describe('provider secrets', () => {
  it('creates both secrets with a placeholder and a description of the JSON to set', () => {
    nudge.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'nudge/dev/twilio',
      SecretString: '{}',
      Description: Match.stringLikeRegexp('accountSid.*authToken.*from.*messagingServiceSid'),
    });
    nudge.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'nudge/dev/sendgrid',
      SecretString: '{}',
      Description: Match.stringLikeRegexp('apiKey.*webhookPublicKey.*fromEmail.*fromName'),
    });
  });

  it('generates the unsubscribe signing key in Secrets Manager: random, never in the template', () => {
    const secret = resource('AWS::SecretsManager::Secret', 'ProviderSecretsUnsubscribe');
    expect(secret.resource.Properties).toMatchObject({
      Name: 'nudge/dev/unsubscribe',
      GenerateSecretString: {
        SecretStringTemplate: '{}',
        GenerateStringKey: 'signingKey',
        PasswordLength: 64,
        ExcludePunctuation: true,
      },
    });
    expect(secret.resource.Properties?.SecretString).toBeUndefined();
  });
});

describe('functions', () => {
  it.each(FUNCTION_NAMES)('%s: nodejs22.x on arm64, ESM bundle, X-Ray active, its own log group', (name) => {
    const properties = props(fn(name));
    expect(properties.Runtime).toBe('nodejs22.x');
    expect(properties.Architectures).toEqual(['arm64']);
    expect(properties.Handler).toBe('index.handler');
    expect(properties.TracingConfig).toEqual({ Mode: 'Active' });
    const logs = resource('AWS::Logs::LogGroup', `${FUNCTIONS[name]}Logs`);
    expect(properties.LoggingConfig).toEqual({ LogGroup: { Ref: logs.id } });
    expect(logs.resource.Properties).toMatchObject({
      LogGroupName: `/nudge/dev/${name}`,
      RetentionInDays: 30,
    });
    expect(properties.Role).toEqual({ 'Fn::GetAtt': [role(name).id, 'Arn'] });
  });

  it.each(FUNCTION_NAMES)('%s: Powertools settings and only the NUDGE_* variables it reads', (name) => {
    const environment = environmentOf(name);
    expect(environment.POWERTOOLS_SERVICE_NAME).toBe(`nudge-${name}`);
    expect(environment.POWERTOOLS_METRICS_NAMESPACE).toBe('Nudge/dev');
    expect(environment.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    expect(environment.NUDGE_RETENTION_DAYS).toBe('400');
    const scheduling = ['NUDGE_SEND_QUEUE_ARN', 'NUDGE_SEND_QUEUE_URL'];
    const secrets = ['NUDGE_SENDGRID_SECRET_ARN', 'NUDGE_TWILIO_SECRET_ARN', 'NUDGE_UNSUBSCRIBE_SECRET_ARN'];
    const expected = {
      evaluate: ['NUDGE_TABLE_NAME', ...scheduling],
      send: [
        'NUDGE_TABLE_NAME',
        'NUDGE_EVENT_BUS_NAME',
        'NUDGE_WEBHOOK_BASE_URL',
        // The per-sender rate guard: its share is the sender's rate ÷ the send concurrency.
        'NUDGE_SEND_CONCURRENCY',
        'NUDGE_TWILIO_SENDER_MPS',
        'NUDGE_SEND_RATE_MAX_WAIT_MS',
        ...scheduling,
        ...secrets,
      ],
      // Its outcome events go to the relay's queue, not the bus.
      webhook: ['NUDGE_TABLE_NAME', 'NUDGE_OUTCOME_QUEUE_URL', ...secrets],
      'outcome-relay': ['NUDGE_EVENT_BUS_NAME'],
    }[name];
    const nudgeKeys = Object.keys(environment).filter(
      (key) => key.startsWith('NUDGE_') && key !== 'NUDGE_RETENTION_DAYS',
    );
    expect(nudgeKeys.sort()).toEqual(expected.sort());
    expect(Object.keys(environment).filter((key) => RESERVED_ENVIRONMENT_KEYS.has(key))).toEqual([]);
  });

  it.each(FUNCTION_NAMES)(
    '%s: the bundle carries the validated project (nudge-project.json) instead of the YAML and Liquid files',
    (name) => {
      const dir = assetDirOf(name);
      // The entry, the chunks it loads (infra/bundling.ts) and the project; nothing else.
      expect(readdirSync(dir).sort()).toEqual(['chunks', 'index.mjs', DEPLOYED_PROJECT_FILE].sort());
      expect(readDeployedProject(dir)).toEqual(compileDeployedProject(REPO_ROOT));
      for (const file of bundleFilesOf(name))
        expect(readFileSync(join(dir, file), 'utf8').startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    },
  );

  it('parses no YAML at cold start: the yaml package stays out of every bundle', () => {
    for (const name of FUNCTION_NAMES) {
      for (const file of bundleFilesOf(name)) {
        // A message only the yaml package's parser contains.
        expect(readFileSync(join(assetDirOf(name), file), 'utf8')).not.toContain(
          'Implicit map keys need to be followed by map values',
        );
      }
    }
  });

  it('keeps the Twilio SDK and @sendgrid/mail out of evaluate and webhook', () => {
    const holdsSdk = (name: FunctionName) =>
      bundleFilesOf(name).some((file) =>
        readFileSync(join(assetDirOf(name), file), 'utf8').includes('api.twilio.com'),
      );
    expect(FUNCTION_NAMES.filter(holdsSdk)).toEqual(['send']);
  });

  it('loads the provider SDKs on first use only: none is in what send or webhook read at init', () => {
    // Strings only each SDK's own code holds: twilio's REST client, @sendgrid/client (the mail
    // client), starkbank-ecdsa (under @sendgrid/eventwebhook, the webhook's SendGrid verifier).
    const markers = ['api.twilio.com', 'api.sendgrid.com', 'Public Key point is at infinity'];
    const found = (name: FunctionName, files: ReadonlyArray<string>) =>
      markers.filter((marker) =>
        files.some((file) => readFileSync(join(assetDirOf(name), file), 'utf8').includes(marker)),
      );
    // Arrange: the asset holds the SDKs (send both clients, webhook the verifier)...
    expect(found('send', bundleFilesOf('send'))).toEqual(['api.twilio.com', 'api.sendgrid.com']);
    expect(found('webhook', bundleFilesOf('webhook'))).toEqual(['Public Key point is at infinity']);
    // ...but not in index.mjs or the chunks it imports statically: those load with the first message.
    expect(found('send', filesLoadedAtInit(assetDirOf('send')))).toEqual([]);
    expect(found('webhook', filesLoadedAtInit(assetDirOf('webhook')))).toEqual([]);
  });

  it('builds at init no schema that only validation needs: rules, reply settings, secrets, event customers', () => {
    // Messages only each schema holds: the rule schema (rule-schema.ts, synthesis and the console
    // validate rules with it), the replies settings (replies-settings.ts) and the provider secrets
    // (provider-secrets.ts, read with the first message or request). Building them is part of
    // what importing their module costs, so they stay out of what the functions read at init.
    const markers = [
      'An Amazon EventBridge event pattern',
      'Twilio refuses a message body over 1600 characters',
      'expected an Account SID: AC + 32 hex digits',
    ];
    for (const name of ['evaluate', 'send', 'webhook'] as const) {
      const atInit = filesLoadedAtInit(assetDirOf(name)).map((file) =>
        readFileSync(join(assetDirOf(name), file), 'utf8'),
      );
      expect(markers.filter((marker) => atInit.some((text) => text.includes(marker)))).toEqual([]);
      // The journey event's customer schema (event-customer.ts): evaluate reads events, send and
      // webhook only profiles.
      if (name !== 'evaluate')
        expect(atInit.some((text) => text.includes('not an IANA time zone such as Europe/Stockholm'))).toBe(
          false,
        );
    }
    // ...while the secrets' schema is in send's and webhook's assets, loaded with the first secret.
    for (const name of ['send', 'webhook'] as const)
      expect(
        bundleFilesOf(name).some((file) =>
          readFileSync(join(assetDirOf(name), file), 'utf8').includes(markers[2] ?? ''),
        ),
      ).toBe(true);
  });

  it.each(FUNCTION_NAMES)(
    '%s: cold-starts from its asset with the environment the stack gives it',
    async (name) => {
      const environment = Object.fromEntries(
        Object.entries(environmentOf(name)).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : fakeValueFor(key),
        ]),
      );
      const callsBefore = secretsManager.calls();
      const started = await coldStart(assetDirOf(name), environment, secretsManager.url);
      expect(started.stderr).toBe('');
      expect(started.handlerType).toBe('function');
      // No function reads a secret at init: send reads its provider's on the channel's first
      // message, webhook all three on its first request (functions/handlers/lazy-channel.ts).
      expect(secretsManager.calls() - callsBefore).toBe(0);
    },
    30_000,
  );

  it('webhook: reads its three secrets on the first request', async () => {
    const environment = Object.fromEntries(
      Object.entries(environmentOf('webhook')).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : fakeValueFor(key),
      ]),
    );
    const callsBefore = secretsManager.calls();
    // A Function URL request; the stub refuses the rule-set pointer read that follows the secrets,
    // so the request fails there, after the secrets were read.
    const request = {
      version: '2.0',
      rawPath: '/webhooks/twilio/status',
      rawQueryString: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      requestContext: { http: { method: 'POST', path: '/webhooks/twilio/status' } },
      body: 'MessageSid=SM1&MessageStatus=delivered',
      isBase64Encoded: false,
    };
    const started = await coldStart(assetDirOf('webhook'), environment, secretsManager.url, request);
    expect(started.invoked).toBe('rejected: DynamoStoreError');
    expect(secretsManager.calls() - callsBefore).toBe(3);
  }, 30_000);
});

describe('webhooks', () => {
  it('serves the webhook function on a Function URL without IAM auth (requests are signature-checked)', () => {
    nudge.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [fn('webhook').id, 'Arn'] },
    });
  });

  it('outputs the three provider URLs under the base URL', () => {
    const url = {
      'Fn::GetAtt': [resource('AWS::Lambda::Url', 'WebhooksWebhookFunctionFunctionUrl').id, 'FunctionUrl'],
    };
    nudge.template.hasOutput('WebhookBaseUrl', { Value: url });
    nudge.template.hasOutput('TwilioStatusCallbackUrl', {
      Value: { 'Fn::Join': ['', [url, 'webhooks/twilio/status']] },
    });
    nudge.template.hasOutput('TwilioInboundUrl', {
      Value: { 'Fn::Join': ['', [url, 'webhooks/twilio/inbound']] },
    });
    nudge.template.hasOutput('SendGridEventsUrl', {
      Value: { 'Fn::Join': ['', [url, 'webhooks/sendgrid/events']] },
    });
  });

  it('outputs what the deploy guide refers to', () => {
    const guide = readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    const referenced = new Set(
      [...guide.matchAll(/`([A-Z][A-Za-z]+(?:Url|Arn|Name|Group))`/g)].map((m) => m[1]),
    );
    expect(referenced.size).toBeGreaterThan(10);
    for (const key of referenced) if (key !== undefined) nudge.template.hasOutput(key, {});
    for (const match of guide.matchAll(/\$\((?:out|arn) (\w+)\)/g))
      nudge.template.hasOutput(match[1] ?? '', {});
  });
});

describe('IAM per function', () => {
  const table = () => arnOf(resource('AWS::DynamoDB::Table', 'JourneysTable').id);
  const indexArns = () => STORE_INDEXES.map((index) => `${table()}/index/${index.indexName}`).sort();

  it.each(FUNCTION_NAMES)('%s: no managed policies, no inline role policies', (name) => {
    expect(role(name).resource.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(role(name).resource.Properties?.Policies).toBeUndefined();
  });

  it.each(FUNCTION_NAMES)('%s: only X-Ray has Resource "*"', (name) => {
    const wildcard = statementsOfRole(nudge.template, role(name).id).filter((s) => s.Resource.includes('*'));
    expect(wildcard).toEqual([
      { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: ['*'] },
    ]);
  });

  // The relay reads no table: it only puts queued outcome events on the bus.
  it.each(FUNCTION_NAMES.filter((name) => name !== 'outcome-relay'))(
    '%s: reads and writes the table with the store’s calls only, never Scan',
    (name) => {
      const actions = actionsOfRole(nudge.template, role(name).id);
      for (const action of [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:BatchGetItem',
      ]) {
        expect(actions.get(action)).toEqual([table()]);
      }
      expect(actions.get('dynamodb:Query')).toEqual([table(), ...indexArns()].sort());
      const dynamo = [...actions.keys()].filter((action) => action.startsWith('dynamodb:')).sort();
      expect(dynamo).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
    },
  );

  it('gives exactly the AWS calls each function makes (table of action → who)', () => {
    const who = new Map<string, FunctionName[]>();
    for (const name of FUNCTION_NAMES) {
      for (const action of actionsOfRole(nudge.template, role(name).id).keys()) {
        if (action.startsWith('dynamodb:') || action.startsWith('logs:') || action.startsWith('xray:'))
          continue;
        who.set(action, [...(who.get(action) ?? []), name]);
      }
    }
    expect(Object.fromEntries([...who.entries()].sort(([a], [b]) => a.localeCompare(b)))).toEqual({
      'events:PutEvents': ['send', 'outcome-relay'],
      'secretsmanager:GetSecretValue': ['send', 'webhook'],
      'sqs:SendMessage': ['evaluate', 'send', 'webhook'],
      // The SQS event sources' consumer actions, on each function's own queue.
      'sqs:ChangeMessageVisibility': ['evaluate', 'send', 'outcome-relay'],
      'sqs:DeleteMessage': ['evaluate', 'send', 'outcome-relay'],
      'sqs:GetQueueAttributes': ['evaluate', 'send', 'outcome-relay'],
      'sqs:GetQueueUrl': ['evaluate', 'send', 'outcome-relay'],
      'sqs:ReceiveMessage': ['evaluate', 'send', 'outcome-relay'],
    });
  });

  it('scopes the shared grants to their one resource', () => {
    const bus = arnOf(resource('AWS::Events::EventBus', 'JourneyBus').id);
    const secrets = [
      `<${resource('AWS::SecretsManager::Secret', 'ProviderSecretsSendGrid').id}>`,
      `<${resource('AWS::SecretsManager::Secret', 'ProviderSecretsTwilio').id}>`,
      `<${resource('AWS::SecretsManager::Secret', 'ProviderSecretsUnsubscribe').id}>`,
    ];
    for (const name of FUNCTION_NAMES) {
      const actions = actionsOfRole(nudge.template, role(name).id);
      if (actions.has('events:PutEvents')) expect(actions.get('events:PutEvents')).toEqual([bus]);
      if (actions.has('secretsmanager:GetSecretValue')) {
        expect(actions.get('secretsmanager:GetSecretValue')).toEqual(secrets);
      }
      if (actions.has('sqs:SendMessage'))
        expect(actions.get('sqs:SendMessage')).toEqual([
          arnOf(queue(name === 'webhook' ? 'OutcomeRelayQueueD4' : 'SendQueue4').id),
        ]);
      expect(actions.get('logs:PutLogEvents')).toEqual([
        arnOf(resource('AWS::Logs::LogGroup', `${FUNCTIONS[name]}Logs`).id),
      ]);
    }
  });

  it.each(FUNCTION_NAMES)('%s: policy statements (snapshot)', (name) => {
    expect(statementsOfRole(nudge.template, role(name).id)).toMatchSnapshot();
  });
});

describe('alarms', () => {
  it('alarms on the first message in each dead-letter queue', () => {
    for (const [alarm, dead] of [
      ['AlarmsIngestDeadLetters', 'IngestQueueDeadLetters'],
      ['AlarmsSendDeadLetters', 'SendQueueQueueDeadLetters'],
      ['AlarmsSchedulerDeadLetters', 'SchedulingDeadLetters'],
      ['AlarmsReleaseDeadLetters', 'ReleaseDeadLetters'],
    ] as const) {
      expect(props(resource('AWS::CloudWatch::Alarm', alarm))).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue(dead).id, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('has no alarm actions when no topic is configured', () => {
    for (const alarm of Object.values(nudge.template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties?.AlarmActions).toBeUndefined();
    }
  });
});

/** An alarm's single metric: namespace, name, the dimensions as a map, and its statistic. */
function alarmMetric(id: string) {
  const alarm = props(resource('AWS::CloudWatch::Alarm', id));
  const dimensions = Array.isArray(alarm.Dimensions) ? alarm.Dimensions : [];
  return {
    namespace: alarm.Namespace,
    name: alarm.MetricName,
    dimensions: Object.fromEntries(
      dimensions.map((d: { Name: string; Value: unknown }) => [d.Name, d.Value]),
    ),
    statistic: alarm.Statistic ?? alarm.ExtendedStatistic,
    threshold: alarm.Threshold,
    comparison: alarm.ComparisonOperator,
  };
}

describe('alarms on Nudge metrics (EMF)', () => {
  it.each([
    ['AlarmsWebhookRefused', 'WebhookRefused', 'nudge-webhook', 'Sum', 10, 'GreaterThanOrEqualToThreshold'],
    ['AlarmsProviderLatencyP99', 'ProviderLatency', 'nudge-send', 'p99', 5000, 'GreaterThanThreshold'],
    ['AlarmsEventsRejected', 'EventsRejected', 'nudge-evaluate', 'Sum', 1, 'GreaterThanOrEqualToThreshold'],
  ] as const)('%s alarms on Nudge/dev %s of %s', (id, name, service, statistic, threshold, comparison) => {
    expect(alarmMetric(id)).toEqual({
      namespace: 'Nudge/dev',
      name,
      dimensions: { service },
      statistic,
      threshold,
      comparison,
    });
  });

  it('alarms on the share of failed messages: send-step and provider-report failures over sent + failed', () => {
    const alarm = props(resource('AWS::CloudWatch::Alarm', 'AlarmsMessagesFailedRate'));
    expect(alarm).toMatchObject({ Threshold: 10, ComparisonOperator: 'GreaterThanThreshold' });
    const metrics = Array.isArray(alarm.Metrics) ? alarm.Metrics : [];
    const byId = Object.fromEntries(
      metrics.map((m: { Id: string; Expression?: string; MetricStat?: Record<string, unknown> }) => [
        m.Id,
        m,
      ]),
    );
    const expressions = metrics.flatMap((m: { Expression?: string }) =>
      m.Expression === undefined ? [] : [m.Expression],
    );
    expect(expressions).toEqual(['IF(sent + failed > 0, 100 * (failed + reported) / (sent + failed), 0)']);
    for (const [id, name, service] of [
      ['sent', 'MessagesSent', 'nudge-send'],
      ['failed', 'MessagesFailed', 'nudge-send'],
      ['reported', 'MessagesFailed', 'nudge-webhook'],
    ] as const) {
      expect(byId[id]?.MetricStat).toMatchObject({
        Metric: {
          Namespace: 'Nudge/dev',
          MetricName: name,
          Dimensions: [{ Name: 'service', Value: service }],
        },
        Stat: 'Sum',
        Period: 900,
      });
    }
  });

  it("the functions write their metrics where the alarms read them: a send function's EMF line", () => {
    const environment = environmentOf('send');
    const lines: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    const saved = { ...process.env };
    process.env.POWERTOOLS_METRICS_NAMESPACE = String(environment.POWERTOOLS_METRICS_NAMESPACE);
    process.env.POWERTOOLS_SERVICE_NAME = String(environment.POWERTOOLS_SERVICE_NAME);
    process.stdout.write = (chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
    try {
      const metrics = new PowertoolsMetrics();
      metrics.add('ProviderLatency', { channel: 'sms' }, 250);
      metrics.flush();
    } finally {
      process.stdout.write = original;
      process.env = saved;
    }
    const alarm = alarmMetric('AlarmsProviderLatencyP99');
    const line = JSON.parse(lines.join(''));
    expect(line._aws.CloudWatchMetrics[0].Namespace).toBe(alarm.namespace);
    expect(line._aws.CloudWatchMetrics[0].Dimensions).toContainEqual(Object.keys(alarm.dimensions));
    expect(line._aws.CloudWatchMetrics[0].Metrics[0].Name).toBe(alarm.name);
    expect(line.service).toBe(alarm.dimensions.service);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no finding, error or warning, that is not acknowledged', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(nudge.stack);
    expect(
      report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('leaves no AwsSolutions or other annotations on the stack', () => {
    const annotations = Annotations.fromStack(nudge.stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges each finding narrowly, with a written reason (snapshot)', () => {
    const acknowledgements = listNagAcknowledgements(nudge.stack);
    for (const { reason } of acknowledgements) expect(reason.length).toBeGreaterThan(80);
    // Never a whole rule where the rule reports per finding.
    expect(acknowledgements.filter((a) => a.finding === 'AwsSolutions-IAM5')).toEqual([]);
    expect(acknowledgements.map((a) => `${a.path}  ${a.finding}`)).toMatchSnapshot();
  });
});

/** The cloud-assembly folder holding a function's bundled code. */
/** Every JavaScript file of a function's asset, relative to it: index.mjs and chunks/*.mjs. */
function bundleFilesOf(name: FunctionName): string[] {
  const chunks = readdirSync(join(assetDirOf(name), 'chunks')).map((file) => `chunks/${file}`);
  return ['index.mjs', ...chunks].filter((file) => file.endsWith('.mjs'));
}

/**
 * What Node reads when Lambda imports index.mjs: the file and, transitively, the files it imports
 * statically (`import … from "./…"`, `import "./…"`); a dynamic `import("./…")` is left for first use.
 */
function filesLoadedAtInit(dir: string): string[] {
  const loaded = new Set(['index.mjs']);
  for (const file of loaded) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const match of text.matchAll(/\bimport\s*(?:[\w$*{},\s]*?\bfrom\s*)?"(\.\.?\/[^"]+)"/g)) {
      const [, specifier = ''] = match;
      loaded.add(posix.normalize(posix.join(posix.dirname(file), specifier)));
    }
  }
  return [...loaded];
}

function assetDirOf(name: FunctionName): string {
  const code = props(fn(name)).Code;
  const key = isRecord(code) ? code.S3Key : undefined;
  if (typeof key !== 'string') throw new Error(`${name} has no S3Key`);
  return join(nudge.outdir, `asset.${key.replace(/\.zip$/, '')}`);
}
