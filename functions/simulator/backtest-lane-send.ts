/**
 * The send step of the backtest lane: core `decideSend` (window, cap, channel, template, size)
 * over the lane's profile and clock. Rendering is the production renderer; its result is
 * remembered per template, channel, locale, zone and template data, so a message that says
 * the same thing to the same kind of customer is rendered once.
 */

import type { MessageRecord } from '../app/message-record.ts';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import type { TemplateCatalog } from '../core/messages/index.ts';
import {
  effectiveWindow,
  oversize,
  type RenderedMessage,
  type RenderFn,
  type SUPPRESS_REASONS,
} from '../core/planning/decide.ts';
import type { Channel, Rule } from '../core/rules/rule-schema.ts';
import { contactOf, type LaneProfile } from './backtest-lane-book.ts';
import { zoneOf } from './backtest-lane-plan.ts';
import { type RenderCache, SideRenderer } from './backtest-lane-render.ts';
import { insideWindow, isoMs, nextOpening, plusUtc } from './backtest-lane-time.ts';

type SuppressReason = (typeof SUPPRESS_REASONS)[number];

/** What the send step needs of a pending message. */
interface Due {
  /** The production message id (`messageIdFor` of the rule and the trigger event). */
  key: string;
  rule: Rule;
  /** The trigger as the message record keeps it, its detail cut to what the rule's templates read. */
  trigger: MessageRecord['trigger'];
  customerId: string;
  sendAtMs: number;
}

/** The decision for a due message: as core `SendDecision`, with the cap period's start. */
export type LaneSendDecision =
  | { kind: 'defer'; untilMs: number }
  | { kind: 'suppress'; reason: SuppressReason }
  | {
      kind: 'send';
      channel: Channel;
      to: string;
      message: RenderedMessage;
      fallback: boolean;
      sinceMs: number;
    };

/** Renders a due message's template for a channel, locale and zone. */
export interface LaneRender {
  /**
   * The keys of `detail` that `rule`'s templates read (on its channels), when Liquid's analysis
   * tells them all; undefined when a template may read the detail whole (or by a computed name).
   */
  detailKeys(rule: Rule): ReadonlyArray<string> | undefined;
  render(
    due: Due,
    profile: LaneProfile,
    channel: Channel,
    locale: string,
    zone: string,
  ): ReturnType<RenderFn>;
}

/** The production renderer (render-factory.ts) over a lane's message, through the render cache. */
export function laneRenderer(
  catalog: TemplateCatalog,
  settings: EngineSettings,
  files: Readonly<Record<string, string>>,
  cache: RenderCache,
): LaneRender {
  const renderer = new SideRenderer(catalog, settings, files, cache);
  // One record, refilled per render: the renderer reads it into fresh template data and keeps
  // none of it, so a record (with its trigger and history) per due message would be garbage.
  const record: MessageRecord = {
    messageId: '',
    ruleId: '',
    customerId: '',
    trigger: { id: '', source: '', detailType: '', time: '', detail: {} },
    createdAt: '',
    sendAt: '',
    status: 'sending',
    attempts: 1,
    history: [],
    dedupeKey: '',
  };
  return {
    detailKeys: (rule) => renderer.detailKeys(rule),
    render(due, profile, channel, locale, zone) {
      const { trigger } = due;
      const fingerprint = renderer.fingerprintOf(due.rule);
      const shared = cache.shared(due.key);
      if (
        shared !== undefined &&
        shared.fingerprint === fingerprint &&
        shared.trigger === trigger &&
        shared.customerId === due.customerId &&
        shared.sendAtMs === due.sendAtMs &&
        shared.profile === profile &&
        shared.channel === channel &&
        shared.locale === locale &&
        shared.zone === zone
      )
        return shared.outcome;
      record.messageId = due.key;
      record.ruleId = due.rule.id;
      record.customerId = due.customerId;
      record.trigger = trigger;
      record.sendAt = isoMs(due.sendAtMs);
      // The lane's profile has the fields a template reads (`TemplateCustomer`): no copy.
      const outcome = renderer.render(record, due.rule, profile, channel, locale, zone);
      cache.share(due.key, {
        fingerprint,
        trigger,
        customerId: due.customerId,
        sendAtMs: due.sendAtMs,
        profile,
        channel,
        locale,
        zone,
        outcome,
      });
      return outcome;
    },
  };
}

/**
 * Decides a due message (send-message.ts `decide`, core `decideSend`). `capCount` counts the
 * customer's cap slots since a time (other messages than this one).
 */
export function sendDecision(
  due: Due,
  profile: LaneProfile | undefined,
  settings: EngineSettings,
  nowMs: number,
  renderer: LaneRender,
  capCount: (sinceMs: number) => number,
): LaneSendDecision {
  const { rule } = due;
  const sinceMs = plusUtc(nowMs, settings.cap.per, -1);
  if (!rule.enabled) return { kind: 'suppress', reason: 'rule-disabled' };
  if (profile === undefined) return { kind: 'suppress', reason: 'unknown-customer' };
  const zone = zoneOf(profile, settings.defaults.timeZone);
  const window = effectiveWindow(rule, settings);
  if (window !== undefined && !insideWindow(window, nowMs, zone)) {
    if (window.outside === 'drop') return { kind: 'suppress', reason: 'outside-window' };
    return { kind: 'defer', untilMs: nextOpening(window, nowMs, zone) };
  }
  if (!rule.urgent && capCount(sinceMs) >= settings.cap.max)
    return { kind: 'suppress', reason: 'frequency-cap' };
  const locale = profile.locale ?? rule.locale ?? settings.defaults.locale;
  let fallback = false;
  for (const channel of rule.channels) {
    const contact = contactOf(profile, channel, settings.defaults.country);
    if (!contact.ok) {
      fallback = true;
      continue;
    }
    const rendered = renderer.render(due, profile, channel, locale, zone);
    if (!rendered.ok) return { kind: 'suppress', reason: 'template-error' };
    const message = rendered.message;
    if (message.channel === 'sms' && rule.maxSegments !== undefined && message.segments > rule.maxSegments) {
      fallback = true;
      continue;
    }
    if (oversize(message) !== undefined) return { kind: 'suppress', reason: 'too-large' };
    return { kind: 'send', channel, to: contact.to, message, fallback, sinceMs };
  }
  return { kind: 'suppress', reason: 'no-usable-channel' };
}
