import type { EngineSettings } from '../config/engine-settings.ts';
import { resolveTemplateLocale, type TemplateCatalog } from '../messages/index.ts';
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
