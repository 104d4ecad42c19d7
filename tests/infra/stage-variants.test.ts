// The stack under other context settings. Template-only (esbuild is skipped: nudge-stack.test.ts
// covers bundling). The production variant also runs CDK's built-in CloudFormation validation
// (resource schemas, default rules); cdk-nag runs at every synthesis.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOfRole, isRecord, onlyResource, type SynthesisedNudge, synthNudge } from './support.ts';

const TOPIC = 'arn:aws:sns:eu-north-1:111122223333:ops-alerts';
const TWILIO_ARN = 'arn:aws:secretsmanager:eu-north-1:111122223333:secret:shared/twilio-AbC123';
const SENDGRID_ARN = 'arn:aws:secretsmanager:eu-north-1:111122223333:secret:shared/sendgrid-XyZ789';

let prod: SynthesisedNudge;
let imported: SynthesisedNudge;

beforeAll(() => {
  // Context as `cdk -c key=value` passes it: strings.
  prod = synthNudge(
    {
      stage: 'prod',
      alarmTopicArn: TOPIC,
      sendConcurrency: '10',
      sendBatchSize: '10',
      logRetentionDays: '90',
      twilioSenderMps: '{"+14155550100": 2, "*": 50}',
    },
    { bundle: false, validate: true },
  );
  imported = synthNudge(
    {
      busName: 'company-journeys',
      twilioSecretArn: TWILIO_ARN,
      sendgridSecretArn: SENDGRID_ARN,
      webhookBaseUrl: 'https://hooks.example.com/nudge/',
      sources: 'acme.policy,acme.orders',
      logLevel: 'DEBUG',
      retentionDays: 30,
    },
    { bundle: false, validate: false },
  );
}, 60_000);

afterAll(() => {
  for (const synthesised of [prod, imported]) {
    if (synthesised !== undefined) rmSync(synthesised.outdir, { recursive: true, force: true });
  }
});

function environmentOf(synthesised: SynthesisedNudge, prefix: string): Record<string, unknown> {
  const environment = onlyResource(synthesised.template, 'AWS::Lambda::Function', prefix).resource.Properties
    ?.Environment;
  if (!isRecord(environment) || !isRecord(environment.Variables))
    throw new Error(`${prefix} has no environment`);
  return environment.Variables;
}

describe('stage prod', () => {
  it('keeps the table: deletion protection and RETAIN', () => {
    const table = onlyResource(prod.template, 'AWS::DynamoDB::Table', 'JourneysTable').resource;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties?.DeletionProtectionEnabled).toBe(true);
  });

  it('keeps the secrets and the log groups', () => {
    for (const type of ['AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      const found = Object.values(prod.template.findResources(type));
      expect(found.length).toBeGreaterThan(0);
      for (const item of found) expect(item.DeletionPolicy, type).toBe('Retain');
    }
  });

  it('names its resources after the stage', () => {
    expect(prod.stack.stackName).toBe('nudge-prod');
    prod.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'nudge-prod' });
    prod.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'nudge-prod' });
    prod.template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/nudge/prod/send',
      RetentionInDays: 90,
    });
  });

  it('bounds send concurrency by the sendConcurrency setting and sizes its batches by sendBatchSize', () => {
    prod.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 10 },
      BatchSize: 10,
    });
  });

  it("gives the send function's rate guard its concurrency and the senders' rates", () => {
    prod.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          NUDGE_SEND_CONCURRENCY: '10',
          NUDGE_TWILIO_SENDER_MPS: JSON.stringify({ '+14155550100': 2, '*': 50 }),
        }),
      },
    });
  });

  it('notifies the alarm topic on alarm and on recovery, from every alarm', () => {
    const alarms = Object.values(prod.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(9); // five dead-letter queues (ingest, send, Scheduler, release, outcome relay) + four metric alarms
    for (const alarm of alarms) {
      expect(alarm.Properties?.AlarmActions).toEqual([TOPIC]);
      expect(alarm.Properties?.OKActions).toEqual([TOPIC]);
    }
  });

  it('is cdk-nag clean', () => {
    expect(new AwsSolutionsChecks().validateScope(prod.stack).violations).toEqual([]);
  });

  it("passes CDK's built-in CloudFormation validation without a violation, not even a warning", () => {
    const report: unknown = JSON.parse(readFileSync(join(prod.outdir, 'validation-report.json'), 'utf8'));
    const plugins =
      isRecord(report) && Array.isArray(report.pluginReports) ? report.pluginReports : undefined;
    expect(plugins).toBeDefined();
    const violations = (plugins ?? []).flatMap((plugin: unknown) =>
      isRecord(plugin) && Array.isArray(plugin.violations) ? plugin.violations : [],
    );
    expect(violations).toEqual([]);
  });
});

