import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DateTime, Duration } from 'luxon';
import { loadRules, loadSettings } from '../../functions/adapters/files/load-rules.ts';
import { alertData } from '../../functions/app/render-factory.ts';
import { loadTemplateCatalog } from '../../functions/app/templates/load-template-catalog.ts';
import {
  customerZone,
  EventCustomerSchema,
  mergeProfile,
} from '../../functions/core/customers/customer-profile.ts';
import { type JourneyEvent, parseJourneyEvent } from '../../functions/core/journey-event.ts';
import { renderMessage } from '../../functions/core/messages/index.ts';
import { eventCustomerId, thresholdKey } from '../../functions/core/planning/threshold.ts';
import type { Rule } from '../../functions/core/rules/rule-schema.ts';

interface PreviewOptions {
  locale?: string;
  event: string;
  channel: string;
  templates: string;
  rules: string;
  timeZone?: string;
  config?: string;
}

/** `nudge preview`: render a template for one event, with its SMS encoding and segments. */
export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description(
      'Render a template for an event as the customer would see it (SMS encoding and segments included)',
    )
    .argument('<template>', 'template name, e.g. renewal-reminder')
    .requiredOption('--event <file>', 'a journey event (JSON)')
    .option(
      '--locale <locale>',
      "locale, e.g. sv (default: the event customer's, else the configured default)",
    )
    .option('--channel <channel>', 'sms or email', 'sms')
    .option(
      '--time-zone <zone>',
      "IANA time zone (default: the event customer's, else the configured default)",
    )
    .option('--templates <dir>', 'templates folder', 'templates')
    .option(
      '--rules <dir>',
      'rules folder: the rule using the template gives its `vars` (and a threshold rule a sample `alert`)',
      'rules',
    )
    .option('--config <file>', 'engine settings (default: nudge.config.yaml when present)')
    .action((template: string, options: PreviewOptions) => {
      const result = previewCommand(template, options);
      (result.exitCode === 0 ? process.stdout : process.stderr).write(result.text);
      process.exitCode = result.exitCode;
    });
}

/** Renders a preview and returns what the CLI prints. */
function previewCommand(template: string, options: PreviewOptions): { text: string; exitCode: number } {
  if (options.channel !== 'sms' && options.channel !== 'email') {
    return { text: `--channel must be sms or email, not '${options.channel}'\n`, exitCode: 2 };
  }
  const { settings } = loadSettings(options.config);
  const parsed = parseJourneyEvent(JSON.parse(readFileSync(options.event, 'utf8')));
  if (!parsed.ok) return { text: `${options.event}: ${parsed.reason}\n`, exitCode: 1 };
  const event = parsed.event;
  const inline = EventCustomerSchema.safeParse(event.detail.customer);
  const profile = inline.success ? mergeProfile(undefined, inline.data, event.time, 'preview') : undefined;
  const { catalog, issues } = loadTemplateCatalog(options.templates);
  const broken = issues.filter(
    (issue) => issue.file.includes(`/${template}/`) || issue.file.startsWith(`${template}/`),
  );
  if (broken.length > 0) {
    return {
      text: broken.map((issue) => `${issue.file}:${issue.line ?? 1} ${issue.message}\n`).join(''),
      exitCode: 1,
    };
  }
  const locale = options.locale ?? profile?.locale ?? settings.defaults.locale;
  const timeZone = options.timeZone ?? customerZone(profile, settings.defaults.timeZone);
  const result = renderMessage(catalog, {
    template,
    channel: options.channel,
    locale,
    defaultLocale: settings.defaults.locale,
    timeZone,
    data: {
      event: { id: event.id, source: event.source, 'detail-type': event['detail-type'], time: event.time },
      detail: event.detail,
      customer: {
        id: profile?.id ?? 'preview',
        ...(profile?.firstName === undefined ? {} : { firstName: profile.firstName }),
        ...(profile?.name === undefined ? {} : { name: profile.name }),
        locale,
        timeZone,
      },
      message: { id: 'preview', sendAt: event.time },
      ...ruleContext(template, options.rules, event),
    },
  });
  if (!result.ok) {
    // Say what the send step would do with it, in the words `nudge simulate` uses.
    const outcome = 'The message would be held back: suppressed, reason template-error.';
    return { text: `${result.reason}: ${result.detail}\n${outcome}\n`, exitCode: 1 };
  }
  if (result.channel === 'sms') {
    const head = `SMS · ${result.locale} · ${timeZone} · ${result.encoding} · ${result.segments} segment(s) · ${result.text.length} chars`;
    return { text: `${head}\n\n${result.text}\n`, exitCode: 0 };
  }
  const head = `Email · ${result.locale} · ${timeZone}\nSubject: ${result.subject}`;
  return { text: `${head}\n\n${result.text}\n\n--- html ---\n${result.html}\n`, exitCode: 0 };
}

/**
 * What the rule that uses the template adds, as the send step gives it: its id and `vars`
 * (`vars.promisedAnswer`). When several rules share the template, a threshold rule is preferred
 * (its template reads `alert`), else the first in file order.
 */
function ruleContext(
  template: string,
  rulesDir: string,
  event: JourneyEvent,
): { rule: { id: string }; vars: Record<string, unknown>; alert?: unknown } {
  const using = loadRules(rulesDir).rules.filter((loaded) => loaded.rule.template === template);
  const rule = (using.find((loaded) => loaded.rule.threshold !== undefined) ?? using[0])?.rule;
  if (rule === undefined) return { rule: { id: 'preview' }, vars: {} };
  return { rule: { id: rule.id }, vars: rule.vars ?? {}, ...previewAlert(rule, event) };
}

/**
 * A threshold alert's template reads `alert`, which only a crossing fills in. For a preview, the
 * threshold rule gives a sample: the rule's count reached by this event alone repeated, its key
 * value, and the window ending at the event.
 */
function previewAlert(rule: Rule, event: JourneyEvent): { alert?: unknown } {
  const threshold = rule.threshold;
  if (threshold === undefined) return {};
  const key = thresholdKey(threshold, event);
  const lastAt = DateTime.fromISO(event.time, { zone: 'utc' });
  const firstAt = lastAt.minus(Duration.fromISO(threshold.within).mapUnits((amount) => amount / 2));
  const customerId = eventCustomerId(event);
  return {
    alert: alertData({
      ...(threshold.key === undefined ? {} : { key: threshold.key }),
      value: key.ok ? key.value : '(no value)',
      count: threshold.count,
      threshold: threshold.count,
      within: threshold.within,
      firstAt: firstAt.toISO() ?? event.time,
      lastAt: event.time,
      samples: [{ eventId: event.id, ...(customerId === undefined ? {} : { customerId }) }],
    }),
  };
}
