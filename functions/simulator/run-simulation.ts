import { DateTime } from 'luxon';
import { createMemoryStores } from '../adapters/memory/memory-stores.ts';
import { VirtualScheduler } from '../adapters/memory/virtual-scheduler.ts';
import { evaluateEvent } from '../app/evaluate-event.ts';
import { isoOf } from '../app/iso-time.ts';
import type { MessageRecord } from '../app/message-record.ts';
import type { GoalLedger } from '../app/ports/goals.ts';
import type { ChannelSender, Clock, OutboundMessage, SendReceipt } from '../app/ports.ts';
import { sendMessage } from '../app/send-message.ts';
import { updateProfile } from '../app/update-profile.ts';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { type CustomerProfile, customerZone } from '../core/customers/customer-profile.ts';
import type { TemplateCatalog } from '../core/messages/index.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import type { RuleSet } from '../core/rules/rule-set.ts';
import { composeNudge } from '../wiring/compose-send.ts';

/** One input line: parsed JSON, or why it could not be read. */
export type SimulationInput = { line: number; value: unknown } | { line: number; error: string };

/** One decision, as `nudge simulate --format jsonl` prints it. */
export interface SimulationLine {
  time: string;
  ruleId: string | null;
  eventId: string | null;
  customerId: string | null;
  outcome: 'sent' | 'suppressed' | 'cancelled' | 'rejected' | 'pending';
  reason: string | null;
  /**
   * What the engine recorded with the reason (`sms: customer opted out; email: no address`,
   * `…/sv.sms.liquid: unknown variable 'detail.policyNumbr'`), so a held-back message explains itself.
   */
  detail: string | null;
  /** The recipient's time zone (the customer's, else the default), to show `time` as they live it. */
  timeZone: string | null;
  channel: Channel | null;
  to: string | null;
  sendAt: string | null;
  locale: string | null;
  subject: string | null;
  body: string | null;
  encoding: string | null;
  segments: number | null;
}

/** Everything a simulation needs. */
export interface SimulationRequest {
  rules: RuleSet;
  settings: EngineSettings;
  catalog: TemplateCatalog;
  events: ReadonlyArray<SimulationInput>;
  profiles?: ReadonlyArray<CustomerProfile>;
  /** Stop the virtual clock here; later sends are reported as `pending`. Default: run everything. */
  until?: DateTime;
  /** Where goal decisions and conversions go, for the caller to read goal rates from afterwards. */
  goals?: GoalLedger;
}

class VirtualClock implements Clock {
  constructor(public current: DateTime) {}
  now(): DateTime {
    return this.current;
  }
}

/** A channel that accepts everything and keeps nothing but a counter: the simulator sends nowhere. */
class DryRunChannel implements ChannelSender {
  private count = 0;
  constructor(private readonly prefix: string) {}
  async send(_message: OutboundMessage): Promise<SendReceipt> {
    this.count++;
    return { ok: true, providerId: `${this.prefix}-${this.count}` };
  }
}

/**
 * Replays journey events in time order through the production use cases (evaluate, send) on a
 * virtual clock: scheduled sends fire when the clock passes them, cancels and expectations
 * resolve, caps and windows apply. Deterministic: same inputs, same lines.
 */
