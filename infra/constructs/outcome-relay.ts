import { Duration } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { NudgeSettings } from '../settings.ts';
import type { JourneyBus } from './journey-bus.ts';
import { NudgeFunction } from './nudge-function.ts';
import { queueWithDeadLetters, visibilityFor } from './queues.ts';

/** The relay's timeout: ten PutEvents calls of a batch, each with the publisher's own retries. */
const RELAY_TIMEOUT = Duration.seconds(30);

/**
 * Queued bodies per invocation. Each PutEvents call still takes 10 entries (the API's maximum);
 * a larger batch only means fewer invocations. With `maxBatchingWindow` the event source waits up
 * to that long to fill a batch (Lambda developer guide, "Batching behavior" for SQS).
 */
export const RELAY_BATCH_SIZE = 100;
const RELAY_BATCHING_WINDOW = Duration.seconds(1);

/** Props of {@link OutcomeRelay}. */
export interface OutcomeRelayProps {
  settings: NudgeSettings;
  /** The validated project (nudge-project.json): every Nudge function carries it. */
  projectFile: string;
  bus: JourneyBus;
}

/**
 * The webhook's outcome events onto the bus in calls of 10: the webhook queues them (a provider
 * callback carries one outcome, and a PutEvents call per callback would spend the account's
 * PutEvents quota ten times as fast, docs/capacity.md), the `outcome-relay` function puts each
 * batch on the bus. Bodies that cannot be read, or whose events keep failing, dead-letter.
 */
export class OutcomeRelay extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly fn: NudgeFunction;

  constructor(scope: Construct, id: string, props: OutcomeRelayProps) {
    super(scope, id);
    const { queue, deadLetters } = queueWithDeadLetters(this, 'Queue', {
      visibilityTimeout: visibilityFor(RELAY_TIMEOUT),
    });
    this.queue = queue;
    this.deadLetters = deadLetters;
    this.fn = new NudgeFunction(this, 'Relay', {
      name: 'outcome-relay',
      description: "Nudge: puts the webhook's queued outcome events on the journey bus, 10 per call",
      settings: props.settings,
      projectFile: props.projectFile,
      timeout: RELAY_TIMEOUT,
      memorySize: 256,
      environment: { NUDGE_EVENT_BUS_NAME: props.bus.busName },
    });
    props.bus.grantPutEvents(this.fn.role);
    this.fn.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: RELAY_BATCH_SIZE,
        maxBatchingWindow: RELAY_BATCHING_WINDOW,
        reportBatchItemFailures: true,
      }),
    );
  }

  /** sqs:SendMessage only, on the relay's queue: SqsOutcomeQueue knows the URL. */
  grantQueue(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.queue.queueArn],
    });
  }

  /** The variable SqsOutcomeQueue reads. */
  environment(): Record<string, string> {
    return { NUDGE_OUTCOME_QUEUE_URL: this.queue.queueUrl };
  }
}
