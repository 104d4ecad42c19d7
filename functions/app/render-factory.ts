import type { EngineSettings } from '../core/config/engine-settings.ts';
import type { CustomerProfile } from '../core/customers/customer-profile.ts';
import { renderMessage, type TemplateCatalog } from '../core/messages/index.ts';
import type { RenderFn } from '../core/planning/decide.ts';
import { surveyTemplateData } from '../core/replies/score-links.ts';
import type { Channel, Rule } from '../core/rules/rule-schema.ts';
import type { MessageRecord, ThresholdSnapshot } from './message-record.ts';

/** The profile fields a template reads as `customer` (a `CustomerProfile` has them, as has the backtest's compact profile). */
export type TemplateCustomer = Pick<CustomerProfile, 'firstName' | 'name' | 'locale' | 'timeZone'>;

/** The Liquid scope of a message ({@link templateData}); a type, not an interface, so it is a `Record<string, unknown>`. */
export type TemplateData = {
  event: { id: string; source: string; 'detail-type': string; time: string };
  detail: MessageRecord['trigger']['detail'];
  customer: { id: string; firstName?: string; name?: string; locale?: string; timeZone?: string };
  rule: { id: string };
  vars: NonNullable<Rule['vars']>;
  message: { id: string; sendAt: string };
  alert?: ReturnType<typeof alertData>;
  survey?: ReturnType<typeof surveyTemplateData>;
};

/**
 * What a template can use: the triggering event (`event`, and `detail` for short), the customer
 * (`customer.firstName`, …; never the consent history), the rule's `vars`, the message, and for
 * a threshold alert, `alert`. Optional fields are set one by one rather than spread in: this runs
 * for every message rendered (the backtest's replay included), and each spread is an object.
 */
export function templateData(
  record: MessageRecord,
  rule: Rule,
  profile: TemplateCustomer | undefined,
): TemplateData {
  const customer: TemplateData['customer'] = { id: record.customerId };
  if (profile !== undefined) {
    if (profile.firstName !== undefined) customer.firstName = profile.firstName;
    if (profile.name !== undefined) customer.name = profile.name;
    if (profile.locale !== undefined) customer.locale = profile.locale;
    if (profile.timeZone !== undefined) customer.timeZone = profile.timeZone;
  }
  const data: TemplateData = {
    event: {
      id: record.trigger.id,
      source: record.trigger.source,
      'detail-type': record.trigger.detailType,
      time: record.trigger.time,
    },
    detail: record.trigger.detail,
    customer,
    rule: { id: rule.id },
    vars: rule.vars ?? {},
    message: { id: record.messageId, sendAt: record.sendAt },
  };
  if (record.threshold !== undefined) data.alert = alertData(record.threshold);
  // A survey's one-click score links (email): placeholders the sender signs at send time.
  if (rule.replies?.expect === 'score') data.survey = surveyTemplateData();
  return data;
}

/**
 * What a threshold alert's template reads as `alert`: the count and the key at the crossing,
 * the window, its first and last event times, and a few samples (event and customer ids only:
 * anything more personal the template author takes from `detail`, the crossing event).
 */
export function alertData(snapshot: ThresholdSnapshot) {
  return {
    count: snapshot.count,
    threshold: snapshot.threshold,
    key: snapshot.key ?? '',
    value: snapshot.value,
    within: snapshot.within,
    firstAt: snapshot.firstAt,
    lastAt: snapshot.lastAt,
    samples: snapshot.samples.map((sample) => ({
      eventId: sample.eventId,
      customerId: sample.customerId ?? '',
    })),
  };
}

/**
 * Renders `rule`'s template over template data already built ({@link templateData}): what
 * {@link catalogRenderer}'s render function does, for a caller that needs the data itself too.
 */
export function renderTemplateData(
  catalog: TemplateCatalog,
  settings: EngineSettings,
  rule: Rule,
  data: TemplateData,
  // Named, not `...Parameters<RenderFn>`: a rest parameter is an array per call.
  channel: Channel,
  locale: string,
  timeZone: string,
): ReturnType<RenderFn> {
  const result = renderMessage(catalog, {
    template: rule.template,
    channel,
    locale,
    // A rule in one language (`locale: sv`) falls back to it, not to the configured default.
    defaultLocale: rule.locale ?? settings.defaults.locale,
    timeZone,
    data,
  });
  if (!result.ok) return { ok: false, detail: result.detail };
  if (result.channel === 'sms') {
    return {
      ok: true,
      locale: result.locale,
      message: {
        channel: 'sms',
        text: result.text,
        encoding: result.encoding,
        segments: result.segments,
      },
    };
  }
  return {
    ok: true,
    locale: result.locale,
    message: { channel: 'email', subject: result.subject, text: result.text, html: result.html },
  };
}

/** A render factory over a template catalog, for the send step. */
export function catalogRenderer(catalog: TemplateCatalog, settings: EngineSettings) {
  return (record: MessageRecord, rule: Rule, profile: TemplateCustomer | undefined): RenderFn =>
    (channel, locale, timeZone) =>
      renderTemplateData(
        catalog,
        settings,
        rule,
        templateData(record, rule, profile),
        channel,
        locale,
        timeZone,
      );
}
