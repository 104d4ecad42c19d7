import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Alarms } from './constructs/alarms.ts';
import { OperationsConsole } from './constructs/console.ts';
import { Ingest } from './constructs/ingest.ts';
import { JourneyBus } from './constructs/journey-bus.ts';
import { JourneyTable } from './constructs/journey-table.ts';
import { OutcomeRelay } from './constructs/outcome-relay.ts';
import { ProviderSecrets } from './constructs/provider-secrets.ts';
import { Release } from './constructs/release.ts';
import { Scheduling } from './constructs/scheduling.ts';
import { Sender, SendQueue } from './constructs/sending.ts';
import { Webhooks } from './constructs/webhooks.ts';
import type { NudgeSettings } from './settings.ts';

/** Props of {@link NudgeStack}. */
export interface NudgeStackProps extends StackProps {
  settings: NudgeSettings;
  /** The `source` values the ingest rule forwards (validated, non-empty). */
  sources: ReadonlyArray<string>;
  /** The validated project the functions run (nudge-project.json, written by `writeDeployedProject`). */
  projectFile: string;
}

/**
 * Everything Nudge runs on, in one stack: bus → ingest queue → evaluate → send queue (now) or
 * the release index (later; swept onto the send queue every minute) → send → Twilio/SendGrid → webhook → DynamoDB and outcome events.
 */
export class NudgeStack extends Stack {
  readonly table: JourneyTable;
  readonly secrets: ProviderSecrets;
  readonly bus: JourneyBus;
  readonly sendQueue: SendQueue;
  readonly scheduling: Scheduling;
  readonly release: Release;
  readonly ingest: Ingest;
  readonly webhooks: Webhooks;
  readonly outcomeRelay: OutcomeRelay;
  readonly sender: Sender;
  readonly alarms: Alarms;
  readonly console: OperationsConsole;

  constructor(scope: Construct, id: string, props: NudgeStackProps) {
    super(scope, id, props);
    const { settings } = props;
    if (props.sources.length === 0) throw new Error('the ingest rule needs at least one event source');

    this.table = new JourneyTable(this, 'Journeys', { isProduction: settings.isProduction });
    this.secrets = new ProviderSecrets(this, 'ProviderSecrets', {
      stage: settings.stage,
      isProduction: settings.isProduction,
      twilioSecretArn: settings.twilioSecretArn,
      sendgridSecretArn: settings.sendgridSecretArn,
    });
    this.bus = new JourneyBus(this, 'JourneyBus', {
      stage: settings.stage,
      existingBusName: settings.busName,
    });
    this.sendQueue = new SendQueue(this, 'SendQueue');
    this.scheduling = new Scheduling(this, 'Scheduling', {
      stage: settings.stage,
      sendQueue: this.sendQueue.queue,
    });
    this.release = new Release(this, 'Release', {
      settings,
      projectFile: props.projectFile,
      table: this.table,
      sendQueue: this.sendQueue,
    });
    this.ingest = new Ingest(this, 'Ingest', {
      settings,
      projectFile: props.projectFile,
      bus: this.bus,
      sources: props.sources,
      table: this.table,
      sendQueue: this.sendQueue,
    });
    this.outcomeRelay = new OutcomeRelay(this, 'OutcomeRelay', {
      settings,
      projectFile: props.projectFile,
      bus: this.bus,
    });
    this.webhooks = new Webhooks(this, 'Webhooks', {
      settings,
      projectFile: props.projectFile,
      table: this.table,
      outcomeRelay: this.outcomeRelay,
      secrets: this.secrets,
    });
    this.sender = new Sender(this, 'Sending', {
      settings,
      projectFile: props.projectFile,
      table: this.table,
      bus: this.bus,
      secrets: this.secrets,
      sendQueue: this.sendQueue,
      webhookBaseUrl: this.webhooks.baseUrl,
    });
    this.console = new OperationsConsole(this, 'Console', {
      settings,
      projectFile: props.projectFile,
      table: this.table,
      bus: this.bus,
    });
    this.alarms = new Alarms(this, 'Alarms', {
      stage: settings.stage,
      deadLetterQueues: {
        Ingest: this.ingest.deadLetters,
        Send: this.sendQueue.deadLetters,
        Scheduler: this.scheduling.deadLetters,
        OutcomeRelay: this.outcomeRelay.deadLetters,
        Release: this.release.deadLetters,
      },
      alarmTopicArn: settings.alarmTopicArn,
    });

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('EventBusName', this.bus.busName, 'Journey events go here (aws events put-events --entries …)');
    output('TableName', this.table.table.tableName, 'Every decision and outcome');
    output(
      'TwilioSecretArn',
      this.secrets.twilio.secretArn,
      'Set its JSON with put-secret-value (docs/deploy.md)',
    );
    output(
      'SendGridSecretArn',
      this.secrets.sendgrid.secretArn,
      'Set its JSON with put-secret-value (docs/deploy.md)',
    );
    output(
      'ScheduleGroupName',
      this.scheduling.group.scheduleGroupName,
      'Schedules made before the release index (draining; empty means the group can go)',
    );
    output(
      'IngestDeadLetterQueueUrl',
      this.ingest.deadLetters.queueUrl,
      'Events that could not be evaluated',
    );
    output(
      'SendDeadLetterQueueUrl',
      this.sendQueue.deadLetters.queueUrl,
      'Message ids that could not be sent',
    );
    output(
      'SchedulerDeadLetterQueueUrl',
      this.scheduling.deadLetters.queueUrl,
      'Schedules that could not deliver',
    );
    output(
      'OutcomeRelayDeadLetterQueueUrl',
      this.outcomeRelay.deadLetters.queueUrl,
      'Webhook outcome events that could not be put on the bus',
    );
    output(
      'OutcomeRelayQueueUrl',
      this.outcomeRelay.queue.queueUrl,
      'Webhook outcome events waiting for the relay',
    );
    output('IngestQueueUrl', this.ingest.queue.queueUrl, 'Journey events waiting for evaluate');
    output('SendQueueUrl', this.sendQueue.queue.queueUrl, 'Message ids due for sending');
    output('EvaluateFunctionName', this.ingest.fn.function.functionName, 'evaluate function');
    output('ReleaseFunctionName', this.release.fn.function.functionName, 'release function (every minute)');
    output(
      'ReleaseDeadLetterQueueUrl',
      this.release.deadLetters.queueUrl,
      'Release sweeps that failed after retries (replay their time)',
    );
    output('SendFunctionName', this.sender.fn.function.functionName, 'send function');
    output('WebhookFunctionName', this.webhooks.fn.function.functionName, 'webhook function');
    output('EvaluateLogGroup', this.ingest.fn.logGroup.logGroupName, 'evaluate function logs');
    output('SendLogGroup', this.sender.fn.logGroup.logGroupName, 'send function logs');
    output('WebhookLogGroup', this.webhooks.fn.logGroup.logGroupName, 'webhook function logs');
    output('OutcomeRelayFunctionName', this.outcomeRelay.fn.function.functionName, 'outcome-relay function');
    output('ConsoleFunctionName', this.console.fn.function.functionName, 'console function');
    output('ConsoleLogGroup', this.console.fn.logGroup.logGroupName, 'console function logs');
  }
}
