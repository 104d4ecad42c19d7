/**
 * The build-time side of the deployed project: reads a project folder (rules/, templates/,
 * nudge.config.yaml), validates it exactly as `nudge rules validate` does, and produces the
 * {@link DeployedProject} the functions read at cold start. Synthesis (infra/) and the
 * benchmarks call it; the Lambda bundles never import it, so the YAML parser and the rule schema
 * stay out of them.
 */
import { join } from 'node:path';
import { loadRules, loadSettings } from '../adapters/files/load-rules.ts';
import { loadTemplateCatalog, readTemplateFiles } from '../app/templates/load-template-catalog.ts';
import { checkRuleTemplates, templateIssueAsRuleIssue } from '../core/rules/check-rule-templates.ts';
import { formatRuleIssue } from '../core/rules/parse-rule-files.ts';
import { compileRuleSet } from '../core/rules/rule-set.ts';
import { DEPLOYED_PROJECT_FORMAT, type DeployedProject } from './deployed-project.ts';

/**
 * Loads the rules, templates and settings in a project folder, checks them (settings, rules,
 * templates, rule ↔ template references) and compiles the rules. Invalid input throws one error
 * with every located message (`file:line field: message`).
 */
export function loadDeployedProject(projectDir = process.cwd()) {
  const settings = loadSettings(undefined, projectDir);
  const rules = loadRules(join(projectDir, 'rules'), projectDir);
  const templates = loadTemplateCatalog(join(projectDir, 'templates'));
  const issues = [
    ...settings.issues,
    ...rules.issues,
    ...templates.issues.map(templateIssueAsRuleIssue),
    ...checkRuleTemplates(rules.rules, templates.catalog, settings.settings),
  ];
  if (issues.length > 0)
    throw new Error(`Nudge rules are invalid:\n${issues.map(formatRuleIssue).join('\n')}`);
  return {
    settings: settings.settings,
    catalog: templates.catalog,
    rules: compileRuleSet(rules.rules.map((loaded) => loaded.rule)),
  };
}

/**
 * The project a function runs, validated by {@link loadDeployedProject} and reduced to plain
 * JSON: the validated settings and rules (schema defaults applied) and the template texts.
 *
 * @throws Error with every located message when the folder does not validate.
 */
export function compileDeployedProject(projectDir: string): DeployedProject {
  const project = loadDeployedProject(projectDir);
  return {
    format: DEPLOYED_PROJECT_FORMAT,
    settings: project.settings,
    rules: [...project.rules.rules.values()],
    templates: readTemplateFiles(join(projectDir, 'templates')),
  };
}
