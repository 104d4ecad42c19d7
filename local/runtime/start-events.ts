import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventBridgeOutcomePublisher } from '../../functions/adapters/eventbridge/eventbridge-outcome-publisher.ts';
import type { MemoryMetrics } from '../../functions/adapters/metrics/memory-metrics.ts';
import type { ControllableClock } from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import { type EvaluationResult, evaluateEvent } from '../../functions/app/evaluate-event.ts';
import { readPath } from '../../functions/core/paths.ts';
import { countEvaluation } from '../../functions/handlers/evaluate-records.ts';
import type { Composition } from '../../functions/wiring/compose-send.ts';
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

/**
 * The PutEvents endpoint: Nudge's own outcome events (source `nudge`) are kept in `outcomes`,
 * every other event is ingested. Also the bus client and the outcome publisher on it, so outcome
 * events go back on the (local) bus through the real EventBridge SDK.
 */
export async function startEventBus(
  port: number,
  ingest: (event: unknown) => Promise<EvaluationResult>,
  outcomes: EventBridgeEvent[],
  deps: { clock: ControllableClock; log: Log; stops: Stops },
) {
  const { clock, log, stops } = deps;
  const events = await startPutEventsServer({
    port,
    now: () => clock.now().toJSDate(),
    onEvents: async (delivered) => {
      for (const event of delivered) {
        if (event.source === 'nudge') {
          outcomes.push(event);
          log(
            `outcome ${event['detail-type']} ${JSON.stringify(event.detail.messageId ?? event.detail.replyId ?? '')}`,
          );
          continue;
        }
        await ingest(event);
      }
    },
  });
  stops.push(() => events.stop());
  const bus = new EventBridgeClient({
    endpoint: events.url,
    region: 'eu-north-1',
    credentials: LOCAL_CREDENTIALS,
  });
  const publisher = new EventBridgeOutcomePublisher({ client: bus, busName: 'default' });
  return { events, bus, publisher };
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
