import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { NudgeSettings } from '../settings.ts';
import type { JourneyBus } from './journey-bus.ts';
import type { JourneyTable } from './journey-table.ts';
import { NudgeFunction } from './nudge-function.ts';
import { queueWithDeadLetters, visibilityFor } from './queues.ts';
import type { SendQueue } from './sending.ts';

/** The evaluate function's timeout: a batch of ten events, each a handful of DynamoDB calls. */
const EVALUATE_TIMEOUT = Duration.seconds(30);

/** Props of {@link Ingest}. */
export interface IngestProps {
  settings: NudgeSettings;
  /** The validated project the functions run (nudge-project.json, written by `writeDeployedProject`). */
  projectFile: string;
  bus: JourneyBus;
  /** The `source` values the rule forwards. */
  sources: ReadonlyArray<string>;
  table: JourneyTable;
  sendQueue: SendQueue;
}

/**
 * Journey events in: an EventBridge rule on the bus → the ingest queue → `evaluate`, with
 * partial batch responses so one bad event never holds back the other nine.
 *
 * The queue between the bus and the function absorbs bursts and gives redelivery and a
 * dead-letter queue, which a direct Lambda target lacks. The same dead-letter queue also takes
 * events EventBridge itself could not put on the ingest queue, so every lost event is in one place.
 */
export class Ingest extends Construct {
  readonly rule: Rule;
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly fn: NudgeFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const { queue, deadLetters } = queueWithDeadLetters(this, 'Queue', {
      visibilityTimeout: visibilityFor(EVALUATE_TIMEOUT),
    });
    this.queue = queue;
    this.deadLetters = deadLetters;

    this.rule = new Rule(this, 'Rule', {
      eventBus: props.bus.bus,
      description: `Journey events Nudge evaluates (sources: ${props.sources.join(', ')})`,
      eventPattern: { source: [...props.sources] },
    });
    this.rule.addTarget(
      new SqsQueue(queue, {
        deadLetterQueue: deadLetters,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );

    this.fn = new NudgeFunction(this, 'Evaluate', {
      name: 'evaluate',
      description: 'Nudge: matches journey events against the rules and plans or schedules messages',
      settings: props.settings,
      projectFile: props.projectFile,
      timeout: EVALUATE_TIMEOUT,
      memorySize: 512,
      environment: {
        NUDGE_TABLE_NAME: props.table.table.tableName,
        ...props.sendQueue.environment(),
      },
    });
    const role = this.fn.role;
    props.table.grantJourneyReadWrite(role);
    props.sendQueue.grantSend(role);
    this.fn.function.addEventSource(
      new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
  }
}