describe('existing bus and secrets, a custom webhook domain', () => {
  it('creates no bus and puts the rule on the existing one', () => {
    imported.template.resourceCountIs('AWS::Events::EventBus', 0);
    imported.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'company-journeys',
      EventPattern: { source: ['acme.policy', 'acme.orders'] },
    });
  });

  it('publishes outcomes to the existing bus only', () => {
    const role = onlyResource(imported.template, 'AWS::IAM::Role', 'SendingSendRole');
    expect(actionsOfRole(imported.template, role.id).get('events:PutEvents')).toEqual([
      'arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/company-journeys',
    ]);
    expect(environmentOf(imported, 'SendingSendFunction').NUDGE_EVENT_BUS_NAME).toBe('company-journeys');
  });

  it('creates no provider secrets and reads the two given, plus its own generated unsubscribe key', () => {
    // The unsubscribe signing key and the console's session key are Nudge's own (nothing to
    // import): still generated per stage.
    imported.template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    const unsubscribe = onlyResource(
      imported.template,
      'AWS::SecretsManager::Secret',
      'ProviderSecretsUnsubscribe',
    );
    for (const prefix of ['SendingSendRole', 'WebhooksWebhookRole']) {
      const role = onlyResource(imported.template, 'AWS::IAM::Role', prefix);
      expect(actionsOfRole(imported.template, role.id).get('secretsmanager:GetSecretValue')).toEqual([
        `<${unsubscribe.id}>`,
        SENDGRID_ARN,
        TWILIO_ARN,
      ]);
    }
    expect(environmentOf(imported, 'WebhooksWebhookFunction')).toMatchObject({
      NUDGE_TWILIO_SECRET_ARN: TWILIO_ARN,
      NUDGE_SENDGRID_SECRET_ARN: SENDGRID_ARN,
    });
  });

  it('gives both functions and the outputs the custom webhook base URL', () => {
    for (const prefix of ['SendingSendFunction', 'WebhooksWebhookFunction']) {
      expect(environmentOf(imported, prefix).NUDGE_WEBHOOK_BASE_URL).toBe('https://hooks.example.com/nudge/');
    }
    imported.template.hasOutput('TwilioInboundUrl', {
      Value: 'https://hooks.example.com/nudge/webhooks/twilio/inbound',
    });
    imported.template.hasOutput('SendGridEventsUrl', {
      Value: 'https://hooks.example.com/nudge/webhooks/sendgrid/events',
    });
  });

  it('passes the log level and retention to every function', () => {
    const functions = Object.values(imported.template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(6); // evaluate, send, webhook, outcome-relay, console, release
    for (const found of functions) {
      expect(found.Properties?.Environment?.Variables).toMatchObject({
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
        NUDGE_RETENTION_DAYS: '30',
      });
    }
  });

  it('keeps the non-production defaults: table deleted with the stack', () => {
    imported.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    imported.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    imported.template.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Delete',
      Properties: Match.anyValue(),
    });
  });

  it('is cdk-nag clean', () => {
    expect(new AwsSolutionsChecks().validateScope(imported.stack).violations).toEqual([]);
  });
});
