import { type DateTime, Duration } from 'luxon';
import type { EngineSettings } from '../config/engine-settings.ts';
import { type CustomerProfile, checkContact, customerZone } from '../customers/customer-profile.ts';
import type { JourneyEvent } from '../journey-event.ts';
import type { Channel, Rule, WindowSpec } from '../rules/rule-schema.ts';
import { planSendTime } from './send-time.ts';
import { isInsideWindow, nextWindowOpening, spreadWindowOpening } from './send-window.ts';

/** Why a message was held back. Stable codes: they are stored, counted and shown. */
export const SUPPRESS_REASONS = [
  'missing-field',
  'invalid-date',
  'planned-time-passed',
  'outside-window',
  'no-usable-channel',
  'frequency-cap',
  'duplicate',
  'template-error',
  'rule-disabled',
  /** The rule is not in the active rule-set version any more (deleted after the message was planned). */
  'rule-removed',
  'unknown-customer',
  'too-large',
] as const;
type SuppressReason = (typeof SUPPRESS_REASONS)[number];

/**
 * The largest message Nudge sends (docs/guarantees.md, "Message size"). SMS: 10 segments, i.e. at
 * most 1,530 GSM-7 or 670 UCS-2 characters, inside Twilio's 1,600-character limit on a body, and
 * a cost bound (each segment is billed). Email: 200 KB of subject, text and HTML together (UTF-8),
 * which keeps the message record within DynamoDB's 400 KB item with the trigger snapshot (at most
 * 64 KB) beside it; mail clients clip long before that (Gmail at 102 KB of HTML).
 */
const MESSAGE_SIZE_LIMITS = { smsSegments: 10, emailBytes: 200 * 1024 } as const;

/** Why a rendered message is over {@link MESSAGE_SIZE_LIMITS}, or undefined when it is not. */
export function oversize(message: RenderedMessage): string | undefined {
  if (message.channel === 'sms') {
    return message.segments > MESSAGE_SIZE_LIMITS.smsSegments
      ? `sms: ${message.segments} segments exceed the limit of ${MESSAGE_SIZE_LIMITS.smsSegments}`
      : undefined;
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, 2 units, is 4): most emails need no encoding.
  if (
    (message.subject.length + message.text.length + message.html.length) * 3 <=
    MESSAGE_SIZE_LIMITS.emailBytes
  )
    return undefined;
  const encoder = new TextEncoder();
  const bytes =
    encoder.encode(message.subject).length +
    encoder.encode(message.text).length +
    encoder.encode(message.html).length;
  return bytes > MESSAGE_SIZE_LIMITS.emailBytes
    ? `email: ${Math.ceil(bytes / 1024)} KB exceed the limit of ${MESSAGE_SIZE_LIMITS.emailBytes / 1024} KB`
    : undefined;
}

/** What to do with a rule that matched an event. */
export type PlanDecision =
  | { kind: 'schedule'; sendAt: DateTime; late: boolean; deferredFrom?: DateTime }
  | { kind: 'suppress'; reason: SuppressReason; detail: string };

/** A rendered message, ready for a channel. */
export type RenderedMessage =
  | { channel: 'sms'; text: string; encoding: 'GSM-7' | 'UCS-2'; segments: number }
  | { channel: 'email'; subject: string; text: string; html: string };

/** Renders the rule's template for a channel and locale; a pure function supplied by the caller. */
export type RenderFn = (
  channel: Channel,
  locale: string,
  timeZone: string,
) => { ok: true; message: RenderedMessage; locale: string } | { ok: false; detail: string };

/** What to do with a due message at send time. */
export type SendDecision =
  | {
      kind: 'send';
      channel: Channel;
      to: string;
      locale: string;
      timeZone: string;
      message: RenderedMessage;
      /** Channels tried first and why they were passed over (fallback trail). */
      skipped: string[];
    }
  | { kind: 'suppress'; reason: SuppressReason; detail: string }
  | { kind: 'defer'; until: DateTime; reason: 'outside-window' };

/**
 * The window that applies to a rule: its own, none for `always`, else the configured default.
 * A threshold alert has only its own: the default window is the customers' quiet hours, and an
 * alert goes to operations, who asked to hear at once (a rule may still set one).
 */
export function effectiveWindow(rule: Rule, settings: EngineSettings): WindowSpec | undefined {
  if (rule.window === 'always') return undefined;
  if (rule.window === undefined && rule.threshold !== undefined) return undefined;
  return rule.window ?? settings.defaults.window;
}

/**
 * Plans a matched rule for an event: the send time (moved to the next window opening when it
 * falls outside the window), or why nothing will be sent. Pure: same inputs, same answer, on
 * every surface (Lambda, local runtime, simulator).
 */
