import { Duration } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SEND_RATE_MAX_WAIT_MS } from '../send-sizing.ts';
import type { NudgeSettings } from '../settings.ts';
import type { JourneyBus } from './journey-bus.ts';
import type { JourneyTable } from './journey-table.ts';
import { NudgeFunction } from './nudge-function.ts';
import type { ProviderSecrets } from './provider-secrets.ts';
import { queueWithDeadLetters, visibilityFor } from './queues.ts';

/** The send function's timeout: two provider calls of at most 10 s each, plus DynamoDB. */
const SEND_TIMEOUT = Duration.seconds(30);

/**
 * The send queue: message ids due now, put there by evaluate (due at once), by the release
 * sweep (due later) and by send itself (deferred or retried). Its dead-letter queue takes ids whose
 * send kept failing for infrastructure reasons.
 */
export class SendQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { queue, deadLetters } = queueWithDeadLetters(this, 'Queue', {
      visibilityTimeout: visibilityFor(SEND_TIMEOUT),
    });
    this.queue = queue;
    this.deadLetters = deadLetters;
  }

  /** sqs:SendMessage only: SqsSendQueue knows the URL and never asks for attributes. */
  grantSend(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.queue.queueArn],
    });
  }

  /** The variables SqsSendQueue reads. */
  environment(): Record<string, string> {
    return { NUDGE_SEND_QUEUE_URL: this.queue.queueUrl, NUDGE_SEND_QUEUE_ARN: this.queue.queueArn };
  }
}

/** Props of {@link Sender}. */
export interface SenderProps {
  settings: NudgeSettings;
  /** The validated project the functions run (nudge-project.json, written by `writeDeployedProject`). */
  projectFile: string;
  table: JourneyTable;
  bus: JourneyBus;
  secrets: ProviderSecrets;
  sendQueue: SendQueue;
  /** The public base URL Twilio's status callbacks go to (NUDGE_WEBHOOK_BASE_URL). */
  webhookBaseUrl: string;
}

/**
 * The `send` function on the send queue. Its SQS event source's `maxConcurrency` bounds how many
 * invocations of `sendBatchSize` messages run at once (messages/s ≈ sendConcurrency ×
 * sendBatchSize ÷ send latency), whatever the backlog; the rest wait in the queue. Within
 * that, each invocation keeps its share of every Twilio sender's rate (twilioSenderMps ÷
 * sendConcurrency: functions/app/sender-rate-guard.ts), so all of them together stay under it.
 */
export class Sender extends Construct {
  readonly fn: NudgeFunction;

  constructor(scope: Construct, id: string, props: SenderProps) {
    super(scope, id);
    this.fn = new NudgeFunction(this, 'Send', {
      name: 'send',
      description:
        'Nudge: claims a due message, re-checks it, renders it and sends it through Twilio or SendGrid',
      settings: props.settings,
      projectFile: props.projectFile,
      timeout: SEND_TIMEOUT,
      memorySize: 1024,
      // Its own executions, so a webhook flood or an evaluate backlog cannot hold up due sends.
      reservedConcurrentExecutions: props.settings.sendReservedConcurrency,
      environment: {
        NUDGE_TABLE_NAME: props.table.table.tableName,
        NUDGE_EVENT_BUS_NAME: props.bus.busName,
        NUDGE_TWILIO_SECRET_ARN: props.secrets.twilio.secretArn,
        NUDGE_SENDGRID_SECRET_ARN: props.secrets.sendgrid.secretArn,
        NUDGE_UNSUBSCRIBE_SECRET_ARN: props.secrets.unsubscribe.secretArn,
        NUDGE_WEBHOOK_BASE_URL: props.webhookBaseUrl,
        // The rate guard's inputs: its share of each sender is MPS ÷ this concurrency.
        NUDGE_SEND_CONCURRENCY: String(props.settings.sendConcurrency),
        NUDGE_TWILIO_SENDER_MPS: JSON.stringify(props.settings.twilioSenderMps),
        NUDGE_SEND_RATE_MAX_WAIT_MS: String(SEND_RATE_MAX_WAIT_MS),
        ...props.sendQueue.environment(),
      },
    });
    const role = this.fn.role;
    props.table.grantJourneyReadWrite(role);
    props.secrets.grantRead(role);
    props.bus.grantPutEvents(role);
    // Deferrals (outside the window) and provider retries go back through the scheduler: the
    // send queue (due soon) or the release index (an UpdateItem on the table).
    props.sendQueue.grantSend(role);
    this.fn.function.addEventSource(
      new SqsEventSource(props.sendQueue.queue, {
        batchSize: props.settings.sendBatchSize,
        maxConcurrency: props.settings.sendConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
