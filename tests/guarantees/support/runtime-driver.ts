import { DateTime } from 'luxon';
import { loadProject } from '../../../functions/adapters/files/load-project.ts';
import type { MessageRecord } from '../../../functions/app/message-record.ts';
import type { Stores } from '../../../functions/app/ports/stores.ts';
import { compileRuleSet, type RuleSet } from '../../../functions/core/rules/rule-set.ts';
import { runSimulation, type SimulationLine } from '../../../functions/simulator/run-simulation.ts';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../../local/runtime/local-runtime.ts';
import type { JourneyEnvelope } from './journey-stream.ts';

/** The shipped project (rules/, templates/, nudge.config.yaml), as `nudge simulate` loads it. */
export function shippedProject() {
  const project = loadProject({ rules: 'rules', templates: 'templates', config: 'nudge.config.yaml' });
  if (project.issues.length > 0)
    throw new Error(`the shipped project has issues: ${JSON.stringify(project.issues)}`);
  const rules: RuleSet = compileRuleSet(project.rules.map((loaded) => loaded.rule));
  return { rules, settings: project.settings, catalog: project.catalog };
}

/** Starts the local runtime on free ports with a frozen clock: the test moves time. */
export function startFrozenRuntime(
  clockStart: DateTime,
  extra: Partial<LocalRuntimeOptions> = {},
): Promise<LocalRuntime> {
  return startLocalRuntime({
    projectDir: process.cwd(),
    demo: false,
    watch: false,
    speed: 0,
    clockStart,
    ports: { console: 0, events: 0 },
    ...extra,
  });
}

/** What a single clean delivery of the stream produces: the `nudge simulate` engine. */
export async function simulate(events: ReadonlyArray<JourneyEnvelope>): Promise<SimulationLine[]> {
  const project = shippedProject();
  return runSimulation({
    rules: project.rules,
    settings: project.settings,
    catalog: project.catalog,
    events: events.map((value, index) => ({ line: index + 1, value })),
  });
}

/** A message's outcome class, as the simulator reports it. */
export type OutcomeClass = SimulationLine['outcome'];

/** The simulator's outcome class for a stored record (failed counts as held back, as there). */
export function outcomeOf(record: MessageRecord): OutcomeClass {
  switch (record.status) {
    case 'cancelled':
      return 'cancelled';
    case 'suppressed':
    case 'held-out': // the simulator's `suppressed (holdout)`
    case 'failed':
      return 'suppressed';
    case 'scheduled':
    case 'sending':
      return 'pending';
    default:
      return 'sent';
  }
}

/** Every message record, through the outbox listing (no Scan). */
export async function allMessages(stores: Pick<Stores, 'queries'>): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await stores.queries.listMessages({
      limit: 500,
      ...(cursor === undefined ? {} : { cursor }),
    });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

/** How many requests each message id got accepted by the provider sandboxes (SMS + email). */
export function providerAcceptsByMessage(runtime: LocalRuntime): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (messageId: string | null | undefined) => {
    if (messageId === null || messageId === undefined) return;
    counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
  };
  for (const sms of runtime.twilio.messages()) {
    if (sms.direction !== 'outbound-api' || sms.statusCallback === null) continue;
    add(new URL(sms.statusCallback).searchParams.get('messageId'));
  }
  for (const email of runtime.sendgrid.messages()) add(email.customArgs.messageId);
  return counts;
}

/** One thing that happens at an instant of the journey timeline. */
export interface TimelineEntry {
  at: DateTime;
  run: () => Promise<void>;
}

/** Hooks into {@link runTimeline}. */
export interface TimelineHooks {
  /**
   * Called when the clock has just reached sends that are due, while the scheduler is handing
   * them to the queue (e.g. to deliver some of them again, concurrently).
   */
  sendsDue?: (messageIds: string[]) => Promise<void>;
}

/** What moving the clock through a timeline took. */
export interface TimelineFigures {
  steps: number;
  sendInstants: number;
}

/**
 * Moves the frozen clock through the timeline exactly as the simulator moves its virtual clock:
 * at every instant where a send is due or an event arrives, in time order, sends due at an
 * instant before events at the same instant; each step waits for the send queue to empty, so
 * every decision sees the clock at its own time. Ends when nothing is pending.
 */
export async function runTimeline(
  runtime: LocalRuntime,
  entries: ReadonlyArray<TimelineEntry>,
  hooks: TimelineHooks = {},
): Promise<TimelineFigures> {
  const ordered = [...entries].sort((a, b) => a.at.toMillis() - b.at.toMillis());
  let index = 0;
  let steps = 0;
  let sendInstants = 0;
  for (;;) {
    const nextSend = runtime.pendingSends()[0]?.at;
    const nextEntry = ordered[index];
    if (nextSend === undefined && nextEntry === undefined) break;
    steps++;
    if (steps > 1_000_000) throw new Error('the timeline does not end');
    if (nextSend !== undefined && (nextEntry === undefined || nextSend <= nextEntry.at)) {
      sendInstants++;
      const due = runtime
        .pendingSends()
        .filter((pending) => pending.at <= nextSend)
        .map((pending) => pending.messageId);
      moveClockTo(runtime, nextSend);
      if (hooks.sendsDue !== undefined) await hooks.sendsDue(due);
      await runtime.drain();
      continue;
    }
    if (nextEntry === undefined) continue;
    index++;
    moveClockTo(runtime, nextEntry.at);
    await nextEntry.run();
    await runtime.drain();
  }
  await runtime.settle();
  return { steps, sendInstants };
}

function moveClockTo(runtime: LocalRuntime, at: DateTime): void {
  if (at.toMillis() > runtime.clock.nowMillis()) runtime.clock.set(at);
}

/** The instant an envelope says it happened. */
export function timeOf(event: JourneyEnvelope): DateTime {
  return DateTime.fromISO(event.time, { zone: 'utc' });
}

/** `(ruleId, triggerEventId) → outcome (reason)` of every message a run decided about. */
export function decisionsOf(
  items: ReadonlyArray<{
    ruleId: string | null;
    eventId: string | null;
    outcome: OutcomeClass;
    reason: string | null;
  }>,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items) {
    if (item.ruleId === null || item.eventId === null) continue;
    const key = `${item.ruleId} ${item.eventId}`;
    // A sent message's reason (fallback) is replaced by the provider's report when it is delivered.
    const reason = item.outcome === 'sent' || item.reason === null ? '' : ` (${item.reason})`;
    const value = `${item.outcome}${reason}`;
    const before = out.get(key);
    out.set(key, before === undefined ? value : `${before} + ${value}`);
  }
  return out;
}