export function planMessage(input: {
  rule: Rule;
  event: JourneyEvent;
  profile: CustomerProfile | undefined;
  settings: EngineSettings;
  now: DateTime;
  /**
   * The message id: a message deferred to a window opening is due at the opening plus an offset
   * from its hash (`settings.windowOpening.spread`). Without it, due at the opening itself.
   */
  spreadKey?: string;
}): PlanDecision {
  const { rule, event, profile, settings, now } = input;
  if (profile === undefined) {
    return {
      kind: 'suppress',
      reason: 'unknown-customer',
      detail: 'no detail.customer and no stored profile',
    };
  }
  const zone = customerZone(profile, settings.defaults.timeZone);
  const planned = planSendTime(rule, event, zone, now);
  if (!planned.ok) return { kind: 'suppress', reason: planned.reason, detail: planned.detail };
  const reachable = rule.channels.map((channel) => checkContact(profile, channel, settings.defaults.country));
  if (!reachable.some((check) => check.ok)) {
    return { kind: 'suppress', reason: 'no-usable-channel', detail: describeUnreachable(reachable) };
  }
  const window = effectiveWindow(rule, settings);
  if (window === undefined || isInsideWindow(window, planned.at, zone)) {
    return { kind: 'schedule', sendAt: planned.at, late: planned.late };
  }
  if (window.outside === 'drop') {
    return {
      kind: 'suppress',
      reason: 'outside-window',
      detail: `${planned.at.setZone(zone).toISO()} is outside ${describeWindow(window)} (${zone})`,
    };
  }
  const spreadMs = Duration.fromISO(settings.windowOpening.spread).toMillis();
  return {
    kind: 'schedule',
    sendAt:
      input.spreadKey === undefined
        ? nextWindowOpening(window, planned.at, zone)
        : spreadWindowOpening(window, planned.at, zone, input.spreadKey, spreadMs),
    late: planned.late,
    deferredFrom: planned.at,
  };
}

/**
 * Decides a due message at send time, re-checking everything that may have changed since it was
 * planned: the rule, the window, the frequency cap, consent and contact data, then the channel
 * (first usable in the rule's order, falling back when an SMS would exceed `maxSegments`).
 */
export function decideSend(input: {
  rule: Rule | undefined;
  profile: CustomerProfile | undefined;
  settings: EngineSettings;
  now: DateTime;
  /** Messages sent to this customer within the cap period before now (all rules). */
  sentInCapPeriod: number;
  render: RenderFn;
}): SendDecision {
  const { rule, profile, settings, now } = input;
  if (rule === undefined) {
    return { kind: 'suppress', reason: 'rule-removed', detail: 'the rule is not in the active rule set' };
  }
  if (!rule.enabled) {
    return { kind: 'suppress', reason: 'rule-disabled', detail: 'the rule was disabled before sending' };
  }
  if (profile === undefined) {
    return { kind: 'suppress', reason: 'unknown-customer', detail: 'the customer profile is gone' };
  }
  const zone = customerZone(profile, settings.defaults.timeZone);
  const window = effectiveWindow(rule, settings);
  if (window !== undefined && !isInsideWindow(window, now, zone)) {
    if (window.outside === 'drop') {
      return {
        kind: 'suppress',
        reason: 'outside-window',
        detail: `due outside ${describeWindow(window)} (${zone})`,
      };
    }
    return { kind: 'defer', until: nextWindowOpening(window, now, zone), reason: 'outside-window' };
  }
  if (!rule.urgent && input.sentInCapPeriod >= settings.cap.max) {
    return {
      kind: 'suppress',
      reason: 'frequency-cap',
      detail: `${input.sentInCapPeriod} sent within ${settings.cap.per}; cap is ${settings.cap.max}`,
    };
  }
  // The customer's own language first; then the rule's (`locale: sv`), then the configured default.
  const locale = profile.locale ?? rule.locale ?? settings.defaults.locale;
  const skipped: string[] = [];
  for (const channel of rule.channels) {
    const contact = checkContact(profile, channel, settings.defaults.country);
    if (!contact.ok) {
      skipped.push(contact.detail);
      continue;
    }
    const rendered = input.render(channel, locale, zone);
    if (!rendered.ok) return { kind: 'suppress', reason: 'template-error', detail: rendered.detail };
    const message = rendered.message;
    if (message.channel === 'sms' && rule.maxSegments !== undefined && message.segments > rule.maxSegments) {
      skipped.push(`sms: ${message.segments} segments exceed maxSegments ${rule.maxSegments}`);
      continue;
    }
    const tooLarge = oversize(message);
    if (tooLarge !== undefined) return { kind: 'suppress', reason: 'too-large', detail: tooLarge };
    return {
      kind: 'send',
      channel,
      to: contact.to,
      locale: rendered.locale,
      timeZone: zone,
      message,
      skipped,
    };
  }
  return { kind: 'suppress', reason: 'no-usable-channel', detail: skipped.join('; ') };
}

function describeUnreachable(checks: ReadonlyArray<ReturnType<typeof checkContact>>): string {
  return checks.flatMap((check) => (check.ok ? [] : [check.detail])).join('; ');
}

function describeWindow(window: WindowSpec): string {
  return `${window.days?.join(',') ?? 'every day'} ${window.hours}`;
}
