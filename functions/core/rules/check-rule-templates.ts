import type { EngineSettings } from '../config/engine-settings.ts';
import { resolveTemplateLocale, type TemplateCatalog, type TemplateIssue } from '../messages/index.ts';
import type { LoadedRule, RuleIssue } from './parse-rule-files.ts';

/**
 * Every channel a rule may use needs its template in the default locale (the last fallback),
 * or a customer could meet a rule with nothing to say. Found at validation, not at send time.
 */
export function checkRuleTemplates(
  rules: ReadonlyArray<LoadedRule>,
  catalog: TemplateCatalog,
  settings: EngineSettings,
): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const { rule, file, line } of rules) {
    for (const channel of rule.channels) {
      const found = resolveTemplateLocale(
        catalog,
        rule.template,
        channel,
        settings.defaults.locale,
        settings.defaults.locale,
      );
      if (found === undefined) {
        issues.push({
          file,
          line,
          field: 'template',
          message: `no ${channel} template '${rule.template}' in the default locale: add templates/${rule.template}/${settings.defaults.locale}.${channel}.liquid`,
        });
      }
    }
  }
  return issues;
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
