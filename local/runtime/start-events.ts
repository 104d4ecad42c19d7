import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { MemoryMetrics } from '../../functions/adapters/metrics/memory-metrics.ts';
import type { ControllableClock } from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import { type EvaluationResult, evaluateEvent } from '../../functions/app/evaluate-event.ts';
import type { SendScheduler } from '../../functions/app/ports.ts';
import { readPath } from '../../functions/core/paths.ts';
import { countEvaluation } from '../../functions/handlers/evaluate-records.ts';
import type { Composition } from '../../functions/wiring/compose-send.ts';
import { InProcessOutcomePublisher } from '../aws/in-process-outcome-publisher.ts';
import { type EventBridgeEvent, startPutEventsServer } from '../aws/put-events-server.ts';
import { loadDemoJourneys } from './demo-journeys.ts';
import { LOCAL_CREDENTIALS } from './start-storage.ts';

type Log = (line: string) => void;
type Stops = Array<() => Promise<void>>;

/** The composed use cases, once wired (the ingest and send steps refuse work before that). */
export interface NudgeHolder {
  nudge?: Composition;
}

/** The ingest step for one journey event, whichever way it arrived (PutEvents, or a redelivery). */
export function ingestStep(deps: {
  holder: NudgeHolder;
  metrics: MemoryMetrics;
  customersSeen: Map<string, string>;
  clock: ControllableClock;
  log: Log;
}): (event: unknown) => Promise<EvaluationResult> {
  const { holder, metrics, customersSeen, clock, log } = deps;
  return async (event) => {
    if (holder.nudge === undefined) throw new Error('not started');
    await holder.nudge.follow?.();
    const result = await evaluateEvent(event, holder.nudge.evaluate);
    countEvaluation(result, metrics);
    const id = readPath(event, 'detail.customer.id') ?? readPath(event, 'detail.customerId');
    if (typeof id === 'string') customersSeen.set(id, clock.now().toISO() ?? '');
    const counted = result.counted.map(
      (entry) =>
        `, ${entry.ruleId}: ${entry.outcome}${entry.count === undefined ? '' : ` (${entry.count} in window${entry.crossing === undefined ? '' : `, ${entry.crossing}`})`}`,
    );
    log(
      `event ${String(readPath(event, 'detail-type'))} ${result.eventId ?? '(no id)'}: ${result.rejected ?? `${result.planned.length} planned, ${result.closed.length} closed${counted.join('')}`}`,
    );
    return result;
  };
}

/** The region of the local bus's client, and so of the envelopes it puts. */
const LOCAL_BUS_REGION = 'eu-north-1';
/**
 * Default bound on messages evaluated with a send due and not yet through the send step: twice
 * the send queue's concurrency (25), so sending always has work while ingest waits.
 */
const DEFAULT_SEND_BACKLOG_LIMIT = 50;

/**
 * Messages evaluated with a send due now that the send step has not finished yet: what the
 * PutEvents endpoint's back-pressure bounds, so ingest cannot starve sending on the one event loop.
 */
export class SendBacklog {
  private readonly due = new Set<string>();

  constructor(private readonly clock: ControllableClock) {}

  get size(): number {
    return this.due.size;
  }

  /** The scheduler port, noting each send that is due now (or within a second). */
  watch(scheduler: SendScheduler): SendScheduler {
    return {
      schedule: async (messageId, at) => {
        const isDue = at.toMillis() <= this.clock.nowMillis() + 1_000;
        if (isDue) this.due.add(messageId);
        try {
          await scheduler.schedule(messageId, at);
        } catch (error) {
          this.due.delete(messageId);
          throw error;
        }
      },
      cancel: async (messageId) => {
        this.due.delete(messageId);
        await scheduler.cancel(messageId);
      },
    };
  }

  /** The send step is done with a message (sent, skipped, or failed and left to a redelivery). */
  settled(messageId: string): void {
    this.due.delete(messageId);
  }
}

/** Keeps an outcome event (source `nudge`) as the bus would have delivered it, and logs it. */
function keepOutcome(outcomes: EventBridgeEvent[], log: Log): (event: EventBridgeEvent) => void {
  return (event) => {
    outcomes.push(event);
    log(
      `outcome ${event['detail-type']} ${JSON.stringify(event.detail.messageId ?? event.detail.replyId ?? '')}`,
    );
  };
}

/**
 * The PutEvents endpoint: Nudge's own outcome events (source `nudge`) are kept in `outcomes`,
 * every other event is ingested, under back-pressure from the returned `backlog` (at most
 * `backPressure.limit` messages due and unsent; the send step reports each message it is done with). Also the bus client (the console and the demo put events with it)
 * and the outcome publisher, which hands outcome events over in process: the runtime publishing
 * to its own endpoint through the SDK cost a signed HTTP round trip per outcome.
 */
export async function startEventBus(
  port: number,
  ingest: (event: unknown) => Promise<EvaluationResult>,
  outcomes: EventBridgeEvent[],
  deps: {
    clock: ControllableClock;
    log: Log;
    stops: Stops;
    backPressure?: { limit?: number; maxWaitMs?: number };
  },
) {
  const { clock, log, stops } = deps;
  const keep = keepOutcome(outcomes, log);
  const backlog = new SendBacklog(clock);
  const limit = deps.backPressure?.limit ?? DEFAULT_SEND_BACKLOG_LIMIT;
  const events = await startPutEventsServer({
    port,
    now: () => clock.now().toJSDate(),
    backPressure: { backlog: () => backlog.size, limit, maxWaitMs: deps.backPressure?.maxWaitMs },
    onEvents: async (delivered) => {
      for (const event of delivered) {
        if (event.source === 'nudge') keep(event);
        else await ingest(event);
      }
    },
  });
  stops.push(() => events.stop());
  const bus = new EventBridgeClient({
    endpoint: events.url,
    region: LOCAL_BUS_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const publisher = new InProcessOutcomePublisher((envelopes) => {
    for (const envelope of envelopes) keep(envelope);
  }, LOCAL_BUS_REGION);
  return { events, bus, publisher, backlog };
}

/** The demo: the example journeys, moved to start now, put on the bus as their time comes. */
export function startDemo(
  examplesDir: string,
  bus: EventBridgeClient,
  deps: { clock: ControllableClock; log: Log; stops: Stops },
): void {
  const { clock, log, stops } = deps;
  const demo = loadDemoJourneys(examplesDir, clock.now());
  let index = 0;
  const tick = setInterval(() => {
    const due: typeof demo = [];
    while (
      index < demo.length &&
      (demo[index]?.at.toMillis() ?? Number.POSITIVE_INFINITY) <= clock.nowMillis()
    ) {
      const next = demo[index];
      if (next !== undefined) due.push(next);
      index++;
    }
    if (due.length === 0) return;
    void bus
      .send(
        new PutEventsCommand({
          Entries: due.map((event) => ({
            Source: event.source,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            Time: event.at.toJSDate(),
          })),
        }),
      )
      .catch((error: unknown) => log(`demo event failed: ${String(error)}`));
  }, 100);
  stops.push(async () => clearInterval(tick));
  log(`demo: ${demo.length} journey events from examples/events, starting now`);
}
