/**
 * The one reader of a project folder (rules, templates, settings) with every issue located. The
 * CLI (`nudge rules validate`, `simulate`, `preview`), the local runtime (and its hot reload) and
 * synthesis (functions/handlers/compile-project.ts) all call it, so they cannot disagree about
 * what is valid.
 */
import { join } from 'node:path';
import { loadTemplateCatalog } from '../../app/templates/load-template-catalog.ts';
import type { EngineSettings } from '../../core/config/engine-settings.ts';
import type { TemplateCatalog } from '../../core/messages/index.ts';
import { checkRuleTemplates, templateIssueAsRuleIssue } from '../../core/rules/check-rule-templates.ts';
import type { LoadedRule, RuleIssue } from '../../core/rules/parse-rule-files.ts';
import { loadRules, loadSettings, shownPath } from './load-rules.ts';

/** Rules, templates and settings as one validated project, with every issue located. */
export interface Project {
  rules: LoadedRule[];
  catalog: TemplateCatalog;
  settings: EngineSettings;
  issues: RuleIssue[];
  /** Shown, never blocking: variables that could not be checked, an immediate rule without dedupe. */
  warnings: RuleIssue[];
}

/**
 * Loads rules, templates and settings and cross-checks them (every rule's template exists and
 * renders its variables). `config` absent: `nudge.config.yaml` in `base` when there is one, else
 * the defaults. `base` is the folder file names in issues are relative to.
 */
export function loadProject(options: {
  rules: string;
  templates: string;
  config?: string | undefined;
  base?: string;
}): Project {
  const base = options.base ?? process.cwd();
  const settings = loadSettings(options.config, base);
  const rules = loadRules(options.rules, base);
  // Template files are named relative to `base` too, so every issue has one path style.
  const templates = loadTemplateCatalog(options.templates, { root: shownPath(base, options.templates) });
  const templateIssues: RuleIssue[] = templates.issues.map(templateIssueAsRuleIssue);
  const cross = checkRuleTemplates(rules.rules, templates.catalog, settings.settings, templates.issues);
  return {
    rules: rules.rules,
    catalog: templates.catalog,
    settings: settings.settings,
    issues: [...settings.issues, ...rules.issues, ...templateIssues, ...cross.issues],
    warnings: cross.warnings,
  };
}

/** The project in a folder laid out as the repository is: `rules/`, `templates/`, `nudge.config.yaml`. */
export function loadProjectFolder(projectDir: string): Project {
  return loadProject({
    rules: join(projectDir, 'rules'),
    templates: join(projectDir, 'templates'),
    base: projectDir,
  });
}