export async function runSimulation(request: SimulationRequest): Promise<SimulationLine[]> {
  // Per-address suppressions start empty: a simulation replays events, and STOPs are replies.
  const stores = createMemoryStores();
  if (request.goals !== undefined) stores.goals = request.goals;
  for (const profile of request.profiles ?? [])
    await updateProfile(stores.profiles, profile.id, () => profile);
  const scheduler = new VirtualScheduler();
  const ordered = orderEvents(request.events);
  const firstTime = ordered.valid[0]?.time ?? DateTime.fromMillis(0, { zone: 'utc' });
  const clock = new VirtualClock(firstTime);
  const nudge = composeNudge({
    stores,
    scheduler,
    clock,
    project: { settings: request.settings, rules: request.rules },
    catalog: request.catalog,
    channels: { sms: new DryRunChannel('sim-sms'), email: new DryRunChannel('sim-email') },
    // Outcome events go nowhere: the simulator reports decisions, not the bus.
    outcomes: { publish: async () => undefined },
    tuning: { random: () => 0.5 },
  });
  const lines: SimulationLine[] = [];

  const drainUntil = async (limit: DateTime) => {
    for (;;) {
      const next = scheduler.nextDue(limit.toMillis());
      if (next === undefined) return;
      scheduler.take(next.messageId);
      const at = DateTime.fromMillis(next.atMs, { zone: 'utc' });
      if (at > clock.current) clock.current = at;
      await sendMessage(next.messageId, nudge.send);
    }
  };

  for (const rejected of ordered.unreadable) {
    lines.push(rejectedLine(isoOf(firstTime), null, `line ${rejected.line}: ${rejected.error}`));
  }
  const end = request.until ?? DateTime.fromMillis(8.64e15, { zone: 'utc' });
  for (const item of ordered.valid) {
    if (item.time > end) break; // the clock stops at --until: later events have not happened yet
    await drainUntil(item.time);
    if (item.time > clock.current) clock.current = item.time;
    const result = await evaluateEvent(item.value, nudge.evaluate);
    if (result.rejected !== undefined) {
      lines.push(
        rejectedLine(isoOf(clock.current), result.eventId ?? null, `line ${item.line}: ${result.rejected}`),
      );
    }
  }
  await drainUntil(end);

  for (const record of stores.messages.records.values()) {
    const profile = await stores.profiles.getProfile(record.customerId);
    lines.push(messageLine(record, customerZone(profile, request.settings.defaults.timeZone)));
  }
  return lines.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/**
 * Sorts readable events by their `time` (stable by line); an event whose time cannot be read is
 * still evaluated, at the start, so the engine rejects it with its own reason.
 */
function orderEvents(events: ReadonlyArray<SimulationInput>) {
  const unreadable: Array<{ line: number; error: string }> = [];
  const valid: Array<{ line: number; value: unknown; time: DateTime }> = [];
  let earliest: DateTime | undefined;
  const timed: Array<{ line: number; value: unknown; time: DateTime | undefined }> = [];
  for (const input of events) {
    if ('error' in input) {
      unreadable.push(input);
      continue;
    }
    const raw =
      input.value !== null && typeof input.value === 'object' ? Reflect.get(input.value, 'time') : undefined;
    const time = typeof raw === 'string' ? DateTime.fromISO(raw, { zone: 'utc' }) : undefined;
    const usable = time?.isValid === true ? time : undefined;
    if (usable !== undefined && (earliest === undefined || usable < earliest)) earliest = usable;
    timed.push({ line: input.line, value: input.value, time: usable });
  }
  const start = earliest ?? DateTime.fromMillis(0, { zone: 'utc' });
  for (const item of timed) valid.push({ line: item.line, value: item.value, time: item.time ?? start });
  valid.sort((a, b) => a.time.toMillis() - b.time.toMillis() || a.line - b.line);
  return { unreadable, valid };
}

function rejectedLine(time: string, eventId: string | null, reason: string): SimulationLine {
  return {
    time,
    ruleId: null,
    eventId,
    customerId: null,
    outcome: 'rejected',
    reason,
    detail: null,
    timeZone: null,
    channel: null,
    to: null,
    sendAt: null,
    locale: null,
    subject: null,
    body: null,
    encoding: null,
    segments: null,
  };
}

function messageLine(record: MessageRecord, timeZone: string): SimulationLine {
  const last = record.history[record.history.length - 1];
  const outcome: SimulationLine['outcome'] =
    record.status === 'cancelled'
      ? 'cancelled'
      : // A held-out decision is shown as held back, with its reason (holdout) and detail.
        record.status === 'suppressed' || record.status === 'failed' || record.status === 'held-out'
        ? 'suppressed'
        : record.status === 'scheduled' || record.status === 'sending'
          ? 'pending'
          : 'sent';
  const rendered = record.rendered;
  return {
    time: outcome === 'pending' ? record.sendAt : (last?.at ?? record.createdAt),
    ruleId: record.ruleId,
    eventId: record.trigger.id,
    customerId: record.customerId,
    outcome,
    reason: record.reason ?? null,
    detail: record.detail ?? null,
    timeZone,
    channel: record.channel ?? null,
    to: record.to ?? null,
    sendAt: record.sendAt,
    locale: record.locale ?? null,
    subject: rendered?.channel === 'email' ? rendered.subject : null,
    body: rendered === undefined ? null : rendered.text,
    encoding: rendered?.channel === 'sms' ? rendered.encoding : null,
    segments: rendered?.channel === 'sms' ? rendered.segments : null,
  };
}
