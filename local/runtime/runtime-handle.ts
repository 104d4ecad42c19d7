import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MemoryMetrics } from '../../functions/adapters/metrics/memory-metrics.ts';
import {
  type ControllableClock,
  LocalSendScheduler,
} from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import { InProcessSendQueue } from '../../functions/adapters/sqs/in-process-send-queue.ts';
import type { EvaluationResult } from '../../functions/app/evaluate-event.ts';
import type { Stores } from '../../functions/app/ports/stores.ts';
import { sendMessage } from '../../functions/app/send-message.ts';
import { countSendOutcome } from '../../functions/handlers/send-records.ts';
import type { EventBridgeEvent } from '../aws/put-events-server.ts';
import type { DynamoDbEngine } from '../dynamodb/local-dynamodb.ts';
import type { SendGridSandbox, TwilioSandbox } from '../sandboxes/index.ts';
import type { NudgeHolder, SendBacklog } from './start-events.ts';
import { TABLE } from './start-storage.ts';

type Log = (line: string) => void;
type Stops = Array<() => Promise<void>>;

interface RuntimeUrls {
  console: string;
  events: string;
  webhooks: string;
  dynamodb: string;
}

/**
 * Sends in flight at once: what the deployed send function allows at its defaults (event source
 * maxConcurrency 5 × batch size 5, infra/constructs/sending.ts). Locally the send step shares one
 * event loop with ingest, so a smaller bound starves it: with 4, ten busy producers got most of
 * the loop and the queue grew without end (bench/e2e.bench.ts: p99 10 s instead of under 1 s).
 */
const SEND_QUEUE_CONCURRENCY = 25;

/** The send path: scheduler → in-process queue (at least once, bounded concurrency) → send use case. */
export function startSendQueue(
  holder: NudgeHolder,
  metrics: MemoryMetrics,
  log: Log,
  clock: ControllableClock,
  stops: Stops,
  backlog?: SendBacklog,
) {
  const queue = new InProcessSendQueue({
    concurrency: SEND_QUEUE_CONCURRENCY,
    handler: async (messageId) => {
      try {
        if (holder.nudge === undefined) throw new Error('not started');
        await holder.nudge.follow?.();
        const outcome = await sendMessage(messageId, holder.nudge.send);
        countSendOutcome(outcome, metrics);
        log(`send ${messageId}: ${outcome.kind}${'reason' in outcome ? ` (${outcome.reason})` : ''}`);
      } finally {
        backlog?.settled(messageId);
      }
    },
    onError: (failure) => log(`send ${failure.messageId} failed, will retry: ${String(failure.error)}`),
  });
  const scheduler = new LocalSendScheduler({ clock, queue });
  stops.push(async () => {
    scheduler.stop();
    await queue.close();
  });
  return { queue, scheduler };
}

/** What {@link startLocalRuntime} hands back: the URLs, the stores, and the test controls. */
export function runtimeHandle(
  urls: RuntimeUrls,
  dynamodbEngine: DynamoDbEngine,
  parts: {
    dynamoClient: DynamoDBClient;
    stores: Stores;
    clock: ControllableClock;
    twilio: TwilioSandbox;
    sendgrid: SendGridSandbox;
    queue: InProcessSendQueue;
    scheduler: LocalSendScheduler;
    ingest: (event: unknown) => Promise<EvaluationResult>;
    outcomes: EventBridgeEvent[];
  },
  stop: () => Promise<void>,
) {
  const { clock, queue, scheduler, twilio, sendgrid } = parts;
  return {
    urls: {
      console: urls.console,
      events: urls.events,
      webhooks: urls.webhooks,
      twilio: twilio.url,
      sendgrid: sendgrid.url,
      dynamodb: urls.dynamodb,
    },
    dynamodbEngine,
    clock,
    stores: parts.stores,
    dynamoClient: parts.dynamoClient,
    tableName: TABLE,
    enqueue: (messageId: string) => queue.enqueue(messageId),
    evaluate: parts.ingest,
    pendingSends: () => scheduler.pending(),
    drain: async () => {
      // A send may schedule another one due now (a duplicate finding the lease held): repeat.
      for (let round = 0; round < 5; round++) {
        await scheduler.advanceTo(clock.now());
        await queue.drain();
      }
    },
    deadLetters: () => queue.deadLetters(),
    twilio,
    sendgrid,
    outcomes: () => [...parts.outcomes],
    settle: async () => {
      for (let round = 0; round < 5; round++) {
        await scheduler.advanceTo(clock.now());
        await queue.drain();
        await twilio.whenIdle();
        await sendgrid.whenIdle();
      }
    },
    stop,
  };
}
