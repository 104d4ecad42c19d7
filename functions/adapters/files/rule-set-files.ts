import type { RuleSetContent } from '../../app/ports/rule-sets.ts';
import { readTemplateFiles } from '../../app/templates/load-template-catalog.ts';
import type { RuleIssue } from '../../core/rules/parse-rule-files.ts';
import { loadProject } from './load-project.ts';

/** A project folder read as a rule-set version's content, or the located issues that refuse it. */
export type RuleSetFiles =
  | { ok: true; content: RuleSetContent; warnings: RuleIssue[] }
  | { ok: false; issues: RuleIssue[]; warnings: RuleIssue[] };

/**
 * Reads rules, templates and settings exactly as `nudge rules validate` does ({@link loadProject},
 * templates included) and, when they are valid, returns what a version stores: the validated
 * settings and rules (defaults applied) and the template texts. `nudge rules publish` and the
 * local runtime's hot reload both publish through it, so nothing invalid can become a version.
 */
export function readRuleSetFiles(options: {
  rules: string;
  templates: string;
  config?: string | undefined;
  base?: string;
}): RuleSetFiles {
  const project = loadProject(options);
  if (project.issues.length > 0) return { ok: false, issues: project.issues, warnings: project.warnings };
  return {
    ok: true,
    content: {
      settings: project.settings,
      rules: project.rules.map((loaded) => loaded.rule),
      templates: readTemplateFiles(options.templates),
    },
    warnings: project.warnings,
  };
}
