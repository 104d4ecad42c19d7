/**
 * The console editor's preview: a candidate rule's templates rendered, per locale and channel, for
 * one sample event — as the send step would render them (the same data, the same renderer, SMS
 * encoding and segments included). The sample is the latest archived event the rule's pattern
 * matches, or one the editor gives. Pure apart from reading the archive.
 */
import { DateTime } from 'luxon';
import { customerZone, mergeProfile } from '../core/customers/customer-profile.ts';
import { EventCustomerSchema } from '../core/customers/event-customer.ts';
import type { JourneyEvent } from '../core/journey-event.ts';
import { renderMessage } from '../core/messages/index.ts';
import { buildTemplateCatalog } from '../core/messages/template-catalog.ts';
import { isValidPattern, matchesPattern } from '../core/pattern/index.ts';
import { surveyTemplateData } from '../core/replies/score-links.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import type { EventArchive } from './ports/event-archive.ts';
import type { RuleSetContent } from './ports/rule-sets.ts';

/** One template rendered for the sample event. */
export type RenderedPreview = { file: string; locale: string; channel: 'sms' | 'email' } & (
  | { ok: true; text: string; encoding?: string; segments?: number; subject?: string }
  | { ok: false; error: string }
);

/**
 * How far back the archive is searched for a sample, hour by hour from the newest (the archive
 * is read by hour, so an old sample costs a query per hour), and how many events at most are read.
 */
const SAMPLE_HOURS = 24;
const SAMPLE_READ_LIMIT = 5_000;

/**
 * The latest event of the archive's last {@link SAMPLE_HOURS} hours (at most
 * {@link SAMPLE_READ_LIMIT} read), else the first of `fallbacks`, that the rule's `on` pattern
 * matches.
 */
export async function findSampleEvent(
  rule: Rule,
  sources: { archive?: EventArchive; now: Date; fallbacks: readonly unknown[] },
): Promise<{ event: unknown; from: 'archive' | 'samples' } | undefined> {
  const pattern = rule.on;
  // Validated with the rule; checked again so the type says so.
  if (!isValidPattern(pattern)) return undefined;
  if (sources.archive !== undefined) {
    const now = DateTime.fromJSDate(sources.now, { zone: 'utc' });
    let read = 0;
    for (let back = 0; back < SAMPLE_HOURS && read < SAMPLE_READ_LIMIT; back++) {
      const to = back === 0 ? now.plus({ minutes: 1 }) : now.startOf('hour').minus({ hours: back - 1 });
      const from = now.startOf('hour').minus({ hours: back });
      let latest: JourneyEvent | undefined;
      for await (const entry of sources.archive.readRange(from.toISO() ?? '', to.toISO() ?? '')) {
        if (matchesPattern(pattern, entry.event)) latest = entry.event;
        if (++read >= SAMPLE_READ_LIMIT) break;
      }
      if (latest !== undefined) return { event: latest, from: 'archive' };
    }
  }
  const sample = sources.fallbacks.find((event) => matchesPattern(pattern, event));
  return sample === undefined ? undefined : { event: sample, from: 'samples' };
}

/**
 * Every template of the rule's channels in `content` (each locale), rendered for `event` in that
 * locale, in the customer's time zone (else the configured default) with the data the send step
 * gives a template: the event, `detail`, the customer, the rule's `vars`, the message.
 */
export function previewRule(content: RuleSetContent, rule: Rule, event: JourneyEvent): RenderedPreview[] {
  const { catalog } = buildTemplateCatalog(content.templates);
  const inline = EventCustomerSchema.safeParse(event.detail.customer);
  const profile = inline.success ? mergeProfile(undefined, inline.data, event.time, 'preview') : undefined;
  const timeZone = customerZone(profile, content.settings.defaults.timeZone);
  const channels: readonly string[] = rule.channels;
  const templates = [...catalog.templates.values()]
    .filter((template) => template.name === rule.template && channels.includes(template.channel))
    .sort((a, b) => (a.file < b.file ? -1 : 1));
  return templates.map((template): RenderedPreview => {
    const result = renderMessage(catalog, {
      template: rule.template,
      channel: template.channel,
      locale: template.locale,
      defaultLocale: rule.locale ?? content.settings.defaults.locale,
      timeZone,
      data: {
        event: { id: event.id, source: event.source, 'detail-type': event['detail-type'], time: event.time },
        detail: event.detail,
        customer: {
          id: profile?.id ?? 'preview',
          ...(profile?.firstName === undefined ? {} : { firstName: profile.firstName }),
          ...(profile?.name === undefined ? {} : { name: profile.name }),
          locale: template.locale,
          timeZone,
        },
        rule: { id: rule.id },
        vars: rule.vars ?? {},
        message: { id: 'preview', sendAt: event.time },
        ...(rule.replies?.expect === 'score' ? { survey: surveyTemplateData() } : {}),
      },
    });
    const where = { file: template.file, locale: template.locale, channel: template.channel };
    if (!result.ok) return { ...where, ok: false, error: `${result.reason}: ${result.detail}` };
    if (result.channel === 'sms')
      return { ...where, ok: true, text: result.text, encoding: result.encoding, segments: result.segments };
    return { ...where, ok: true, subject: result.subject, text: result.text };
  });
}
