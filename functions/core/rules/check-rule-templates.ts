import type { EngineSettings } from '../config/engine-settings.ts';
import { resolveTemplateLocale, type TemplateCatalog, type TemplateIssue } from '../messages/index.ts';
import type { MessageTemplate } from '../messages/template-catalog.ts';
import { checkTemplateVariables, templateScope } from '../messages/template-scope.ts';
import { checkRuleKeys } from './check-rule-keys.ts';
import type { LoadedRule, RuleIssue } from './parse-rule-files.ts';

/** What the cross-checks found: errors stop a rule set; warnings are shown and let it run. */
export interface RuleCheck {
  issues: RuleIssue[];
  warnings: RuleIssue[];
}

/**
 * Everything about rules that needs more than one rule file: each channel has a template in the
 * rule's last-fallback locale, every variable of every template the rule can use exists, and the
 * keys are sound. Found at validation, not at send time. The CLI, the local runtime and synthesis
 * all call this (through load-project.ts), so the same errors appear everywhere.
 */
export function checkRuleTemplates(
  rules: ReadonlyArray<LoadedRule>,
  catalog: TemplateCatalog,
  settings: EngineSettings,
  /** Template files that could not be read; a rule using one is not also told its template is missing. */
  brokenTemplates: ReadonlyArray<{ file: string }> = [],
): RuleCheck {
  const issues: RuleIssue[] = [];
  const warnings: RuleIssue[] = [];
  for (const loaded of rules) {
    const broken = brokenTemplates.some((issue) => issue.file.split('/').includes(loaded.rule.template));
    if (!broken) issues.push(...missingTemplates(loaded, catalog, settings));
    const variables = checkVariables(loaded, catalog);
    const keys = checkRuleKeys(loaded);
    issues.push(...variables.issues, ...keys.issues);
    const unchecked = [...new Set([...variables.unchecked, ...keys.unchecked])];
    if (unchecked.length > 0) warnings.push(uncheckedWarning(loaded, unchecked));
    const dedupe = missingDedupe(loaded);
    if (dedupe !== undefined) warnings.push(dedupe);
  }
  return { issues: unique(issues), warnings };
}

/**
 * Every channel needs its template in the rule's last-fallback locale (its `locale`, else the
 * configured default), or a customer could meet a rule with nothing to say. Other locales are
 * optional: a customer whose locale has no template gets the fallback.
 */
function missingTemplates(
  loaded: LoadedRule,
  catalog: TemplateCatalog,
  settings: EngineSettings,
): RuleIssue[] {
  const { rule, file, positions } = loaded;
  const locale =
    rule.threshold === undefined ? (rule.locale ?? settings.defaults.locale) : settings.defaults.locale;
  const at = positions.template ?? { line: loaded.line, column: 1 };
  return rule.channels
    .filter((channel) => resolveTemplateLocale(catalog, rule.template, channel, locale, locale) === undefined)
    .map((channel) => ({
      file,
      line: at.line,
      column: at.column,
      field: 'template',
      message: `no ${channel} template '${rule.template}' in ${rule.locale === undefined ? 'the default locale' : "the rule's locale"} '${locale}': add templates/${rule.template}/${locale}.${channel}.liquid`,
    }));
}

/** The variables of every template (any locale) of the rule's channels, against the rule's scope. */
function checkVariables(
  loaded: LoadedRule,
  catalog: TemplateCatalog,
): { issues: RuleIssue[]; unchecked: string[] } {
  const scope = templateScope(loaded.rule);
  const issues: RuleIssue[] = [];
  const unchecked: string[] = [];
  for (const template of rulesTemplates(loaded, catalog)) {
    for (const finding of checkTemplateVariables(template, scope)) {
      if (finding.kind === 'unchecked') {
        unchecked.push(finding.path);
        continue;
      }
      const ruleSpecific = finding.path.startsWith('vars') || finding.path.startsWith('detail');
      issues.push({
        file: template.file,
        line: finding.line,
        column: finding.column,
        field: '',
        message: ruleSpecific ? `${finding.message} (rule ${loaded.rule.id})` : finding.message,
      });
    }
  }
  return { issues, unchecked };
}

function rulesTemplates(loaded: LoadedRule, catalog: TemplateCatalog): MessageTemplate[] {
  const channels: ReadonlyArray<string> = loaded.rule.channels;
  return [...catalog.templates.values()].filter(
    (template) => template.name === loaded.rule.template && channels.includes(template.channel),
  );
}

function uncheckedWarning(loaded: LoadedRule, paths: ReadonlyArray<string>): RuleIssue {
  const at = loaded.positions.template ?? { line: loaded.line, column: 1 };
  return {
    file: loaded.file,
    line: at.line,
    column: at.column,
    field: 'examples',
    message: `${paths.join(', ')} not checked: the rule has no examples; add examples: [{ detail: { … } }] with a real event's detail`,
  };
}

/**
 * A producer that publishes the same confirmation twice (two event ids) gets two messages from an
 * immediate rule unless a dedupe key names what is being confirmed.
 */
function missingDedupe(loaded: LoadedRule): RuleIssue | undefined {
  const { rule } = loaded;
  if (rule.send !== 'immediately' || rule.dedupe !== undefined || rule.threshold !== undefined)
    return undefined;
  const at = loaded.positions.send ?? { line: loaded.line, column: 1 };
  return {
    file: loaded.file,
    line: at.line,
    column: at.column,
    field: 'send',
    message:
      'an immediate rule without a dedupe key sends twice when the same thing is published twice: add dedupe: { key: "{{ detail.<id of what is confirmed> }}" }',
  };
}

function unique(issues: ReadonlyArray<RuleIssue>): RuleIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.file}:${issue.line}:${issue.column}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A template file's problem as a located rule issue (`file:line[:column] message`), for the
 * validation reports that list rule and template problems together. Line 1 when the problem has
 * no line (a file name that is not `<name>/<locale>.<channel>.liquid`).
 */
export function templateIssueAsRuleIssue(issue: TemplateIssue): RuleIssue {
  return {
    file: issue.file,
    line: issue.line ?? 1,
    ...(issue.column === undefined ? {} : { column: issue.column }),
    field: '',
    message: issue.message,
  };
}
