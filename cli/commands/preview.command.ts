import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DateTime, Duration } from 'luxon';
import { loadProject } from '../../functions/adapters/files/load-project.ts';
import { alertData } from '../../functions/app/render-factory.ts';
import { customerZone, mergeProfile } from '../../functions/core/customers/customer-profile.ts';
import { EventCustomerSchema } from '../../functions/core/customers/event-customer.ts';
import { type JourneyEvent, parseJourneyEvent } from '../../functions/core/journey-event.ts';
import { renderMessage } from '../../functions/core/messages/index.ts';
import { eventCustomerId, thresholdKey } from '../../functions/core/planning/threshold.ts';
import { formatRuleIssue, type LoadedRule } from '../../functions/core/rules/parse-rule-files.ts';
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
      "locale, e.g. sv (default: the event customer's, else the rule's locale:, else the configured default)",
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
  // The same reader as validate, simulate, the local runtime and synthesis.
  const project = loadProject({ rules: options.rules, templates: options.templates, config: options.config });
  const { settings, catalog } = project;
  const parsed = parseJourneyEvent(JSON.parse(readFileSync(options.event, 'utf8')));
  if (!parsed.ok) return { text: `${options.event}: ${parsed.reason}\n`, exitCode: 1 };
  const event = parsed.event;
  const inline = EventCustomerSchema.safeParse(event.detail.customer);
  const profile = inline.success ? mergeProfile(undefined, inline.data, event.time, 'preview') : undefined;
  const broken = project.issues.filter(
    (issue) => issue.file.includes(`/${template}/`) || issue.file.startsWith(`${template}/`),
  );
  if (broken.length > 0) {
    return { text: broken.map((issue) => `${formatRuleIssue(issue)}\n`).join(''), exitCode: 1 };
  }
  const rule = ruleUsing(template, project.rules);
  // As the send step: the customer's locale, else the rule's, else the configured default.
  const ruleLocale = rule?.locale ?? settings.defaults.locale;
  const locale = options.locale ?? profile?.locale ?? ruleLocale;
  const timeZone = options.timeZone ?? customerZone(profile, settings.defaults.timeZone);
  const result = renderMessage(catalog, {
    template,
    channel: options.channel,
    locale,
    defaultLocale: ruleLocale,
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
      ...ruleContext(rule, event),
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
 * The rule that uses the template: when several share it, a threshold rule is preferred (its
 * template reads `alert`), else the first in file order.
 */
function ruleUsing(template: string, rules: ReadonlyArray<LoadedRule>): Rule | undefined {
  const using = rules.filter((loaded) => loaded.rule.template === template);
  return (using.find((loaded) => loaded.rule.threshold !== undefined) ?? using[0])?.rule;
}

/** What the rule adds, as the send step gives it: its id and `vars` (`vars.promisedAnswer`). */
function ruleContext(
  rule: Rule | undefined,
  event: JourneyEvent,
): { rule: { id: string }; vars: Record<string, unknown>; alert?: unknown } {
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
